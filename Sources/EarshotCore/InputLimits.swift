/// The largest figures any input may name. A duration read from a pipeline, a manifest, the command
/// line or a report, and every modelled draw, stays within ± `longestDuration`, so the arithmetic
/// done on it (sums of turns, samples = ns × rate, microsecond rounding) can never overflow: `Duration`
/// traps on an Int64 nanosecond overflow, and a Double beyond Int64 traps when converted.
public enum InputLimits {
    /// One day, in milliseconds: longer than any conversation, delay or timeout worth modelling, and
    /// one day × 96 kHz in nanosecond-samples still fits an Int64.
    public static let longestMilliseconds: Double = 86_400_000

    public static var longestDuration: Duration { .seconds(86_400) }

    /// Why a figure was refused, for messages that name the field.
    public static let rule = "a finite number of ms within ±86400000 (one day)"
}

extension Duration {
    /// `ms` as a duration to the nearest nanosecond, or nil where it is not finite or lies beyond
    /// `InputLimits.longestDuration`: the one conversion from an input's number of milliseconds.
    public static func milliseconds(checked ms: Double) -> Duration? {
        guard ms.isFinite, abs(ms) <= InputLimits.longestMilliseconds else { return nil }
        return .nanoseconds(Int64((ms * 1_000_000).rounded()))
    }

    /// This duration, clamped to ± `InputLimits.longestDuration` (a modelled draw's tail).
    public var clampedToInputLimit: Duration {
        Swift.min(Swift.max(self, .zero - InputLimits.longestDuration), InputLimits.longestDuration)
    }
}
