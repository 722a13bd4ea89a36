import EarshotCore

/// The versioned column schema of an output folder. Reports/COLUMNS.md documents every column.
///
/// A column is never renamed or dropped silently: any change to these lists bumps `version`, and
/// readers refuse a folder whose `run.json` names another version or whose CSV has a column they
/// do not know.
public enum ReportSchema {
    public static let version = 3

    /// Versions a reader takes. Version 1 is not among them: it counted talked-over turns as
    /// answers and lacked columns, so its figures mean something else; run it again.
    public static let readable: ClosedRange<Int> = 2...version

    /// The versions this earshot reads, for a refusal.
    static var readableText: String {
        readable.count == 1 ? "version \(version)" : "versions \(readable.lowerBound) to \(readable.upperBound)"
    }

    /// First in every table, so a row cut out of its file, or appended to others for trending,
    /// still says how to read it.
    public static let versionColumn = "schema_version"

    public static let turnsFile = "turns.csv"
    public static let stagesFile = "stages.csv"
    public static let summaryFile = "summary.csv"
    public static let gatesFile = "gates.csv"
    public static let runFile = "run.json"

    /// Breakdown segments, one column each: the known marks in cascade order, then playout.
    public static let segments: [String] = Mark.known.map(\.name) + ["playout"]

    public static let turnColumns: [String] =
        [versionColumn, "run_id", "design", "scenario", "session", "turn", "kind", "outcome",
         "user_start_ms", "user_end_ms", "agent_start_ms", "voice_to_voice_ms"]
        + segments.map { "\($0)_ms" }
        + ["stop_latency_ms", "budget_ms", "within_budget", "failure",
           "heard", "words", "word_errors", "word_error_rate", "answered_unheard"]

    /// The turn columns a folder of `version` has: version 2 had no `agent_first_audio_ms`, which
    /// reads back as an absent mark.
    public static func turnColumns(version: Int) -> [String] {
        version >= 3 ? turnColumns : turnColumns.filter { $0 != "agent_first_audio_ms" }
    }

    public static let stageColumns: [String] =
        [versionColumn, "run_id", "design", "scenario", "session", "turn", "stage",
         "first_input_ms", "first_output_ms", "latency_ms", "busy_ms", "frames_in", "frames_out"]

    public static let summaryColumns: [String] =
        [versionColumn, "run_id", "design", "metric", "unit", "n", "mean", "p25", "p50", "p75", "p90", "p95", "p99", "max",
         "budget", "gate_percentile", "pass"]

    public static let gateColumns: [String] =
        [versionColumn, "run_id", "design", "metric", "check", "percentile", "observed", "limit", "baseline", "tolerance_pct",
         "delta", "pass"]

    /// Free-text columns, quoted in every row (`CSVText`), so they never read as numbers.
    static let textColumns: Set<String> = ["failure", "heard"]

    /// The positions of `textColumns` among `columns`.
    static func quoted(_ columns: [String]) -> Set<Int> {
        Set(columns.indices.filter { textColumns.contains(columns[$0]) })
    }
}
