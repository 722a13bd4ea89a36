import EarshotCore

/// What `summary.csv` is computed from, gathered one turn row at a time: per design, a
/// `LatencyHistogram` per latency metric and the counts behind each rate. Its memory does not
/// grow with the number of turns (past 65,536 values a histogram stops keeping them), so a run
/// of any length can be summarised as its rows go to disk, and gives the same bytes as
/// summarising the rows held in memory.
public struct SummaryTally: Sendable {
    struct Design: Sendable {
        var histograms: [Metric: LatencyHistogram] = [:]
        var expecting = 0, responded = 0, talkedOver = 0, missed = 0
        var turns = 0, failed = 0
        var backchannels = 0, ignored = 0
        var words = WordErrors(edits: 0, words: 0)
        var transcribedAnswers = 0, answeredUnheard = 0
        var outcomes: [TurnOutcome: Int] = [:]
    }

    private var designs: [String: Design] = [:]

    public init() {}

    public var turnCount: Int { designs.values.reduce(0) { $0 + $1.turns } }

    /// Turns per design and outcome.
    public var outcomes: [String: [TurnOutcome: Int]] { designs.mapValues(\.outcomes) }

    public mutating func add(_ t: TurnRow) {
        var d = designs[t.design] ?? Design()
        if t.countsLatency, let v2v = t.voiceToVoice {
            d.histograms[.voiceToVoice, default: LatencyHistogram()].record(v2v)
            for (name, duration) in t.breakdown { d.histograms[.segment(name), default: LatencyHistogram()].record(duration) }
        }
        if let stop = t.stopLatency { d.histograms[.stopLatency, default: LatencyHistogram()].record(stop) }
        d.turns += 1
        d.outcomes[t.outcome, default: 0] += 1
        if let w = t.wordErrors { d.words = d.words + w }
        if let unheard = t.answeredUnheard {
            d.transcribedAnswers += 1
            if unheard { d.answeredUnheard += 1 }
        }
        if t.outcome == .failed { d.failed += 1 }
        if t.kind == .backchannel {
            d.backchannels += 1
            if t.outcome == .ignored { d.ignored += 1 }
        } else {
            d.expecting += 1
            if t.countsLatency { d.responded += 1 }
            if t.outcome == .talkedOver { d.talkedOver += 1 }
            if t.outcome == .missed { d.missed += 1 }
        }
        designs[t.design] = d
    }

    /// `including` names, per design, metrics that get a row (n = 0) even without values.
    func summary(runID: String, including: (String) -> Set<Metric>) -> Summary {
        Summary(rows: designs.keys.sorted().flatMap { design in
            Self.rows(design: design, designs[design]!, runID: runID, including: including(design).union([.voiceToVoice]))
        })
    }

    private static func rows(design: String, _ d: Design, runID: String, including: Set<Metric>) -> [SummaryRow] {
        var rows: [SummaryRow] = []
        for metric in Metric.latencies {
            let h = d.histograms[metric] ?? LatencyHistogram()
            guard h.count > 0 || including.contains(metric) else { continue }
            let ms = { (p: Double) in h.percentile(p).map(Summary.milliseconds) }
            rows.append(SummaryRow(
                runID: runID, design: design, metric: metric, n: h.count, mean: h.mean.map(Summary.milliseconds),
                p25: ms(25), p50: ms(50), p75: ms(75), p90: ms(90), p95: ms(95), p99: ms(99),
                max: h.max.map(Summary.milliseconds)))
        }
        let rates: [(Metric, Int, Int)] = [
            (.responseRate, d.expecting, d.responded),
            (.talkedOverRate, d.expecting, d.talkedOver),
            (.missedRate, d.expecting, d.missed),
            (.failedRate, d.turns, d.failed),
            (.backchannelIgnoredRate, d.backchannels, d.ignored),
            (.wordErrorRate, d.words.words, d.words.edits),
            (.answeredUnheardRate, d.transcribedAnswers, d.answeredUnheard),
        ]
        for (metric, population, hits) in rates where population > 0 || including.contains(metric) {
            rows.append(SummaryRow(runID: runID, design: design, metric: metric, n: population,
                                   mean: population == 0 ? nil : Double(hits) / Double(population)))
        }
        return rows
    }
}
