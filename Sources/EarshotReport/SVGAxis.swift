import Foundation

/// A linear axis over a data range, with round tick values (1, 2 or 5 × 10ⁿ apart), mapped onto
/// a pixel span.
struct SVGAxis {
    let lo: Double
    let hi: Double
    let ticks: [Double]
    let from: Double
    let to: Double

    init(covering values: [Double], from: Double, to: Double, tickCount: Int = 8) {
        var lo = values.min() ?? 0
        var hi = values.max() ?? 1
        if hi - lo < 1e-9 { lo -= 1; hi += 1 }
        let raw = (hi - lo) / Double(max(tickCount, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        lo = floor(lo / step) * step
        hi = ceil(hi / step) * step
        self.lo = lo
        self.hi = hi
        ticks = stride(from: lo, through: hi + step / 2, by: step).map { abs($0) < step / 1e6 ? 0 : $0 }
        self.from = from
        self.to = to
    }

    /// An axis over the bulk of `values`: the 1st to the 99th percentile (nearest rank), widened
    /// by a tenth of that span, and always taking in `always` (0, budget lines). One stray turn
    /// of a minute would otherwise squash every other turn into the first few pixels. Values
    /// beyond are drawn at the edge (`clamped`) and counted (`beyond`, `beyondNote`).
    init(bulkOf values: [Double], always: [Double], from: Double, to: Double, tickCount: Int = 8) {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else {
            self.init(covering: always, from: from, to: to, tickCount: tickCount)
            return
        }
        let rank = { (p: Double) in sorted[max(Int((p / 100 * Double(sorted.count)).rounded(.up)), 1) - 1] }
        let (p1, p99) = (rank(1), rank(99))
        let margin = (p99 - p1) / 10
        // The extremes stay when the margin takes them in: a small run loses nothing.
        let lo = sorted.first! >= p1 - margin ? sorted.first! : p1 - margin
        let hi = sorted.last! <= p99 + margin ? sorted.last! : p99 + margin
        self.init(covering: [lo, hi] + always, from: from, to: to, tickCount: tickCount)
    }

    func callAsFunction(_ v: Double) -> Double { from + (v - lo) / (hi - lo) * (to - from) }

    /// The pixel for `v`, at the nearer edge when it lies beyond the axis.
    func clamped(_ v: Double) -> Double { self(min(max(v, lo), hi)) }

    /// How many of `values` lie beyond the axis.
    func beyond(_ values: [Double]) -> Int { values.filter { $0 < lo || $0 > hi }.count }

    /// "3 turns beyond the axis (up to 61000 ms), drawn at its edge", or nil when none are.
    func beyondNote(_ values: [Double], unit: String = "ms") -> String? {
        let out = values.filter { $0 < lo || $0 > hi }
        guard !out.isEmpty else { return nil }
        var range: [String] = []
        if let low = out.min(), low < lo { range.append("down to \(Self.label(low)) \(unit)") }
        if let high = out.max(), high > hi { range.append("up to \(Self.label(high)) \(unit)") }
        return "\(out.count) turn\(out.count == 1 ? "" : "s") beyond the axis (\(range.joined(separator: ", "))), drawn at its edge"
    }

    /// A tick label without trailing zeros: `250`, `0.5`, `-100`.
    static func label(_ v: Double) -> String {
        let s = String(format: "%.3f", v)
        var t = s.contains(".") ? String(s.reversed().drop { $0 == "0" }.reversed()) : s
        if t.hasSuffix(".") { t.removeLast() }
        return t == "-0" ? "0" : t
    }
}
