import EarshotCore
import Foundation

/// A check against a baseline `summary.csv`: every metric of every design, each percentile of a
/// latency and each rate, may move the wrong way by at most its tolerance, a percentage of the
/// baseline's value. Moving the right way by more than that is reported as an improvement (the
/// baseline is stale), and too few samples on either side skip the comparison with a note.
public struct Regression: Sendable, Equatable {
    public var baseline: Summary
    /// For every metric without an override.
    public var tolerancePercent: Double
    /// Per metric, over `tolerancePercent`.
    public var tolerances: [Metric: Double]
    /// Fewer values than this, in the run or the baseline, and the comparison is skipped.
    public var minSamples: Int
    public var metrics: [Metric]
    public var percentiles: [Percentile]
    /// The command that writes a fresh baseline, quoted in an improvement's note.
    public var refresh: String
    /// A latency may always move this far, whatever its percentage: a stage timed by the wall clock
    /// jitters by fractions of a millisecond, and 0.13 against 0.09 ms is no regression.
    public var floorMilliseconds: Double = 1

    /// Below this many values a p95 is one or two turns: noise, not a regression.
    public static let defaultMinSamples = 10
    public static let defaultRefresh = "earshot baseline RUN_DIR --out BASELINE"

    public init(baseline: Summary, tolerancePercent: Double, tolerances: [Metric: Double] = [:],
                minSamples: Int = defaultMinSamples, metrics: [Metric] = Metric.all,
                percentiles: [Percentile] = [.p50, .p95], refresh: String = defaultRefresh) {
        self.baseline = baseline
        self.tolerancePercent = tolerancePercent
        self.tolerances = tolerances
        self.minSamples = minSamples
        self.metrics = metrics
        self.percentiles = percentiles
        self.refresh = refresh
    }

    /// Reads the baseline from a `summary.csv` (an earlier run's, or a committed one).
    public init(baselineFile: URL, tolerancePercent: Double, tolerances: [Metric: Double] = [:],
                minSamples: Int = defaultMinSamples, metrics: [Metric] = Metric.all,
                percentiles: [Percentile] = [.p50, .p95], refresh: String = defaultRefresh) throws {
        for t in [tolerancePercent] + Array(tolerances.values) {
            guard t >= 0, t.isFinite else { throw InputError("regression tolerance must be a non-negative percentage, got \(t)") }
        }
        self.init(baseline: try ReportReader.readSummary(baselineFile), tolerancePercent: tolerancePercent,
                  tolerances: tolerances, minSamples: minSamples, metrics: metrics, percentiles: percentiles, refresh: refresh)
    }

    public func tolerance(for metric: Metric) -> Double { tolerances[metric] ?? tolerancePercent }

    /// Refuses a baseline that cannot judge `summary`: one without rows, or with a row that has
    /// values but none at a compared percentile. A gate that cannot compare must not pass. Designs
    /// on one side only are no input error: `evaluate` reports them. `file` names the baseline.
    public func checkCovers(_ summary: Summary, file: String) throws {
        guard !baseline.rows.isEmpty else { throw InputError(file: file, "the baseline holds no rows: write one with `\(refresh)`") }
        for design in summary.designs where baseline.designs.contains(design) {
            for metric in metrics where summary[design, metric] != nil {
                guard let row = baseline[design, metric], row.n > 0 else { continue }
                for p in readings(metric) where row.value(at: p) == nil {
                    throw InputError(file: file, "design \(design) \(metric.name) has no \(p?.rawValue ?? "mean"): the baseline cannot judge it")
                }
            }
        }
    }

    /// The values compared: each percentile of a latency, the rate itself (nil) of a rate.
    func readings(_ metric: Metric) -> [Percentile?] { metric.isLatency ? percentiles.map(Optional.some) : [nil] }

    /// Metrics of `design` the baseline has values for: the run's summary keeps a row for each,
    /// so a metric gone from the run shows as a failing row.
    func compared(design: String) -> Set<Metric> {
        Set(metrics.filter { (baseline[design, $0]?.n ?? 0) > 0 })
    }
}
