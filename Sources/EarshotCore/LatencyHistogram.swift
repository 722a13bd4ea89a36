import Histogram

/// A mergeable latency distribution in microseconds that keeps negative values.
///
/// Percentiles are nearest-rank: the value at rank ⌈p·n/100⌉. Up to `exactLimit` values they are
/// exact (the values themselves are kept, so a known-answer run reads 500.000 ms, not 500.223);
/// past that the histogram answers, as HdrHistogram does, within 3 significant digits (±0.1%),
/// clamped to the recorded min and max. HdrHistogram records only non-negative integers and
/// voice-to-voice is negative when the agent talks over the user, so negatives go to a second
/// histogram by magnitude. Min, max and mean are always exact. Merging is exact either way: the
/// merged distribution answers as one built from all the values would.
public struct LatencyHistogram: Sendable, Codable, Equatable {
    private var positive = LatencyHistogram.empty()
    private var negative = LatencyHistogram.empty()
    public private(set) var count = 0
    private var sumMicros: Int64 = 0
    private var minMicros = Int64.max
    private var maxMicros = Int64.min
    /// The values themselves while there are at most `exactLimit` of them.
    private var exact: [Int64]? = []

    public static let exactLimit = 65_536

    public init() {}

    static func empty() -> Histogram<UInt64> {
        // One hour in µs is far beyond any turn; 3 digits keep a histogram near 100 KB.
        Histogram(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    public static func == (a: LatencyHistogram, b: LatencyHistogram) -> Bool {
        a.count == b.count && a.sumMicros == b.sumMicros && a.minMicros == b.minMicros && a.maxMicros == b.maxMicros
            && a.exact?.sorted() == b.exact?.sorted()
            && sameBuckets(a.positive, b.positive) && sameBuckets(a.negative, b.negative)
    }

    private static func sameBuckets(_ a: Histogram<UInt64>, _ b: Histogram<UInt64>) -> Bool {
        a.recordedValues().map { [$0.value, $0.count] } == b.recordedValues().map { [$0.value, $0.count] }
    }

    public mutating func record(_ d: Duration) {
        let us = Self.micros(d)
        if us >= 0 { _ = positive.record(UInt64(Swift.min(us, 3_600_000_000))) } else { _ = negative.record(UInt64(Swift.min(-us, 3_600_000_000))) }
        count += 1
        if exact != nil { exact!.append(us) }
        if count > Self.exactLimit { exact = nil }
        sumMicros += us
        minMicros = Swift.min(minMicros, us)
        maxMicros = Swift.max(maxMicros, us)
    }

    public mutating func merge(_ other: LatencyHistogram) {
        positive.add(other.positive)
        negative.add(other.negative)
        count += other.count
        if let theirs = other.exact, exact != nil, count <= Self.exactLimit { exact! += theirs } else { exact = nil }
        sumMicros += other.sumMicros
        minMicros = Swift.min(minMicros, other.minMicros)
        maxMicros = Swift.max(maxMicros, other.maxMicros)
    }

    public var min: Duration? { count == 0 ? nil : .microseconds(minMicros) }
    public var max: Duration? { count == 0 ? nil : .microseconds(maxMicros) }
    public var mean: Duration? { count == 0 ? nil : .nanoseconds(sumMicros * 1000 / Int64(count)) }

    /// Nearest-rank percentile, `p` in 0...100: the value at rank ⌈p·n/100⌉ (at least 1).
    public func percentile(_ p: Double) -> Duration? {
        guard count > 0 else { return nil }
        let rank = Swift.max(1, Int((p / 100 * Double(count)).rounded(.up)))
        if let exact { return .microseconds(exact.sorted()[rank - 1]) }
        let negatives = Int(negative.totalCount)
        let us: Int64
        if rank <= negatives {
            let magnitude = Self.value(atRank: negatives - rank + 1, in: negative)
            us = -Int64(negative.lowestEquivalentForValue(magnitude))
        } else {
            let v = Self.value(atRank: rank - negatives, in: positive)
            us = Int64(positive.highestEquivalentForValue(v))
        }
        return .microseconds(Swift.min(Swift.max(us, minMicros), maxMicros))
    }

    private static func value(atRank rank: Int, in h: Histogram<UInt64>) -> UInt64 {
        var seen: UInt64 = 0
        for v in h.recordedValues() {
            seen += v.count
            if seen >= UInt64(rank) { return v.value }
        }
        return h.maxRecorded
    }

    /// Microseconds, rounded to nearest: the report's precision.
    static func micros(_ d: Duration) -> Int64 { RunTime.roundedMicroseconds(d.nanoseconds) }
}
