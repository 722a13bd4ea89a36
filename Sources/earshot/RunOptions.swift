import ArgumentParser
import EarshotCore
import EarshotReport
import Foundation

enum ClockMode: String, ExpressibleByArgument, CaseIterable {
    case virtual, realtime
}

/// The options `run` and `compare` share: what to play, on which clock, against which budget,
/// and where the reports go.
struct RunOptions: ParsableArguments {
    @OptionGroup var fixtures: FixturesOption

    @Option(name: .customLong("scenario"), help: "Scenario name (from the fixtures) or manifest file; repeat for several. Default: every fixture scenario.")
    var scenarios: [String] = []

    @Option(help: "Clock to run on: virtual (deterministic, fast; the default) or realtime (wall clock, real pacing).")
    var mode: ClockMode = .virtual

    @Option(help: "Sessions per scenario.")
    var sessions = 1

    @Option(help: ArgumentHelp(
        "Real time: callers per second joining the run, one session after another (at most 1000), instead of all at once. "
            + "The run then reports latency by concurrent callers (load.csv) and where p95 crosses the budget."))
    var ramp: Double?

    @Option(help: "Seed for every modelled delay, jitter and loss; same seed, same CSVs (virtual mode).")
    var seed: UInt64 = 1

    @Option(help: "Voice-to-voice budget, ms.")
    var budgetMs: Double = 300

    @Option(help: ArgumentHelp(
        "A threshold, repeatable: metric:percentile<=ms or rate>=value / rate<=value, optionally @design "
            + "(voice_to_voice:p95<=300, endpoint:p50<=200@cascade-local, response_rate>=0.95, failed_rate==0; quote it in a shell). "
            + "A bare p50|p90|p95|p99 is the percentile the budget reads (default p95). With no threshold a run is "
            + "gated by the budget and failed_rate==0; a threshold on a metric replaces that metric's default."))
    var gate: [String] = []

    @Option(name: .customLong("gates"), help: "YAML file holding a list of thresholds in --gate's form, checked before any --gate.")
    var gatesFile: String?

    @Option(help: "Put every transport leg on this network (none, lan, wifi, 4g, congested), over what the pipeline says.")
    var network: String?

    @Option(help: "Run only shard i of n (1-based, e.g. 2/4): a contiguous block of the sessions; `earshot merge` combines shards.")
    var shard: String?

    @Option(help: "Output folder (default: Reports/runs/<timestamp>/).")
    var out: String?

    @Option(help: "Name of the run in run.json and every CSV row (default: the start time and a random suffix, unique per run). Fix it to get the same CSV bytes from the same seed.")
    var runId: String?

    @OptionGroup var reports: ReportFiles

    @Flag(help: "Print only the verdict line.")
    var quiet = false

    func validate() throws {
        guard sessions > 0 else { throw ValidationError("--sessions must be at least 1, got \(sessions)") }
        _ = try Self.budget(milliseconds: budgetMs)
        if let ramp {
            guard ramp > 0, ramp <= 1000 else { throw ValidationError("--ramp must be > 0 and at most 1000 callers per second, got \(ramp)") }
            guard mode == .realtime else { throw ValidationError("--ramp is a load on a real agent or engine: it needs --mode realtime") }
        }
        _ = try shardSpec()
        if let runId, let problem = RunInfo.problem(withRunID: runId) { throw ValidationError("--run-id \(problem), got \(runId.debugDescription)") }
    }

    /// (index 0-based, count), from "i/n".
    func shardSpec() throws -> (Int, Int)? {
        guard let shard else { return nil }
        let parts = shard.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n > 0, (1...n).contains(i) else {
            throw ValidationError("--shard must be i/n with 1 <= i <= n, got \(shard)")
        }
        return (i - 1, n)
    }

    /// `--ramp` as the time between one session's start and the next's, in whole milliseconds (the pacer's slots).
    var arrivalInterval: Duration { ramp.map { .milliseconds(max(1, (1000 / $0).rounded())) } ?? .zero }

    var budget: Duration { (try? Self.budget(milliseconds: budgetMs)) ?? Gate.defaultBudget }

    /// The thresholds given, then the defaults (budget, no failed turns) on metrics they leave alone.
    func gates() throws -> [Gate] {
        let given = try GateSpecs(flags: gate, file: gatesFile)
        return Gate.combining(given.gates, defaults: Gate.defaults(budget: budget, percentile: given.percentile ?? .p95))
    }

    /// `--budget-ms` as a duration: positive and within `InputLimits`, or a usage error (exit 2).
    static func budget(milliseconds ms: Double) throws -> Duration {
        guard ms > 0, let d = Duration.milliseconds(checked: ms) else {
            throw ValidationError("--budget-ms must be > 0 and at most \(Int(InputLimits.longestMilliseconds)) (one day), got \(ms)")
        }
        return d
    }
}
