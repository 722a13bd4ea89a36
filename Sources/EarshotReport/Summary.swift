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
        var byDesign: [String: [TurnRow]] = [:]
        for t in turns { byDesign[t.design, default: []].append(t) }
        rows = byDesign.keys.sorted().flatMap {
            Self.rows(design: $0, turns: byDesign[$0]!, runID: runID, including: including($0).union([.voiceToVoice]))
        }
    }

    public subscript(design: String, metric: Metric) -> SummaryRow? {
        rows.first { $0.design == design && $0.metric == metric }
    }

    /// Designs in row order.
    public var designs: [String] {
        var seen = Set<String>()
        return rows.map(\.design).filter { seen.insert($0).inserted }
    }

    private static func rows(design: String, turns: [TurnRow], runID: String, including: Set<Metric>) -> [SummaryRow] {
        var histograms: [Metric: LatencyHistogram] = [:]
        for t in turns {
            if t.countsLatency, let v2v = t.voiceToVoice {
                histograms[.voiceToVoice, default: LatencyHistogram()].record(v2v)
                // A talked-over turn's marks straddle user_end, so its segments are no latencies to pool.
                if t.outcome != .talkedOver {
                    for (name, d) in t.breakdown { histograms[.segment(name), default: LatencyHistogram()].record(d) }
                }
            }
            if let stop = t.stopLatency { histograms[.stopLatency, default: LatencyHistogram()].record(stop) }
        }
        var rows: [SummaryRow] = []
        for metric in Metric.latencies {
            let h = histograms[metric] ?? LatencyHistogram()
            guard h.count > 0 || including.contains(metric) else { continue }
            let ms = { (p: Double) in h.percentile(p).map(milliseconds) }
            rows.append(SummaryRow(
                runID: runID, design: design, metric: metric, n: h.count, mean: h.mean.map(milliseconds),
                p25: ms(25), p50: ms(50), p75: ms(75), p90: ms(90), p95: ms(95), p99: ms(99),
                max: h.max.map(milliseconds)))
        }
        let expecting = turns.filter { $0.kind != .backchannel }
        let backchannels = turns.filter { $0.kind == .backchannel }
        let rates: [(Metric, [TurnRow], (TurnRow) -> Bool)] = [
            (.responseRate, expecting, \.countsLatency),
            (.talkedOverRate, expecting, { $0.outcome == .talkedOver }),
            (.missedRate, expecting, { $0.outcome == .missed }),
            (.failedRate, turns, { $0.outcome == .failed }),
            (.backchannelIgnoredRate, backchannels, { $0.outcome == .ignored }),
        ]
        for (metric, population, hit) in rates where !population.isEmpty || including.contains(metric) {
            rows.append(SummaryRow(runID: runID, design: design, metric: metric, n: population.count,
                                   mean: population.isEmpty ? nil : Double(population.filter(hit).count) / Double(population.count)))
        }
        return rows
    }

    /// Milliseconds at the report's precision, exactly as the CSV will spell them.
    static func milliseconds(_ d: Duration) -> Double { Double(Field.micros(d)) / 1000 }
}
