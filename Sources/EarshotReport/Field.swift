import EarshotCore
import Foundation

/// How values are spelled in report cells. Milliseconds go through integer microseconds, never
/// through floating-point formatting, so a value prints the same on every machine and reads back
/// to the same microsecond.
enum Field {
    /// Nearest microsecond, halves away from zero (`RunTime.roundedMicroseconds`, as the histograms round).
    static func micros(nanoseconds ns: Int64) -> Int64 { RunTime.roundedMicroseconds(ns) }

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
    static func milliseconds(_ ms: Double) -> String {
        // Figures come from bounded input; a figure beyond Int64 microseconds is printed as it is rather than trap.
        guard ms.isFinite, abs(ms) < 9e15 else { return String(ms) }
        return milliseconds(micros: Int64((ms * 1000).rounded()))
    }

    /// A value in a metric's unit: milliseconds with 3 decimals, ratios with 6.
    static func value(_ v: Double, unit: Metric.Unit) -> String {
        switch unit {
        case .milliseconds: milliseconds(v)
        case .ratio: String(format: "%.6f", v)
        }
    }

    /// Parses `12`, `12.3`, `-0.001`, `12.3456` (rounded to the microsecond) into microseconds.
    /// Byte by byte: a big `turns.csv` holds millions of these.
    static func micros(parsing text: Substring) -> Int64? {
        let bytes = text.utf8
        var i = bytes.startIndex
        let end = bytes.endIndex
        let negative = i < end && bytes[i] == UInt8(ascii: "-")
        if negative { i = bytes.index(after: i) }
        var whole: Int64 = 0
        var wholeDigits = 0
        while i < end, let d = digit(bytes[i]) {
            // Past 12 digits the value is refused below; accumulating them would overflow first.
            if wholeDigits < 13 { whole = whole * 10 + d }
            wholeDigits += 1
            i = bytes.index(after: i)
        }
        guard (1...12).contains(wholeDigits) else { return nil }
        var fraction: Int64 = 0
        var fractionDigits = 0
        var roundsUp = false
        if i < end {
            guard bytes[i] == UInt8(ascii: ".") else { return nil }
            i = bytes.index(after: i)
            guard i < end else { return nil }
            while i < end {
                guard let d = digit(bytes[i]) else { return nil }
                if fractionDigits < 3 { fraction = fraction * 10 + d } else if fractionDigits == 3 { roundsUp = d >= 5 }
                fractionDigits += 1
                i = bytes.index(after: i)
            }
        }
        for _ in min(fractionDigits, 3)..<3 { fraction *= 10 }
        let us = whole * 1000 + fraction + (roundsUp ? 1 : 0)
        guard Double(us) <= InputLimits.longestMilliseconds * 1000 else { return nil }
        return negative ? -us : us
    }

    private static func digit(_ b: UInt8) -> Int64? {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") ? Int64(b - UInt8(ascii: "0")) : nil
    }

    static func milliseconds(parsing text: Substring) -> Duration? { micros(parsing: text).map { .microseconds($0) } }

    static func double(parsing text: Substring) -> Double? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || "-.eE+".contains($0)) }) else { return nil }
        // Every number a report holds is milliseconds or a rate: one day bounds them all.
        return Double(text).flatMap { $0.isFinite && abs($0) <= InputLimits.longestMilliseconds ? $0 : nil }
    }

    static func bool(_ b: Bool) -> String { b ? "true" : "false" }

    static func optional<T>(_ value: T?, _ format: (T) -> String) -> String { value.map(format) ?? "" }
}
