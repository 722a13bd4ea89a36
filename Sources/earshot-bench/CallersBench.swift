import ArgumentParser
import EarshotCore
import EarshotStages
import Foundation

extension EarshotBench {
    struct Callers: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Many callers at once against a loopback echo agent: can one process hold them on time?",
            discussion: """
                Starts this program's own echo agent (earshot-bench agent --behaviour echo) as a second \
                process, then runs --callers sessions of agent-twilio against it in real time, each on its \
                own WebSocket, all on swift-nio's event loops, joining at --ramp per second. The same \
                sessions through a pass-through stage, with no socket, are the reference, run first. \
                Prints the harness's own stall, never the agent's: the pacer's lateness, and the source \
                hop (how long a frame then waited for its session's thread; the two together are how \
                late the user's audio was taken up). Then frames dropped, calls that never connected, \
                set-up times, and the CPU time each process used.
                Example:
                  earshot-bench callers --callers 1000 --ramp 250 --seconds 20
                """)

        @Option(help: "Concurrent callers; repeat for a sweep, each level in turn (e.g. --callers 250 --callers 500 --callers 1000).")
        var callers: [Int] = [1_000]

        @Option(help: "Callers joining per second.")
        var ramp: Double = 250

        @Option(help: "Length of each call, s: a voiced second every three.")
        var seconds = 20

        @Option(help: "Where to write the figures as CSV.")
        var csv = "Reports/bench/callers.csv"

        func validate() throws {
            guard callers.allSatisfy({ $0 > 0 }) else { throw ValidationError("--callers must be > 0, got \(callers)") }
            guard ramp > 0 && ramp <= 1000 else { throw ValidationError("--ramp must be in (0, 1000], got \(ramp)") }
            guard seconds >= 3 else { throw ValidationError("--seconds must be at least 3, got \(seconds)") }
        }

        func run() throws {
            var table = BenchTable(title: "callers")
            let agent = try EchoAgentProcess()
            defer { agent.stop() }
            for n in callers { try measure(n, agent: agent, into: &table) }
            try table.finish(csv: csv)
        }

        /// One level: `n` sessions through pass-through (the reference), then `n` callers of the echo agent.
        func measure(_ n: Int, agent: EchoAgentProcess, into table: inout BenchTable) throws {
            let scenario = Self.call(seconds: seconds)
            var config = RunConfiguration()
            config.sessionsPerScenario = n
            config.arrivalInterval = .milliseconds(max(1, (1000 / ramp).rounded()))

            progress("callers: reference, \(n) sessions through pass-through")
            let referenceCPU0 = Self.ownCPUSeconds()
            let reference = try RealtimeRuntime(pipeline: try PipelineFile.parse("name: reference\nstages:\n  - stage: pass-through\n",
                                                                                file: "reference").pipeline,
                                                scenarios: [scenario], configuration: config).run()
            let referenceCPU = Self.ownCPUSeconds() - referenceCPU0
            let pipeline = try PipelineFile.parse("""
                name: echo-agent
                stages:
                  - stage: agent-twilio
                    url: \(agent.url)
                    hang_up_after_ms: 500
                """, file: "echo-agent").pipeline
            progress("callers: \(n) callers against the echo agent, \(ramp) joining per second")
            let agentCPU0 = agent.cpuSeconds(), ownCPU0 = Self.ownCPUSeconds()
            let run = try RealtimeRuntime(pipeline: pipeline, scenarios: [scenario], configuration: config).run()
            let agentCPU = agent.cpuSeconds() - agentCPU0, ownCPU = Self.ownCPUSeconds() - ownCPU0
            let wall = run.harness.wall.milliseconds / 1000

            let failed = run.turns.filter { $0.outcome == .failed }
            let p = { (h: HarnessStats, q: Double) in Double(h.pacerLateness.valueAtPercentile(q)) / 1e6 }
            let frames = Double(max(1, run.harness.framesSent))
            let at = "@\(n)"
            table.add("pacer_lateness_p99" + at, p(run.harness, 99), unit: .milliseconds, target: "< 2")
            table.add("source_hop_p99" + at, Double(run.harness.sourceHop.valueAtPercentile(99)) / 1e6, unit: .milliseconds,
                      target: "reference (a source frame's wait for its executor, after the pacer)")
            table.add("pacer_nice" + at, Double(run.harness.pacerNice ?? 0), unit: .count,
                      target: "reference (the pacer thread's nice value: -10 where the system allowed it)")
            table.add("pacer_lateness_max" + at, Double(run.harness.pacerLateness.max) / 1e6, unit: .milliseconds, target: "reference (worst single frame)")
            table.add("reference_pacer_lateness_p99" + at, p(reference.harness, 99), unit: .milliseconds, target: "reference (pass-through, no socket)")
            table.add("pacer_lateness_p99_ratio" + at, p(run.harness, 99) / max(0.001, p(reference.harness, 99)), unit: .ratio,
                      target: "reference (agent calls / pass-through)")
            table.add("frames_dropped" + at, Double(run.harness.framesDropped), unit: .count, target: "== 0")
            table.add("failed_turns" + at, Double(failed.count), unit: .count, target: "== 0")
            table.add("connections" + at, Double(run.connections.count), unit: .count, target: ">= \(n)")
            table.add("failed_connections" + at, Double(run.failedConnections), unit: .count, target: "== 0")
            table.add("connect_p50" + at, run.connections.percentile(50)?.milliseconds ?? .nan, unit: .milliseconds, target: "reference")
            table.add("connect_p99" + at, run.connections.percentile(99)?.milliseconds ?? .nan, unit: .milliseconds, target: "reference")
            table.add("harness_cpu" + at, ownCPU / wall * 100, unit: .percent, target: "reference (of one core, over the run's wall time)")
            table.add("harness_cpu_per_frame" + at, ownCPU / frames * 1e6, unit: .microseconds,
                      target: "reference (a frame out and its echo back: resampling, μ-law, JSON, socket, playout)")
            table.add("reference_cpu_per_frame" + at, referenceCPU / Double(max(1, reference.harness.framesSent)) * 1e6, unit: .microseconds,
                      target: "reference (the same frames through pass-through: pacer, hops, playout)")
            table.add("agent_cpu" + at, agentCPU / wall * 100, unit: .percent, target: "reference (the echo agent process, of one core)")
            table.add("agent_cpu_per_frame" + at, agentCPU / frames * 1e6, unit: .microseconds, target: "reference (the echo agent, per frame it echoed)")
            if let first = failed.first?.failure { FileHandle.standardError.write(Data("callers: \(n): first failure: \(first)\n".utf8)) }
        }

        /// A call of `seconds`: a voiced second (−15 dBFS harmonic voice) every three.
        static func call(seconds: Int) -> Scenario {
            let rate = 16_000
            var samples = [Float](repeating: 0, count: seconds * rate)
            var turns: [ScenarioTurn] = []
            for (n, at) in stride(from: 1, to: seconds - 1, by: 3).enumerated() {
                for i in (at * rate)..<((at + 1) * rate) {
                    let t = Float(i) / Float(rate)
                    samples[i] = 0.2 * (sin(2 * .pi * 150 * t) + 0.6 * sin(2 * .pi * 300 * t) + 0.4 * sin(2 * .pi * 450 * t))
                }
                turns.append(ScenarioTurn(id: n + 1, kind: .turn, audioFile: "synthetic", offset: .seconds(at),
                                          speechStart: .seconds(at), speechEnd: .seconds(at + 1), reply: "Echo."))
            }
            return Scenario(name: "call", audio: AudioChunk(samples: samples, sampleRate: rate), turns: turns)
        }

        static func ownCPUSeconds() -> Double {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
    }
}

/// This program's own echo agent, in a process of its own so its CPU is its own.
final class EchoAgentProcess {
    let process = Process()
    let url: String

    init() throws {
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = Bundle.main.executableURL
        }
        process.arguments = ["agent", "--wire", "twilio", "--behaviour", "echo"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw ValidationError("the echo agent exited before it was ready") }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let ready = text.split(separator: "\n").first, ready.hasPrefix("READY ") else {
            throw ValidationError("the echo agent said \(text.debugDescription), not READY")
        }
        url = String(ready.dropFirst(6))
    }

    /// User and system CPU time so far, from /proc.
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .nan }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime 14 and stime 15 (proc(5)), so indices 11 and 12 here.
        guard fields.count > 12, let u = Double(fields[11]), let s = Double(fields[12]) else { return .nan }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
