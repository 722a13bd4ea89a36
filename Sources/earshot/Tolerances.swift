import ArgumentParser
import EarshotReport

/// `--tolerance`, read: `10%` (or `10`) for every metric, `endpoint=20` for one, the last word winning.
struct Tolerances {
    var all = 10.0
    var perMetric: [Metric: Double] = [:]

    init(_ given: [String]) throws {
        for text in given {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard let value = Self.percent(parts.last ?? "") else {
                throw ValidationError("--tolerance must be a percentage from 0% to 1000%, like 10% or endpoint=20, got \(text)")
            }
            guard parts.count == 2 else { all = value; continue }
            guard let metric = Metric(shortName: parts[0]) else {
                throw ValidationError("--tolerance \(text): unknown metric \"\(parts[0])\" (known: \(Metric.all.map(\.name).joined(separator: ", ")))")
            }
            perMetric[metric] = value
        }
    }

    /// Beyond 1000 % a tolerance no longer gates anything, and past that the limit's arithmetic could overflow.
    static func percent(_ text: String) -> Double? {
        Double(text.hasSuffix("%") ? String(text.dropLast()) : text).flatMap { (0...1000).contains($0) ? $0 : nil }
    }
}
