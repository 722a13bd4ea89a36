/// One row of `summary.csv`: one metric of one design. Values are in the metric's unit
/// (milliseconds, or a ratio for rates, which fill only `mean`).
public struct SummaryRow: Sendable, Equatable {
    public var runID: String
    public var design: String
    public var metric: Metric
    /// Values behind the statistics: latencies counted, or the rate's denominator in turns.
    public var n: Int
    public var mean: Double?
    public var p25: Double?
    public var p50: Double?
    public var p75: Double?
    public var p90: Double?
    public var p95: Double?
    public var p99: Double?
    public var max: Double?
    /// The first budget gate on this design and metric, and whether all its checks passed.
    public var budget: Double?
    public var gatePercentile: Percentile?
    public var pass: Bool?

    public init(runID: String, design: String, metric: Metric, n: Int, mean: Double? = nil,
                p25: Double? = nil, p50: Double? = nil, p75: Double? = nil, p90: Double? = nil,
                p95: Double? = nil, p99: Double? = nil, max: Double? = nil,
                budget: Double? = nil, gatePercentile: Percentile? = nil, pass: Bool? = nil) {
        self.runID = runID
        self.design = design
        self.metric = metric
        self.n = n
        self.mean = mean
        self.p25 = p25
        self.p50 = p50
        self.p75 = p75
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
        self.max = max
        self.budget = budget
        self.gatePercentile = gatePercentile
        self.pass = pass
    }

    /// The value a gate reads: a percentile of a latency, or the rate itself (`nil` percentile).
    public func value(at percentile: Percentile?) -> Double? {
        switch percentile {
        case .p50: p50
        case .p90: p90
        case .p95: p95
        case .p99: p99
        case nil: mean
        }
    }
}
