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

    func callAsFunction(_ v: Double) -> Double { from + (v - lo) / (hi - lo) * (to - from) }

    /// A tick label without trailing zeros: `250`, `0.5`, `-100`.
    static func label(_ v: Double) -> String {
        let s = String(format: "%.3f", v)
        var t = s.contains(".") ? String(s.reversed().drop { $0 == "0" }.reversed()) : s
        if t.hasSuffix(".") { t.removeLast() }
        return t == "-0" ? "0" : t
    }
}
