import EarshotCore
import Foundation

/// How values are spelled in report cells. Milliseconds go through integer microseconds, never
/// through floating-point formatting, so a value prints the same on every machine and reads back
/// to the same microsecond.
enum Field {
    /// Nearest microsecond, halves away from zero (the same rule as `LatencyHistogram`).
    static func micros(nanoseconds ns: Int64) -> Int64 {
        ns >= 0 ? (ns + 500) / 1000 : -((-ns + 500) / 1000)
    }

    static func micros(_ d: Duration) -> Int64 { micros(nanoseconds: d.nanoseconds) }

    /// A point rounded to the report's precision.
    static func rounded(_ t: RunTime) -> RunTime { RunTime(nanoseconds: micros(nanoseconds: t.nanoseconds) * 1000) }

    static func rounded(_ d: Duration) -> Duration { .microseconds(micros(d)) }

    /// `-12.345`: exactly three decimals.
    static func milliseconds(micros us: Int64) -> String {
        let magnitude = us.magnitude
        let fraction = String(magnitude % 1000)
        let padded = String(repeating: "0", count: 3 - fraction.count) + fraction
        return (us < 0 ? "-" : "") + String(magnitude / 1000) + "." + padded
    }

    static func milliseconds(_ d: Duration) -> String { milliseconds(micros: micros(d)) }
    static func milliseconds(_ t: RunTime) -> String { milliseconds(micros: micros(nanoseconds: t.nanoseconds)) }
    static func milliseconds(_ ms: Double) -> String { milliseconds(micros: Int64((ms * 1000).rounded())) }

    /// A value in a metric's unit: milliseconds with 3 decimals, ratios with 6.
    static func value(_ v: Double, unit: Metric.Unit) -> String {
        switch unit {
        case .milliseconds: milliseconds(v)
        case .ratio: String(format: "%.6f", v)
        }
    }

    /// Parses `12`, `12.3`, `-0.001`, `12.3456` (rounded to the microsecond) into microseconds.
    static func micros(parsing text: Substring) -> Int64? {
        var s = text
        let negative = s.first == "-"
        if negative { s = s.dropFirst() }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count < 13, whole.allSatisfy({ $0.isASCII && $0.isNumber }),
              let w = Int64(whole)
        else { return nil }
        var us = w * 1000
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            let head = digits.prefix(3)
            us += Int64(head + String(repeating: "0", count: 3 - head.count))!
            if let next = digits.dropFirst(3).first, next >= "5" { us += 1 }
        }
        return negative ? -us : us
    }

    static func milliseconds(parsing text: Substring) -> Duration? { micros(parsing: text).map { .microseconds($0) } }

    static func double(parsing text: Substring) -> Double? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || "-.eE+".contains($0)) }) else { return nil }
        return Double(text).flatMap { $0.isFinite ? $0 : nil }
    }

    static func bool(_ b: Bool) -> String { b ? "true" : "false" }

    static func optional<T>(_ value: T?, _ format: (T) -> String) -> String { value.map(format) ?? "" }
}
