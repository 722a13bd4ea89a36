import EarshotCore
import Foundation

/// A budget on one metric: a percentile of a latency at most `limit` ms, or a rate at most (or,
/// for `response_rate`, at least) `limit`. Applies to every design, or to one.
public struct Gate: Sendable, Equatable {
    public var metric: Metric
    /// The percentile read; nil for a rate.
    public var percentile: Percentile?
    /// In the metric's unit.
    public var limit: Double
    public var design: String?

    /// The default voice-to-voice budget (DESIGN.md).
    public static let defaultBudget: Duration = .milliseconds(300)

    /// A latency gate: `Gate(.voiceToVoice, .p90, budget: .milliseconds(300))`.
    public init(_ metric: Metric = .voiceToVoice, _ percentile: Percentile, budget: Duration, design: String? = nil) {
        precondition(metric.isLatency, "\(metric) is a rate: use Gate(_:limit:design:)")
        self.metric = metric
        self.percentile = percentile
        self.limit = Summary.milliseconds(budget)
        self.design = design
    }

    /// A rate gate: `Gate(.responseRate, limit: 0.95)` (at least), `Gate(.missedRate, limit: 0.02)` (at most).
    public init(_ metric: Metric, limit: Double, design: String? = nil) {
        precondition(!metric.isLatency, "\(metric) is a latency: use Gate(_:_:budget:design:)")
        self.metric = metric
        self.percentile = nil
        self.limit = limit
        self.design = design
    }

    /// `voice_to_voice_ms:p95<=300.000`, `response_rate>=0.950000@duplex`: the form `init(parsing:)` reads.
    public var spec: String {
        let op = metric.prefersSmaller ? "<=" : ">="
        let value = Field.value(limit, unit: metric.unit)
        let head = percentile.map { "\(metric):\($0.rawValue)\(op)\(value)" } ?? "\(metric)\(op)\(value)"
        return head + (design.map { "@\($0)" } ?? "")
    }

    func passes(_ observed: Double) -> Bool { metric.prefersSmaller ? observed <= limit : observed >= limit }

    /// One result per design the gate applies to; a gate naming a design the run lacks fails.
    func evaluate(_ summary: Summary) -> [GateResult] {
        let designs = design.map { [$0] } ?? summary.designs
        return designs.map { d in
            let observed = summary[d, metric]?.value(at: percentile)
            return GateResult(
                check: .budget, design: d, metric: metric, percentile: percentile, observed: observed, limit: limit,
                baseline: nil, tolerancePercent: nil, pass: observed.map(passes) ?? false,
                delta: observed.map { $0 - limit })
        }
    }
}
