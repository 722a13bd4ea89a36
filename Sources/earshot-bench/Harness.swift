import ArgumentParser
import EarshotAudio
import EarshotCore
import EarshotStages
import Foundation

extension EarshotBench {
    struct Harness: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runtime overhead: hop cost, paced latency, pacer lateness, session capacity, throughput, virtual speed.",
            discussion: """
                Example:
                  earshot-bench harness              # full run, a few minutes on 2 cores
                  earshot-bench harness --quick      # smaller counts, about half a minute
                """)

        @Flag(help: "Smaller counts and shorter runs (a smoke test of the benchmark itself).")
        var quick = false

        @Option(help: "Where to write the figures as CSV (default: Reports/bench/harness.csv for a full run; with --only, nowhere unless given, so a partial run never overwrites the full table).")
        var csv: String?

        @Option(help: "Run only these parts, comma-separated: hops, throughput, paced, capacity, virtual, presets.")
        var only: String?

        func wants(_ part: String) -> Bool { only.map { $0.split(separator: ",").contains(Substring(part)) } ?? true }

        @Option(help: "The fixtures folder, for the virtual-time figures.")
        var fixtures = "AudioFixtures"

        @Option(help: "Session counts to try for capacity, ascending, comma-separated.")
        var sessions = "1000,2000,2500,3000,4000,5000,6000,8000,10000"

        func run() throws {
            var table = BenchTable(title: "harness")
            let chain = Pipeline.chain("pass-4", (0..<4).map { _ in StageSpec("pass-through") { PassThrough() } })
            let frame = AudioChunk.silence(.milliseconds(20))
            if wants("hops") { try hops(&table, chain: chain, frame: frame) }
            if wants("throughput") { try throughput(&table, chain: chain, frame: frame) }
            if wants("paced") { try pacedSession(&table, chain: chain) }
            if wants("capacity") { try capacity(&table, chain: chain) }
            if wants("virtual") { try virtualSpeed(&table) }
            if wants("presets") { try presetSpeed(&table) }
            if let path = csv ?? (only == nil ? "Reports/bench/harness.csv" : nil) { try table.finish(csv: path) }
        }

        /// Back-to-back hops: one frame at a time through the chain, so each hop finds the executor awake.
        func hops(_ table: inout BenchTable, chain: Pipeline, frame: AudioChunk) throws {
            let hops = try RealtimeRuntime.flood(pipeline: chain, frame: frame, frames: quick ? 20_000 : 200_000, inFlight: 1)
            table.add("hop_p50", hops.hop.valueAtPercentile(50), unit: .nanoseconds, target: "<= 1000")
            table.add("hop_p99", hops.hop.valueAtPercentile(99), unit: .nanoseconds, target: "<= 10000")
        }

        /// Throughput with a bounded window, with and without the harness's own recording. The two
        /// alternate, five runs each, and each figure is a median: the recording cost is a small
        /// difference of two large times, and one pair on a shared machine gave anything from 65 to 950 ns.
        func throughput(_ table: inout BenchTable, chain: Pipeline, frame: AudioChunk) throws {
            let n = quick ? 200_000 : 1_000_000
            var quiet = RunConfiguration()
            quiet.recordsHarnessStats = false
            var on: [Double] = [], off: [Double] = []
            var footprint = 0
            for _ in 0..<5 {
                let recorded = try RealtimeRuntime.flood(pipeline: chain, frame: frame, frames: n, inFlight: 64)
                on.append(recorded.wall.seconds)
                footprint = recorded.hop.estimatedFootprintInBytes
                off.append(try RealtimeRuntime.flood(pipeline: chain, frame: frame, frames: n, inFlight: 64, configuration: quiet).wall.seconds)
            }
            let wallOn = on.sorted()[2], wallOff = off.sorted()[2]
            table.add("throughput_4stage", Double(n) / wallOn, unit: .perSecond, target: ">= 1000000 (median of 5 runs)")
            table.add("throughput_4stage_unrecorded", Double(n) / wallOff, unit: .perSecond, target: "reference (median of 5 runs)")
            table.add("recording_cost_per_frame", (wallOn - wallOff) / Double(n) * 1e9, unit: .nanoseconds,
                      target: "reference (4 hops recorded + 1 source-to-sink; difference of the medians)")
            table.add("recording_memory_per_executor", Double(3 * footprint), unit: .bytes,
                      target: "reference (3 histograms, no per-frame arrays)")
        }

        /// One paced session: what the chain adds on top of the pacing.
        func pacedSession(_ table: inout BenchTable, chain: Pipeline) throws {
            let one = try paced(sessions: 1, seconds: quick ? 3 : 10, chain: chain)
            table.add("paced_source_to_sink_p50", one.sourceToSink.valueAtPercentile(50), unit: .nanoseconds, target: "<= 50000")
            table.add("paced_source_to_sink_p99", one.sourceToSink.valueAtPercentile(99), unit: .nanoseconds, target: "<= 250000")
            table.add("pacer_lateness_1_session_p50", one.pacerLateness.valueAtPercentile(50), unit: .nanoseconds, target: "reference")
            table.add("pacer_lateness_1_session_p99", one.pacerLateness.valueAtPercentile(99), unit: .nanoseconds, target: "< 2000000")
        }

        /// Capacity: the most sessions that hold pacer p99 < 2 ms and source→sink p99 < 5 ms, nothing lost.
        func capacity(_ table: inout BenchTable, chain: Pipeline) throws {
            let counts = sessions.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            var held = 0
            for count in quick ? counts.filter({ $0 <= 2000 }) : counts {
                let s = try paced(sessions: count, seconds: quick ? 2 : 4, chain: chain)
                let lateP99 = s.pacerLateness.valueAtPercentile(99), s2sP99 = s.sourceToSink.valueAtPercentile(99)
                let holds = lateP99 < 2_000_000 && s2sP99 < 5_000_000 && s.framesDropped == 0
                progress("\(count) sessions: pacer p99 \(ms(lateP99)) ms, source→sink p99 \(ms(s2sP99)) ms, dropped \(s.framesDropped): \(holds ? "holds" : "does not hold")")
                table.add("pacer_lateness_\(count)_sessions_p50", s.pacerLateness.valueAtPercentile(50), unit: .nanoseconds, target: "reference")
                table.add("pacer_lateness_\(count)_sessions_p99", lateP99, unit: .nanoseconds, target: "< 2000000")
                table.add("source_to_sink_\(count)_sessions_p99", s2sP99, unit: .nanoseconds, target: "< 5000000")
                table.add("frames_dropped_\(count)_sessions", Double(s.framesDropped), unit: .count, target: "== 0")
                guard holds else { break }
                held = count
            }
            table.add("sessions_held", Double(held), unit: .count, target: ">= 4000 (stretch 8000)")
        }

        /// Virtual time: simulated seconds per wall second.
        func virtualSpeed(_ table: inout BenchTable) throws {
            // Virtual time: simulated seconds per wall second, for a cascade of registered
            // parametric stages shaped like the real thing (the VAD and endpointer see every frame,
            // STT, LLM and TTS work per turn) over the fixture conversations, and for a harsher
            // chain that delays every frame at every stage.
            let scenarios = try Scenario.loadAll(in: URL(fileURLWithPath: fixtures, isDirectory: true))
            let parametric = try PipelineFile.parse("""
                name: parametric-cascade
                stages:
                  - {stage: vad-energy}
                  - {stage: endpointer, silence_ms: 800}
                  - {stage: stt-parametric}
                  - {stage: llm-scripted}
                  - {stage: tts-parametric}
                """, file: "parametric-cascade").pipeline
            let perFrame = Pipeline.chain("delay-every-frame-4", [
                StageSpec("vad") { DelayStage(delay: .fixed(.milliseconds(10))) },
                StageSpec("stt") { DelayStage(delay: .logNormal(median: .milliseconds(120), sigma: 0.4)) },
                StageSpec("llm") { DelayStage(delay: .logNormal(median: .milliseconds(350), sigma: 0.5)) },
                StageSpec("tts") { DelayStage(delay: .normal(mean: .milliseconds(90), standardDeviation: .milliseconds(20))) },
            ])
            // Warm the reply voice (synthesised once per text, not charged) outside the timings.
            _ = try VirtualRuntime(pipeline: parametric, scenarios: scenarios).run()
            for (pipeline, label) in [(parametric, "cascade"), (perFrame, "delay_every_frame")] {
                for perScenario in [1, quick ? 20 : 200] {
                    var config = RunConfiguration()
                    config.sessionsPerScenario = perScenario
                    let simulated = scenarios.map(\.audio.duration.seconds).reduce(0, +) * Double(perScenario)
                    // Five sessions run in milliseconds, so one timing is mostly page faults and a
                    // neighbour's burst: each figure is the median of repeated runs (5 at least, and
                    // until a second of wall time has gone by).
                    var walls: [Double] = []
                    var events = 0
                    let started = ContinuousClock.now
                    while walls.count < 5 || (ContinuousClock.now - started < .seconds(quick ? 0.2 : 1) && walls.count < 1000) {
                        let r = try VirtualRuntime(pipeline: pipeline, scenarios: scenarios, configuration: config).run()
                        walls.append(r.harness.wall.seconds)
                        events = r.harness.events
                    }
                    let wall = walls.sorted()[walls.count / 2]
                    let sessions = perScenario * scenarios.count
                    let runs = "median of \(walls.count) runs"
                    table.add("virtual_speed_\(label)_\(sessions)_sessions", simulated / wall, unit: .ratio,
                              target: label == "cascade" && perScenario == 1 ? ">= 20000 (\(runs))" : "reference (\(runs))")
                    table.add("virtual_events_per_second_\(label)_\(sessions)", Double(events) / wall,
                              unit: .perSecond, target: "reference")
                }
            }
        }

        /// Virtual time for the real presets, Opus legs and real engines included: simulated seconds
        /// per wall second over every fixture scenario, and the same per core in use. Each run starts
        /// with an empty Opus table, so the figure includes encoding the first session's audio.
        func presetSpeed(_ table: inout BenchTable) throws {
            let scenarios = try Scenario.loadAll(in: URL(fileURLWithPath: fixtures, isDirectory: true))
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let perScenario = quick ? 2 : 10
            for preset in ["cascade-local", "cascade-cloud", "duplex-moshi", "duplex-gradium"] {
                let pipeline = try PipelineFile.load(preset).pipeline
                var config = RunConfiguration()
                config.sessionsPerScenario = perScenario
                let simulated = scenarios.map(\.audio.duration.seconds).reduce(0, +) * Double(perScenario)
                OpusPacketMemo.shared.removeAll()
                let r = try VirtualRuntime(pipeline: pipeline, scenarios: scenarios, configuration: config).run()
                let speed = simulated / r.harness.wall.seconds
                let sessions = perScenario * scenarios.count
                table.add("virtual_speed_\(preset)_\(sessions)_sessions", speed, unit: .ratio, target: "reference (× real time, \(cores) cores)")
                table.add("virtual_speed_\(preset)_\(sessions)_sessions_per_core", speed / Double(cores), unit: .ratio,
                          target: "reference (× real time per core)")
            }
        }

        func paced(sessions: Int, seconds: Int, chain: Pipeline) throws -> HarnessStats {
            var config = RunConfiguration()
            config.sessionsPerScenario = sessions
            config.drainTimeout = .seconds(2)
            let scenario = Scenario(name: "paced", audio: .silence(.seconds(seconds)), turns: [])
            return try RealtimeRuntime(pipeline: chain, scenarios: [scenario], configuration: config).run().harness
        }

        func ms(_ ns: UInt64) -> String { String(format: "%.3f", Double(ns) / 1e6) }
    }
}

extension Duration {
    var seconds: Double { Double(nanoseconds) / 1e9 }
}
