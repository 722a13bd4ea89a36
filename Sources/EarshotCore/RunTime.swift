import Foundation

/// A point on the run clock: nanoseconds since the run started.
///
/// Both runtimes speak this one type. The real-time runtime reads it from the monotonic clock;
/// the virtual runtime advances it event by event. An `Int64` rather than `Duration` keeps the
/// virtual scheduler's hot path free of 128-bit arithmetic.
public struct RunTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = RunTime(nanoseconds: 0)

    @inlinable public static func milliseconds(_ ms: Int64) -> RunTime { RunTime(nanoseconds: ms * 1_000_000) }
    @inlinable public static func microseconds(_ us: Int64) -> RunTime { RunTime(nanoseconds: us * 1_000) }

    /// Milliseconds as a Double (microsecond precision survives: 2^53 ns is 104 days).
    @inlinable public var milliseconds: Double { Double(nanoseconds) / 1_000_000 }

    @inlinable public static func < (a: RunTime, b: RunTime) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public static func + (t: RunTime, d: Duration) -> RunTime { RunTime(nanoseconds: t.nanoseconds + d.nanoseconds) }
    @inlinable public static func - (t: RunTime, d: Duration) -> RunTime { RunTime(nanoseconds: t.nanoseconds - d.nanoseconds) }
    @inlinable public static func - (a: RunTime, b: RunTime) -> Duration { .nanoseconds(a.nanoseconds - b.nanoseconds) }

    public var description: String { String(format: "%.3fms", milliseconds) }

    /// Nanoseconds to the nearest microsecond, halves away from zero: the precision reports keep,
    /// one rule for histograms and CSV cells alike.
    @inlinable public static func roundedMicroseconds(_ ns: Int64) -> Int64 {
        ns >= 0 ? (ns + 500) / 1000 : -((-ns + 500) / 1000)
    }
}

extension Duration {
    /// Whole nanoseconds, truncating anything finer (attoseconds never matter to a latency harness).
    @inlinable public var nanoseconds: Int64 {
        let c = components
        return c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000
    }

    /// Milliseconds as a Double, for reports.
    @inlinable public var milliseconds: Double { Double(nanoseconds) / 1_000_000 }
}
