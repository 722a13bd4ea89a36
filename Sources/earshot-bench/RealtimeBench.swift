import ArgumentParser
import EarshotAudio
import EarshotCore
import EarshotStages
import Foundation

extension EarshotBench {
    struct Realtime: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Real time against virtual time for modelled designs, many sessions at once.",
            discussion: """
                Runs each design over every fixture scenario on the virtual clock and on the wall
                clock with the same seed, and pairs the turns: for modelled stages the two must agree,
                so every millisecond between them is the harness's own error. Prints, per design, the
                per-turn |real − virtual| voice-to-voice at p50, p99 and max, the frames dropped and
                the pacer's lateness, beside their targets.
                Example:
                  earshot-bench realtime --sessions 40      # 40 per scenario: 200 sessions at once
                """)

        @Option(help: "Sessions per scenario (all run at once on the wall clock).")
        var sessions = 40

        @Option(help: "The fixtures folder.")
        var fixtures = "AudioFixtures"

        @Option(help: "Where to write the figures as CSV.")
        var csv = "Reports/bench/realtime.csv"

        @Option(help: "Run only these parts, comma-separated: designs, llm (default: both).")
        var only: String?

        func wants(_ part: String) -> Bool { only.map { $0.split(separator: ",").contains(Substring(part)) } ?? true }

        @Option(help: "Callers at once for the HTTP LLM figure (0: skip it).")
        var llmSessions = 50

        @Option(help: "The local LLM server's time to first token, ms.")
        var llmTtftMs = 3_000

        @Option(help: "The local OpenAI-compatible server script (python3, standard library).")
        var llmServer = "Scripts/bench/sse_llm_server.py"

        func validate() throws {
            guard sessions > 0 else { throw ValidationError("--sessions must be > 0, got \(sessions)") }
        }

        /// The issue's fixed-delay cascade: energy VAD, 200 ms endpointer, STT 100, LLM 150, TTS 50.
        static let fixedCascade = """
            name: fixed-cascade
            stages:
              - {stage: vad-energy}
              - {stage: endpointer, silence_ms: 200}
              - {stage: stt-parametric, final_delay: 100}
              - {stage: llm-scripted, ttft: 150}
              - {stage: tts-parametric, ttfa: 50}
            """

        func run() throws {
            let scenarios = try Scenario.loadAll(in: URL(fileURLWithPath: fixtures, isDirectory: true))
            var config = RunConfiguration()
            config.sessionsPerScenario = sessions
            let total = sessions * scenarios.count
            var table = BenchTable(title: "realtime")
            let designs: [(String, Pipeline)] = try [("fixed-cascade", PipelineFile.parse(Self.fixedCascade, file: "fixed-cascade").pipeline)]
                + ["cascade-cloud", "duplex-moshi", "duplex-gradium"].map { ($0, try PipelineFile.load($0).pipeline) }
            for (name, pipeline) in designs where wants("designs") {
                progress("realtime: \(name), \(total) sessions")
                let virtual = try VirtualRuntime(pipeline: pipeline, scenarios: scenarios, configuration: config).run()
                let real = try RealtimeRuntime(pipeline: pipeline, scenarios: scenarios, configuration: config).run()
                var expected: [String: Duration] = [:]
                for t in virtual.turns { if let v = t.voiceToVoice { expected["\(t.session).\(t.turn)"] = v } }
                var diffs: [Double] = []
                var unpaired = 0
                for t in real.turns {
                    guard let v = expected["\(t.session).\(t.turn)"], let r = t.voiceToVoice else {
                        if t.voiceToVoice != nil { unpaired += 1 }
                        continue
                    }
                    diffs.append(abs((r - v).milliseconds))
                }
                diffs.sort()
                func p(_ q: Double) -> Double { diffs.isEmpty ? .nan : diffs[min(diffs.count - 1, Int(q * Double(diffs.count)))] }
                table.add("\(name)_\(total)_sessions_abs_diff_p50", p(0.5), unit: .milliseconds, target: "reference (\(diffs.count) turns)")
                table.add("\(name)_\(total)_sessions_abs_diff_p99", p(0.99), unit: .milliseconds, target: "<= 2")
                table.add("\(name)_\(total)_sessions_abs_diff_max", diffs.last ?? .nan, unit: .milliseconds, target: "<= 5")
                table.add("\(name)_\(total)_sessions_turns_unpaired", Double(unpaired), unit: .count, target: "== 0")
                table.add("\(name)_\(total)_sessions_frames_dropped", Double(real.harness.framesDropped), unit: .count, target: "== 0")
                table.add("\(name)_\(total)_sessions_pacer_lateness_p99", real.harness.pacerLateness.valueAtPercentile(99),
                          unit: .nanoseconds, target: "< 2000000")
            }
            if llmSessions > 0, wants("llm") { try httpLLM(&table, scenarios: scenarios) }
            try table.finish(csv: only == nil ? csv : csv.replacingOccurrences(of: ".csv", with: "-\(only!.replacingOccurrences(of: ",", with: "-")).csv"))
        }

        /// `llm-openai` against a local server that answers after `llmTtftMs`, many callers at once,
        /// beside `llm-scripted` with the same time to first token: every segment before the LLM
        /// (endpoint, STT final) must land where the scripted run puts it — a slow server must not
        /// move what happens before it.
        func httpLLM(_ table: inout BenchTable, scenarios: [Scenario]) throws {
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            server.arguments = ["python3", llmServer, "\(llmTtftMs)"]
            let input = Pipe(), output = Pipe()
            server.standardInput = input
            server.standardOutput = output
            try server.run()
            defer { try? input.fileHandleForWriting.close(); server.waitUntilExit() }
            let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw ValidationError("\(llmServer) did not print its port (got \"\(line)\")")
            }
            func design(_ name: String, llm: String) throws -> Pipeline {
                try PipelineFile.parse("""
                    name: \(name)
                    stages:
                      - {stage: vad-energy}
                      - {stage: endpointer, silence_ms: 200}
                      - {stage: stt-parametric, final_delay: 100}
                      - \(llm)
                    """, file: name).pipeline
            }
            let scripted = try design("scripted", llm: "{stage: llm-scripted, ttft: \(llmTtftMs)}")
            let network = try design("network", llm: "{stage: llm-openai, base_url: \"http://127.0.0.1:\(port)\", timeout_ms: \(llmTtftMs + 10_000)}")
            var config = RunConfiguration()
            config.sessionCount = llmSessions
            config.sessionsPerScenario = (llmSessions + scenarios.count - 1) / scenarios.count
            func segments(_ pipeline: Pipeline) throws -> (marks: [String: [Duration]], failed: Int, ttft: [Double]) {
                progress("realtime: \(pipeline.name) LLM, \(llmSessions) sessions")
                let result = try RealtimeRuntime(pipeline: pipeline, scenarios: scenarios, configuration: config).run()
                var marks: [String: [Duration]] = [:]
                var ttft: [Double] = []
                for t in result.turns {
                    guard let e = t.marks[.endpoint], let f = t.marks[.sttFinal] else { continue }
                    marks["\(t.session).\(t.turn)"] = [e - t.userEnd, f - t.userEnd]
                    if let l = t.marks[.llmFirstToken] { ttft.append((l - f).milliseconds) }
                }
                return (marks, result.turns.filter { $0.failure != nil }.count, ttft.sorted())
            }
            let reference = try segments(scripted)
            let again = try segments(scripted)
            let measured = try segments(network)
            /// Per-turn |difference| of the pre-LLM marks between two runs, sorted.
            func differences(_ a: [String: [Duration]], _ b: [String: [Duration]]) -> [Double] {
                a.flatMap { turn, expected in
                    zip(b[turn] ?? [], expected).map { abs(($0 - $1).milliseconds) }
                }.sorted()
            }
            let viaHTTP = differences(measured.marks, reference.marks)
            let floor = differences(again.marks, reference.marks)
            let tag = "llm_openai_\(llmTtftMs)ms_\(llmSessions)_sessions"
            func p(_ d: [Double], _ q: Double) -> Double { d.isEmpty ? .nan : d[min(d.count - 1, Int(q * Double(d.count)))] }
            table.add("\(tag)_pre_llm_segments_abs_diff_p50", p(viaHTTP, 0.5), unit: .milliseconds,
                      target: "reference (endpoint and STT final against llm-scripted, \(viaHTTP.count / 2) turns)")
            table.add("\(tag)_pre_llm_segments_abs_diff_max", viaHTTP.last ?? .nan, unit: .milliseconds, target: "<= 1")
            table.add("llm_scripted_\(llmSessions)_sessions_run_to_run_abs_diff_max", floor.last ?? .nan, unit: .milliseconds,
                      target: "reference (the same two marks, llm-scripted against itself: the floor of two real-time runs)")
            table.add("\(tag)_turns_failed", Double(measured.failed), unit: .count, target: "== 0")
            let ttft = measured.ttft
            table.add("\(tag)_ttft_p50", ttft.isEmpty ? .nan : ttft[ttft.count / 2], unit: .milliseconds,
                      target: "reference (scripted \(llmTtftMs) ms; from STT final to first token, loopback)")
        }
    }
}
