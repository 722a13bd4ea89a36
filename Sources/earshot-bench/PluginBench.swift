import ArgumentParser
import EarshotCore
import EarshotStages
import Foundation

extension EarshotBench {
    struct Plugin: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Out-of-process stage overhead: the protocol's round trip per audio frame through a do-nothing child.",
            discussion: """
                Pushes 20 ms, 16 kHz audio frames one at a time through the process stage running
                Scripts/stages/passthrough.py, and the same frames through the in-process pass-through
                stage as the reference, both on a hand-driven clock so only the stage call is timed.
                Example:
                  earshot-bench plugin --frames 5000
                """)

        @Option(help: "Frames to push through each stage (after 100 warm-up frames).")
        var frames = 5_000

        @Option(help: "The do-nothing child's script.")
        var script = "Scripts/stages/passthrough.py"

        @Option(help: "The interpreter that runs it.")
        var python = "python3"

        @Option(help: "Where to write the figures as CSV.")
        var csv = "Reports/bench/plugin.csv"

        func validate() throws {
            guard frames > 0 else { throw ValidationError("--frames must be > 0, got \(frames)") }
            guard FileManager.default.fileExists(atPath: script) else {
                throw ValidationError("--script: no file at \(script) (run from the repository root, or give its path)")
            }
        }

        func run() throws {
            let tone = (0..<320).map { Float(0.5 * sin(2 * Double.pi * 440 * Double($0) / 16_000)) }
            let frame = AudioChunk(samples: tone, sampleRate: 16_000)
            let plugin = try Self.roundTrips(try ProcessStage(command: python, arguments: [script]), frame: frame, count: frames)
            let local = try Self.roundTrips(PassThrough(), frame: frame, count: frames)

            var table = BenchTable(title: "plugin")
            table.add("plugin_round_trip_p50", plugin.p(50), unit: .microseconds, target: "<= 1000 (5% of a 20 ms frame)")
            table.add("plugin_round_trip_p99", plugin.p(99), unit: .microseconds, target: "<= 5000")
            table.add("inprocess_pass_through_p50", local.p(50), unit: .microseconds, target: "reference")
            table.add("inprocess_pass_through_p99", local.p(99), unit: .microseconds, target: "reference")
            table.add("plugin_overhead_p50", plugin.p(50) - local.p(50), unit: .microseconds,
                      target: "reference (round trip minus in-process, per 20 ms frame)")
            try table.finish(csv: csv)
        }

        struct Samples {
            var sorted: [Double]
            /// Nearest-rank percentile, in µs.
            func p(_ q: Double) -> Double {
                sorted[min(sorted.count - 1, max(0, Int((q / 100 * Double(sorted.count)).rounded(.up)) - 1))]
            }
        }

        /// Wall time of each `receive`, frame by frame; the stage's reply is complete when it returns.
        static func roundTrips(_ stage: any Stage, frame: AudioChunk, count: Int) throws -> Samples {
            let h = StageHarness(stage)
            for _ in 0..<100 { try h.feed(.audio(frame)) }
            var times: [Double] = []
            times.reserveCapacity(count)
            for i in 0..<count {
                let start = ContinuousClock.now
                try h.feed(.audio(frame), turn: 1 + i / 50)
                times.append(Double((ContinuousClock.now - start).nanoseconds) / 1_000)
            }
            guard h.failures.isEmpty, h.emitted.count == count + 100 else {
                throw ValidationError("\(stage.name): \(h.failures.values.first.map(\.reason) ?? "frames went missing") (\(h.emitted.count) of \(count + 100) came back)")
            }
            _ = h.finish()
            return Samples(sorted: times.sorted())
        }
    }
}
