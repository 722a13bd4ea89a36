import ArgumentParser
import EarshotAudio
import EarshotCore
import EarshotReport
import EarshotStages
import Foundation

extension EarshotBench {
    struct Soak: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Long runs: does memory stay flat once warm?",
            discussion: """
                Tiles a fixture scenario into one long conversation and runs many sessions of it the
                way `earshot run` does (rows to disk as sessions finish, the summary tallied),
                sampling the process's resident memory four times a second. Prints resident memory
                after the first fifth of the run, at its peak and at the end, and how far any later
                sample rose above the one taken once warm — half-way through, or once the Opus packet
                table had filled to its cap if that came later — beside its target.
                Example:
                  earshot-bench soak --only virtual            # 1 h of scenario × 100 sessions
                  earshot-bench soak --only realtime           # 10 min × 50 sessions, on the wall clock
                """)

        @Option(help: "The design to run: a preset, a pipeline file, or fixed-cascade (modelled stages only, no codec).")
        var pipeline = "duplex-gradium"

        @Option(help: "The scenario to tile (a fixture's name).")
        var scenario = "basic-qa"

        @Option(help: "Virtual: minutes of scenario per session.")
        var virtualMinutes = 60

        @Option(help: "Virtual: sessions.")
        var virtualSessions = 100

        @Option(help: "Real time: minutes of scenario per session (the run takes as long).")
        var realtimeMinutes = 10

        @Option(help: "Real time: sessions, all at once.")
        var realtimeSessions = 50

        @Option(help: "Run only these parts, comma-separated: virtual, realtime (default: both).")
        var only: String?

        @Option(help: "The fixtures folder.")
        var fixtures = "AudioFixtures"

        @Option(help: "Where to write the figures as CSV.")
        var csv = "Reports/bench/soak.csv"

        func wants(_ part: String) -> Bool { only.map { $0.split(separator: ",").contains(Substring(part)) } ?? true }

        func run() throws {
            let base = try Scenario.load(from: URL(fileURLWithPath: "\(fixtures)/scenarios/\(scenario).yaml"),
                                         fixturesRoot: URL(fileURLWithPath: fixtures, isDirectory: true))
            let pipeline = self.pipeline == "fixed-cascade"
                ? try PipelineFile.parse(Realtime.fixedCascade, file: "fixed-cascade").pipeline
                : try PipelineFile.load(self.pipeline).pipeline
            var table = BenchTable(title: "soak")
            for (mode, minutes, sessions) in [("virtual", virtualMinutes, virtualSessions), ("realtime", realtimeMinutes, realtimeSessions)]
            where wants(mode) {
                let long = Self.tiled(base, minutes: minutes)
                progress("soak: \(mode), \(sessions) sessions × \(minutes) min of \(scenario), \(long.turns.count) turns each")
                var config = RunConfiguration()
                config.sessionsPerScenario = sessions
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-soak-\(getpid())")
                defer { try? FileManager.default.removeItem(at: folder) }
                let spool = try RowSpool(directory: folder, runID: "soak", budget: Gate.defaultBudget)
                let sampler = MemorySampler()
                let started = ContinuousClock.now
                let keep: @Sendable (SessionResults) -> Void = { try? spool.append(design: pipeline.name, $0) }
                let result: RunResult
                if mode == "virtual" {
                    result = try VirtualRuntime(pipeline: pipeline, scenarios: [long], configuration: config, sessions: keep).run()
                } else {
                    result = try RealtimeRuntime(pipeline: pipeline, scenarios: [long], configuration: config).run()
                    keep(SessionResults(turns: result.turns, stages: result.stages))
                }
                try spool.finish()
                let wall = ContinuousClock.now - started
                let samples = sampler.stop()
                let warmIndex = samples.count / 5
                let warm = samples.isEmpty ? 0 : samples[warmIndex]
                let end = samples.last ?? 0
                let peak = samples.max() ?? 0
                // Flat means no sample after warm-up stands much above the warm one.
                let afterWarm = samples.isEmpty ? 0 : samples[warmIndex...].max()!
                let mb = { (b: Int) in Double(b) / 1_048_576 }
                let p = "\(mode)_\(pipeline.name)_\(sessions)x\(minutes)min"
                table.add("\(p)_turns", Double(spool.turnCount), unit: .count, target: "reference")
                table.add("\(p)_wall", wall.milliseconds, unit: .milliseconds, target: "reference")
                table.add("\(p)_rss_warm_mb", mb(warm), unit: .megabytes, target: "reference")
                table.add("\(p)_rss_peak_mb", mb(peak), unit: .megabytes, target: "reference")
                table.add("\(p)_rss_end_mb", mb(end), unit: .megabytes, target: "reference")
                table.add("\(p)_growth_after_first_fifth_percent", warm == 0 ? 0 : Double(afterWarm - warm) / Double(warm) * 100,
                          unit: .percent, target: "reference")
                // Warm-up includes the Opus packet table filling to its cap: from the later of half-way
                // and the moment it was full, no sample may stand much above the first.
                let full = sampler.tableFullAt ?? 0
                let from = min(samples.count - 1, max(samples.count / 2, full))
                let base = samples.isEmpty ? 0 : samples[from]
                let later = samples.isEmpty ? 0 : samples[from...].max()!
                table.add("\(p)_warm_from_sample", Double(from), unit: .count, target: "reference")
                table.add("\(p)_growth_once_warm_percent", base == 0 ? 0 : Double(later - base) / Double(base) * 100,
                          unit: .percent, target: "<= 5 (flat after warm-up)")
                // The Opus packet table is a cache with a cap: growth up to it is the cache filling.
                table.add("\(p)_opus_packet_table_mb", mb(OpusPacketMemo.shared.size.bytes), unit: .megabytes,
                          target: "<= \(OpusPacketMemo.shared.byteLimit >> 20) (its cap)")
                if mode == "realtime" {
                    table.add("\(p)_frames_dropped", Double(result.harness.framesDropped), unit: .count, target: "== 0")
                    table.add("\(p)_pacer_lateness_max", Double(result.harness.worstPacerLateness.nanoseconds), unit: .nanoseconds, target: "reference")
                }
            }
            try table.finish(csv: csv)
        }

        /// `base` played over and over, its turns renumbered, up to `minutes` of timeline.
        static func tiled(_ base: Scenario, minutes: Int) -> Scenario {
            let copies = max(1, Int((Double(minutes) * 60_000 / base.audio.duration.milliseconds).rounded(.up)))
            var samples: [Float] = []
            samples.reserveCapacity(base.audio.samples.count * copies)
            var turns: [ScenarioTurn] = []
            for copy in 0..<copies {
                samples += base.audio.samples
                let shift = base.audio.duration * copy
                for t in base.turns {
                    turns.append(ScenarioTurn(id: copy * base.turns.count + t.id, kind: t.kind, audioFile: t.audioFile,
                                              offset: t.offset + shift, speechStart: t.speechStart + shift, speechEnd: t.speechEnd + shift,
                                              pauses: t.pauses.map { ($0.lowerBound + shift)..<($0.upperBound + shift) }, reply: t.reply, text: t.text))
                }
            }
            return Scenario(name: "\(base.name)-\(minutes)min", audio: AudioChunk(samples: samples, sampleRate: base.audio.sampleRate, channels: 1),
                            turns: turns)
        }
    }
}

/// Resident memory (VmRSS) four times a second on a thread of its own, until stopped, and when the
/// Opus packet table filled.
final class MemorySampler: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [Int] = []
    private var running = true
    private var thread: Thread?
    private var tableFull: Int?

    /// The first sample taken with the Opus packet table (nearly) at its cap; nil if it never got there.
    var tableFullAt: Int? { lock.withLock { tableFull } }

    init() {
        let t = Thread { [self] in
            while lock.withLock({ running }) {
                let rss = Self.residentBytes()
                let full = OpusPacketMemo.shared.size.bytes + 64 * 1024 >= OpusPacketMemo.shared.byteLimit
                lock.withLock {
                    if full, tableFull == nil { tableFull = samples.count }
                    samples.append(rss)
                }
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
        thread = t
        t.start()
    }

    func stop() -> [Int] {
        lock.withLock { running = false }
        return lock.withLock { samples + [Self.residentBytes()] }
    }

    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return kb * 1024
    }
}
