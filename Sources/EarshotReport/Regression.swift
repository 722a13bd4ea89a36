import EarshotCore
import Foundation

/// A check against a baseline `summary.csv`: each latency percentile may grow by at most
/// `tolerancePercent` of the baseline's value.
public struct Regression: Sendable, Equatable {
    public var baseline: Summary
    public var tolerancePercent: Double
    public var metrics: [Metric]
    public var percentiles: [Percentile]

    public init(baseline: Summary, tolerancePercent: Double, metrics: [Metric] = [.voiceToVoice],
                percentiles: [Percentile] = [.p50, .p95]) {
        precondition(metrics.allSatisfy(\.isLatency), "regressions compare latency percentiles")
        self.baseline = baseline
        self.tolerancePercent = tolerancePercent
        self.metrics = metrics
        self.percentiles = percentiles
    }

    /// Reads the baseline from a `summary.csv` (an earlier run's, or a committed one).
    public init(baselineFile: URL, tolerancePercent: Double, metrics: [Metric] = [.voiceToVoice],
                percentiles: [Percentile] = [.p50, .p95]) throws {
        guard tolerancePercent >= 0, tolerancePercent.isFinite else {
            throw InputError("regression tolerance must be a non-negative percentage, got \(tolerancePercent)")
        }
        self.init(baseline: try ReportReader.readSummary(baselineFile), tolerancePercent: tolerancePercent,
                  metrics: metrics, percentiles: percentiles)
    }

    /// Refuses a baseline that cannot judge `summary`: one without a row, or without a value at a
    /// compared percentile, for a design and metric the run measured. A gate that cannot compare
    /// must not pass. `file` names the baseline in the message.
    public func checkCovers(_ summary: Summary, file: String) throws {
        guard !baseline.rows.isEmpty else { throw InputError(file: file, "the baseline holds no rows: write one from a run's summary.csv") }
        for design in summary.designs {
            for metric in metrics where summary[design, metric] != nil {
                guard let row = baseline[design, metric] else {
                    let known = baseline.designs.joined(separator: ", ")
                    throw InputError(file: file, "no \(metric.name) row for design \(design) (the baseline has: \(known)); refresh the baseline or run the designs it has")
                }
                for p in percentiles where row.value(at: p) == nil {
                    throw InputError(file: file, "design \(design) \(metric.name) has no \(p.rawValue): the baseline cannot judge it")
                }
            }
        }
    }

    /// A design or metric the baseline lacks passes with no limit (a new design is not a regression);
    /// one the run lacks, or has no values for, fails.
    func evaluate(_ summary: Summary) -> [GateResult] {
        var results: [GateResult] = []
        for design in summary.designs {
            for metric in metrics {
                for p in percentiles {
                    let observed = summary[design, metric]?.value(at: p)
                    let base = baseline[design, metric]?.value(at: p)
                    // On the report's microsecond grid, so 200.200 against a limit of 182 + 10% passes.
                    let limit = base.map { (($0 + abs($0) * tolerancePercent / 100) * 1000).rounded() / 1000 }
                    let pass: Bool
                    switch (observed, limit) {
                    case (_, nil): pass = true
                    case (nil, _): pass = false
                    case let (o?, l?): pass = o <= l
                    }
                    results.append(GateResult(
                        check: .regression, design: design, metric: metric, percentile: p, observed: observed,
                        limit: limit, baseline: base, tolerancePercent: tolerancePercent, pass: pass,
                        delta: observed.flatMap { o in base.map { o - $0 } }))
                }
            }
        }
        return results
    }
}
