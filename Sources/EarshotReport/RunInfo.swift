import EarshotCore
import Foundation

/// `run.json`: what it takes to reproduce a run — configuration, seed, gates — and what only
/// describes it: start time, versions, machine, the harness's own costs. Everything that differs
/// between two runs of the same seed lives here and only here, but for the run id each CSV row
/// carries: given the same id, their CSVs are byte-identical.
public struct RunInfo: Sendable, Equatable {
    public var schemaVersion = ReportSchema.version
    /// Names the run in every CSV row, so rows gathered from many runs say which they came
    /// from: unique per run (`newRunID`) unless the caller fixes it (`--run-id`) to get the same
    /// CSV bytes from the same seed.
    public var runID: String
    public var startedAt: Date?
    /// nil when merged from shards with different seeds.
    public var seed: UInt64?
    public var configuration: Configuration?
    /// The voice-to-voice budget each turn row is held to (`budget_ms`, `within_budget`).
    public var budget: Duration?
    public var gates: [Gate]
    public var designs: [String] = []
    public var scenarios: [String] = []
    /// Free-form settings the caller wants kept (pipeline files, clock, shard, command line).
    public var parameters: [String: String]
    /// Component versions, e.g. `earshot`, `swift`.
    public var versions: [String: String]
    public var machine: Machine?
    /// The harness's own costs per design.
    public var harness: [String: Harness] = [:]
    /// Per design, the connection set-ups its stages made outside the turns; absent when none did.
    public var connect: [String: Connect] = [:]
    /// The shards a merged run came from, in merge order; empty for a run made in one go.
    public var shards: [Shard] = []
    /// Stopped early (SIGINT, SIGTERM): the tables hold only what had finished. Written only when true.
    public var interrupted = false
    /// How many rows turns.csv and stages.csv hold, so a table cut at a row boundary is found.
    public var rows: Rows?
    /// Each design's pipeline, as a digest of its file and overrides: a merge refuses one design
    /// name run from two different pipelines.
    public var pipelines: [String: String] = [:]

    public struct Rows: Sendable, Equatable, Codable {
        public var turns: Int
        public var stages: Int

        public init(turns: Int, stages: Int) {
            self.turns = turns
            self.stages = stages
        }
    }

    public init(runID: String, configuration: RunConfiguration? = nil, budget: Duration? = Gate.defaultBudget,
                gates: [Gate] = [], parameters: [String: String] = [:], versions: [String: String] = [:],
                startedAt: Date? = Date(), machine: Machine? = .current) {
        self.runID = runID
        self.startedAt = startedAt
        self.seed = configuration?.seed
        self.configuration = configuration.map(Configuration.init)
        self.budget = budget
        self.gates = gates
        self.parameters = parameters
        self.versions = ["swift": Self.compilerVersion].merging(versions) { $1 }
        self.machine = machine
    }

    /// The compiler that built this binary, to the minor version.
    public static var compilerVersion: String {
        #if compiler(>=7.0)
        ">=7.0"
        #elseif compiler(>=6.4)
        "6.4"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #elseif compiler(>=6.1)
        "6.1"
        #else
        "6.0"
        #endif
    }
}
