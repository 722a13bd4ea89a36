import EarshotCore
import EarshotStages
import EarshotTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The out-of-process stage against the example children in Scripts/stages.
@Suite(.enabled(if: PluginChildren.hasPython, "python3 is not on PATH: the plug-in children are Python scripts"))
struct ProcessStageTests {
    static let scripts = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scripts/stages")

    static func script(_ name: String) -> String { scripts.appendingPathComponent(name).path }

    static func child(_ name: String, _ args: String..., timeout: Duration = .seconds(5)) throws -> ProcessStage {
        try ProcessStage(command: "python3", arguments: [script(name)] + args, timeout: timeout)
    }

    static func text(_ s: String) -> Frame.Payload { .text(TextChunk(s, isFinal: false)) }

    @Test func handshakeDeclaresTheChildsKindsAndFramesRoundTrip() throws {
        let stage = try Self.child("passthrough.py")
        #expect(stage.role == "utility")
        #expect(stage.consumes == [.audio, .text, .event])
        #expect(stage.produces == [.audio, .text, .event])
        // The round trip runs as a blocking job off the executors; its time is charged through the job's inbox.
        #expect(stage.timing == .modelled)

        let h = StageHarness(stage)
        let n = 320
        var samples: [Float] = (0..<(2 * n)).map { i in
            let scale: Float = i % 2 == 0 ? 0.9 : -0.3
            return Float(sin(Double(i) * 0.07)) * scale
        }
        samples += [1, -1]
        let audio = AudioChunk(samples: samples, sampleRate: 16_000, channels: 2)
        try h.feed(.audio(audio), turn: 3)
        try h.feed(.text(TextChunk("héllo \"world\"\n", isFinal: true)), turn: 4)
        for (i, e) in [Event.speechStarted, .speechStopped, .endOfTurn, .interruption, .flush, .custom("barge_hint")].enumerated() {
            try h.feed(.event(e), turn: 5 + i)
        }
        try h.feed(.encoded(EncodedPacket(payload: [1, 2], sequence: 0, sampleCount: 320, sampleRate: 16_000)), turn: 11)
        h.settle()

        #expect(h.emitted.map(\.turn) == Array(3...11))
        let back = try #require(h.emitted[0].audio)
        #expect(back.sampleRate == 16_000 && back.channels == 2 && back.samples.count == samples.count)
        #expect(zip(back.samples, samples).allSatisfy { abs($0 - $1) <= 1.0 / 32_768 })
        #expect(h.emitted[1].text == TextChunk("héllo \"world\"\n", isFinal: true))
        #expect(h.emitted[2...7].map(\.event) == [.speechStarted, .speechStopped, .endOfTurn, .interruption, .flush, .custom("barge_hint")])
        // The protocol has no encoded packets, so the stage forwards them untouched.
        #expect(h.emitted[8].packet?.payload == [1, 2])
        #expect(h.finish().isClean)
    }

    @Test func aChildThatDiesFailsItsTurnAndIsRestartedForTheNext() throws {
        let h = StageHarness(try Self.child("faulty.py", "exit", "2"))
        try h.feed(Self.text("a"), turn: 1)
        try h.feed(Self.text("b"), turn: 2)
        try h.feed(Self.text("c"), turn: 2)
        try h.feed(Self.text("d"), turn: 3)
        h.settle()
        #expect(h.emitted.map(\.text?.text) == ["a", "d"])
        let failure = try #require(h.failures[2])
        #expect(failure.stage == "process")
        #expect(failure.reason.contains("child exited (exit status 3)"), "\(failure.reason)")
        #expect(h.failures.keys.sorted() == [2])
    }

    @Test func aChildThatHangsPastTheTimeoutFailsTheTurn() throws {
        let h = StageHarness(try Self.child("faulty.py", "hang", "1", timeout: .milliseconds(300)))
        let start = ContinuousClock.now
        try h.feed(Self.text("a"), turn: 1)
        h.settle()
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(300) && waited < .seconds(3), "\(waited)")
        #expect(h.failures[1]?.reason.contains("timed out") == true, "\(String(describing: h.failures[1]))")
        try h.feed(Self.text("b"), turn: 2)
        h.settle()
        #expect(h.emitted.map(\.text?.text) == ["b"])
        #expect(h.failures.keys.sorted() == [1])
    }

    @Test func aMalformedLineFailsTheTurnQuotingIt() throws {
        let h = StageHarness(try Self.child("faulty.py", "garbage", "1"))
        try h.feed(Self.text("a"), turn: 1)
        h.settle()
        let reason = try #require(h.failures[1]?.reason)
        #expect(reason.contains("malformed line from child"), "\(reason)")
        #expect(reason.contains("this is {not json\\0"), "\(reason)")
        #expect(!reason.unicodeScalars.contains("\0"), "\(reason)")
        try h.feed(Self.text("b"), turn: 2)
        h.settle()
        #expect(h.emitted.map(\.text?.text) == ["b"])
    }

    @Test func anErrorMessageFailsTheTurnAndTheChildCarriesOn() throws {
        let h = StageHarness(try Self.child("faulty.py", "error", "1"))
        try h.feed(Self.text("a"), turn: 1)
        try h.feed(Self.text("b"), turn: 2)
        h.settle()
        #expect(h.failures[1]?.reason == "model refused")
        #expect(h.emitted.map(\.text?.text) == ["a", "b"])
    }

    @Test func aCommandThatCannotStartIsAnErrorAtOnce() throws {
        #expect { try ProcessStage(command: "earshot-no-such-plugin") } throws: {
            "\($0)".contains("cannot start 'earshot-no-such-plugin': not found on PATH")
        }
        let folder = try Self.temporaryFolder()
        let script = folder.appendingPathComponent("plugin.py").path
        try "print('hi')\n".write(toFile: script, atomically: true, encoding: .utf8)
        #expect { try ProcessStage(command: script) } throws: { error in
            (error as? InputError)?.message == "cannot start '\(script)': it is not executable (chmod +x it, or run it with its interpreter)"
        }
        #expect { try ProcessStage(command: folder.path) } throws: { error in
            (error as? InputError)?.message == "cannot start '\(folder.path)': it is a folder, not a program"
        }
        #expect { try ProcessStage(command: folder.appendingPathComponent("absent").path) } throws: { error in
            (error as? InputError)?.message.hasSuffix("absent': no such file") == true
        }
        #expect { try ProcessStage(command: "python3", arguments: ["-c", "print('hi')"]) } throws: {
            "\($0)".contains("malformed line from child (not a JSON object): hi")
        }
    }

    @Test func aPluginThatWillNotStartIsABadPipelineAtItsLine() {
        let yaml = "name: x\nstages:\n  - stage: pass-through\n  - stage: process\n    command: earshot-no-such-plugin\n"
        #expect { try PipelineFile.parse(yaml, file: "bad.yaml") } throws: { error in
            guard let e = error as? InputError else { return false }
            return e.file == "bad.yaml" && e.line == 4
                && e.message == "stage 'process': cannot start 'earshot-no-such-plugin': not found on PATH (give its path, or install it)"
        }
    }

    @Test func aYAMLPipelineMeasuresTheChildsDelayInVirtualTime() throws {
        let yaml = """
            name: plugin
            stages:
              - {stage: process, command: python3, args: "\(Self.script("fixed_delay.py")) 50"}
            """
        let pipeline = try PipelineFile.parse(yaml, file: "plugin.yaml").pipeline
        let scenario = EngineTestSupport.voiced(totalMs: 1_500, turns: [[300..<700], [1_000..<1_300]])
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [scenario]).run()
        let rows = result.stages.filter { $0.stage == "process" }
        #expect(rows.count == 2)
        for row in rows {
            let latency = try #require(row.latency)
            // The child sleeps 50 ms on each turn's first frame; its real round trip is charged.
            #expect(latency >= .milliseconds(50) && latency < .seconds(2), "turn \(row.turn): \(latency)")
        }
        for turn in result.turns {
            #expect(turn.failure == nil)
            #expect(turn.marks[Mark("plugin_reply")] != nil, "turn \(turn.turn)")
        }
    }
}

extension ProcessStageTests {
    /// A shell wrapper that leaves `sleep 1000` running in the background (its pid appended to a
    /// file, one per start) and runs a Scripts/stages child as its own child, not in its place.
    static func wrapper(_ name: String, _ args: String..., timeout: Duration = .seconds(5)) throws -> (ProcessStage, pids: URL) {
        let folder = try temporaryFolder()
        let pids = folder.appendingPathComponent("pids")
        let wrapper = folder.appendingPathComponent("wrapper.sh")
        let command = (["python3", script(name)] + args).map { "'\($0)'" }.joined(separator: " ")
        try "#!/bin/sh\nsleep 1000 &\necho $! >> '\(pids.path)'\n\(command)\n".write(to: wrapper, atomically: true, encoding: .utf8)
        return (try ProcessStage(command: "/bin/sh", arguments: [wrapper.path], timeout: timeout), pids)
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func pids(in file: URL) throws -> [pid_t] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").compactMap { pid_t($0) }
    }

    /// The most memory this process has held so far (VmHWM), in bytes.
    static func peakMemory() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    @Test func aWrappersGrandchildGoesWithTheChildOnFailureAndAtTheEnd() throws {
        let (stage, pidFile) = try Self.wrapper("faulty.py", "hang", "1", timeout: .milliseconds(300))
        let h = StageHarness(stage)
        try h.feed(Self.text("a"), turn: 1)
        h.settle()
        #expect(h.failures[1]?.reason.contains("timed out") == true)
        // The hung child was stopped and a fresh one (a second wrapper, a second sleep) serves turn 2.
        try h.feed(Self.text("b"), turn: 2)
        h.settle()
        #expect(h.emitted.map(\.text?.text) == ["b"])
        var pids = try Self.pids(in: pidFile)
        #expect(pids.count == 2, "\(pids)")
        #expect(processGone(pids[0]), "the first wrapper's sleep \(pids[0]) outlived it")
        #expect(!processGone(pids[1], within: .zero))
        _ = h.finish()
        pids = try Self.pids(in: pidFile)
        #expect(processGone(pids[1]), "the second wrapper's sleep \(pids[1]) outlived the stage")
        #expect(ChildProcesses.running.isDisjoint(with: pids))
    }

    @Test func aReplyLineOverTheLimitFailsTheTurnQuicklyInBoundedMemory() throws {
        let h = StageHarness(try Self.child("faulty.py", "long", "1"))
        let before = Self.peakMemory()
        let start = ContinuousClock.now
        try h.feed(Self.text("a"), turn: 1)
        h.settle()
        let took = ContinuousClock.now - start
        let reason = try #require(h.failures[1]?.reason)
        #expect(reason == "child's reply line exceeded 1 MiB (max_line_bytes)")
        // Reading the first MiB takes milliseconds; stopping the child (which is still writing) up to a second and a quarter.
        #expect(took < .seconds(4), "\(took)")
        // The harness held about a MiB of the 200 MB line, not the line.
        #expect(Self.peakMemory() - before < 64 << 20, "peak memory grew by \(Self.peakMemory() - before) bytes")
        try h.feed(Self.text("b"), turn: 2)
        h.settle()
        #expect(h.emitted.map(\.text?.text) == ["b"])
        #expect(h.failures.keys.sorted() == [1])
    }

    @Test func aChildFloodingStderrWithoutNewlinesIsDrainedNotStalled() throws {
        let h = StageHarness(try Self.child("faulty.py", "stderr", "1", timeout: .seconds(4)))
        let start = ContinuousClock.now
        try h.feed(Self.text("a"), turn: 1)
        try h.feed(Self.text("b"), turn: 2)
        h.settle()
        #expect(ContinuousClock.now - start < .seconds(4))
        #expect(h.failures.isEmpty, "\(h.failures)")
        #expect(h.emitted.map(\.text?.text) == ["a", "b"])
    }

    @Test func controlCharactersFromTheChildAreEscapedInTheReason() throws {
        let h = StageHarness(try Self.child("faulty.py", "control", "1"))
        try h.feed(Self.text("a"), turn: 1)
        h.settle()
        #expect(h.failures[1]?.reason == #"bad\0byte \x1b[31mred\x1b[0m\nnext"#)
        #expect(h.emitted.map(\.text?.text) == ["a"])
    }
}

extension ProcessStageTests {
    /// Three sessions in real time on one executor, each with its own child; in one run session 0's
    /// child hangs on turn 1 (until its 1 s timeout, then it is stopped and restarted). Sessions 1
    /// and 2 measure each turn's round trip within a few ms of the run where nothing hangs.
    @Test func realTimeAHungChildInOneSessionDoesNotMoveAnother() throws {
        func run(hangIn session: Int) throws -> RunResult? {
            let yaml = """
                name: hang
                stages:
                  - {stage: process, command: python3, args: "\(Self.script("faulty.py")) hang 1 \(session)", timeout_ms: 1000}
                """
            let pipeline = try PipelineFile.parse(yaml, file: "hang.yaml").pipeline
            let scenario = EngineTestSupport.voiced(totalMs: 4_000, turns: (0..<6).map { [(300 + 600 * $0)..<(600 + 600 * $0)] })
            var configuration = RunConfiguration()
            configuration.sessionsPerScenario = 3
            configuration.drainTimeout = .seconds(3)
            return try WallClock.undisturbed {
                try RealtimeRuntime(pipeline: pipeline, scenarios: [scenario], configuration: configuration, executors: 1).run()
            }
        }
        guard let calm = try run(hangIn: 99), let hung = try run(hangIn: 0) else { return }
        #expect(hung.turns.first { $0.session == 0 && $0.turn == 1 }?.failure?.reason.contains("timed out") == true)
        func latencies(_ result: RunResult, session: Int) -> [Int: Duration] {
            Dictionary(uniqueKeysWithValues: result.stages.filter { $0.session == session && $0.turn > 0 }.compactMap { row in
                row.latency.map { (row.turn, $0) }
            })
        }
        func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }
        for session in [1, 2] {
            let before = latencies(calm, session: session), after = latencies(hung, session: session)
            #expect(before.count == 6 && after.count == 6, "session \(session): \(before) \(after)")
            guard !before.isEmpty, !after.isEmpty else { continue }
            // A child's round trip is a millisecond or two; a session held up behind the hung one would wait up to a second.
            let worst = before.values.max()!
            for (turn, latency) in after.sorted(by: { $0.key < $1.key }) {
                #expect(latency < worst + .milliseconds(40), "session \(session) turn \(turn): \(latency) (calm worst \(worst))")
            }
            let shift = median(Array(after.values)) - median(Array(before.values))
            #expect(abs(shift.milliseconds) < 5, "session \(session): median moved \(shift)")
        }
    }
}

enum PluginChildren {
    static let hasPython = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/python3") }
}
