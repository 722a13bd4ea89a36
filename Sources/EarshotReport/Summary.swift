import EarshotCore

/// `summary.csv`: one row per design and metric, computed from turn rows.
///
/// Always computed from the rows, never carried over, so a run, the same run read back from its
/// folder, and the merge of its shards all summarise to the same bytes. Latencies go through
/// `LatencyHistogram` (exact nearest-rank up to 65,536 values per design and metric).
public struct Summary: Sendable, Equatable {
    public var rows: [SummaryRow]

    public init(rows: [SummaryRow]) { self.rows = rows }

    /// Rows for voice-to-voice and for every other metric with values.
    public init(turns: [TurnRow], runID: String) {
        self.init(turns: turns, runID: runID) { _ in [] }
    }

    /// `including` names, per design, metrics that get a row (n = 0) even without values.
    init(turns: [TurnRow], runID: String, including: (String) -> Set<Metric>) {
        var tally = SummaryTally()
        for t in turns { tally.add(t) }
        self = tally.summary(runID: runID, including: including)
    }

    public subscript(design: String, metric: Metric) -> SummaryRow? {
        rows.first { $0.design == design && $0.metric == metric }
    }

    /// Designs in row order.
    public var designs: [String] {
        var seen = Set<String>()
        return rows.map(\.design).filter { seen.insert($0).inserted }
    }

    /// Milliseconds at the report's precision, exactly as the CSV will spell them.
    static func milliseconds(_ d: Duration) -> Double { Double(Field.micros(d)) / 1000 }
}
