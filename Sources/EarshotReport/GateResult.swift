import Foundation

/// The outcome of one check on one design: one row of `gates.csv`, one JUnit test case, one
/// terminal line.
public struct GateResult: Sendable, Equatable, CustomStringConvertible {
    public enum Check: String, Sendable, CaseIterable {
        /// Against a fixed budget (`Gate`).
        case budget
        /// Against a baseline run's value plus a tolerance (`Regression`).
        case regression
    }

    public var check: Check
    public var design: String
    public var metric: Metric
    /// nil for a rate.
    public var percentile: Percentile?
    /// nil when the run has no values for the metric (which fails the check).
    public var observed: Double?
    /// The budget, or the baseline plus its tolerance; nil when the baseline lacks the metric.
    public var limit: Double?
    public var baseline: Double?
    public var tolerancePercent: Double?
    public var pass: Bool
    /// `observed − limit` for a budget, `observed − baseline` for a regression.
    public var delta: Double?
    /// What a reader should know beyond pass or fail: a comparison skipped for too few samples,
    /// an improvement that makes the baseline stale, a design on one side only.
    public var note: String?

    public init(check: Check, design: String, metric: Metric, percentile: Percentile?, observed: Double?,
                limit: Double?, baseline: Double?, tolerancePercent: Double?, pass: Bool, delta: Double?,
                note: String? = nil) {
        self.check = check
        self.design = design
        self.metric = metric
        self.percentile = percentile
        self.observed = observed
        self.limit = limit
        self.baseline = baseline
        self.tolerancePercent = tolerancePercent
        self.pass = pass
        self.delta = delta
        self.note = note
    }

    func format(_ v: Double) -> String { Field.value(v, unit: metric.unit) }

    func signed(_ v: Double) -> String { (v >= 0 ? "+" : "") + format(v) }

    /// The percentage change against the baseline, e.g. `+12.0%`.
    var change: String? {
        guard let baseline, let observed, baseline != 0 else { return nil }
        let pct = (observed - baseline) / abs(baseline) * 100
        return (pct >= 0 ? "+" : "") + String(format: "%.1f%%", pct)
    }

    /// Which gate this is, as every report names it: `budget` (a latency's fixed limit), `threshold`
    /// (a rate's), `regression` (against a baseline); with the percentile read, if any.
    public var kind: String { [kindWord, percentile?.rawValue].compactMap { $0 }.joined(separator: " ") }

    /// `budget`, `threshold` or `regression`.
    public var kindWord: String { check == .regression ? "regression" : (metric.isLatency ? "budget" : "threshold") }

    /// `+10%`, or `-10%` for a metric where larger is better: the way the limit moves from the baseline.
    var toleranceText: String {
        (metric.prefersSmaller ? "+" : "-") + String(format: "%g", tolerancePercent ?? 0) + "%"
    }

    /// The terminal line in aligned cells: design, metric, percentile, observed, reference, verdict.
    /// The reference names the kind of gate: `budget` (a latency's fixed limit), `threshold` (a
    /// rate's), or `regression` (against a baseline).
    var cells: [String] {
        let observedText = observed.map(format) ?? "-"
        let reference: String
        switch check {
        case .budget:
            let word = metric.isLatency ? "budget" : (metric.prefersSmaller ? "threshold max" : "threshold min")
            reference = "\(word) \(limit.map(format) ?? "-")"
        case .regression:
            if let baseline, let limit {
                reference = "regression: baseline \(format(baseline)) \(change ?? "")  limit \(format(limit)) (\(toleranceText))"
            } else if let baseline {
                reference = "regression: baseline \(format(baseline))"
            } else {
                reference = "regression: no baseline"
            }
        }
        let verdict: String
        if pass {
            verdict = "pass"
        } else if observed == nil {
            verdict = "FAIL (no values)"
        } else {
            verdict = "FAIL" + (delta.map { " (\(signed($0)))" } ?? "")
        }
        return [design, metric.name, percentile?.rawValue ?? "-", observedText, reference, verdict + (note.map { ": \($0)" } ?? "")]
    }

    /// `cascade  voice_to_voice_ms  p90  812.400  budget 300.000  FAIL (+512.400)`
    public var description: String { cells.joined(separator: "  ") }

    /// The JUnit test case name: `voice_to_voice_ms p90 <= 300.000` or `voice_to_voice_ms p50 regression <= +10%`.
    var caseName: String {
        let p = percentile.map { " \($0.rawValue)" } ?? ""
        switch check {
        case .budget:
            let op = metric.prefersSmaller ? "<=" : ">="
            return "\(metric.name)\(p) \(op) \(limit.map(format) ?? "-")"
        case .regression:
            return "\(metric.name)\(p) regression within \(toleranceText)"
        }
    }
}
