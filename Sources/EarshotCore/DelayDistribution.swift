/// A modelled delay: what a parametric stage charges on the clock for each piece of work.
public enum DelayDistribution: Sendable, Equatable, CustomStringConvertible {
    case fixed(Duration)
    /// Uniform in [low, high].
    case uniform(Duration, Duration)
    /// Normal, truncated at zero (a negative draw becomes zero, not a redraw, so a draw costs one step).
    case normal(mean: Duration, standardDeviation: Duration)
    /// Log-normal given by its median and the standard deviation of the underlying normal (σ of ln x).
    /// Service latencies are usually log-normal: a median and a long right tail.
    case logNormal(median: Duration, sigma: Double)
    /// Draws uniformly from measured samples.
    case empirical([Duration])

    /// One draw, clamped to [0, `InputLimits.longestDuration`]: a long tail (a log-normal with a
    /// large sigma) can draw any Double, and the clock must stay in range whatever it draws.
    public func sample(_ random: SeededRandom) -> Duration {
        let ns: Double
        switch self {
        case .fixed(let d):
            return d.clampedToInputLimit
        case .uniform(let lo, let hi):
            ns = Double(lo.nanoseconds) + random.unit() * Double(hi.nanoseconds - lo.nanoseconds)
        case .normal(let mean, let sd):
            ns = Double(mean.nanoseconds) + random.standardNormal() * Double(sd.nanoseconds)
        case .logNormal(let median, let sigma):
            ns = Double(median.nanoseconds) * exp(sigma * random.standardNormal())
        case .empirical(let samples):
            precondition(!samples.isEmpty, "an empirical distribution needs at least one sample")
            return samples[Int(random.next() % UInt64(samples.count))]
        }
        return Self.clamped(nanoseconds: ns)
    }

    static func clamped(nanoseconds ns: Double) -> Duration {
        let longest = Double(InputLimits.longestDuration.nanoseconds)
        return .nanoseconds(Int64(ns.isNaN ? 0 : min(max(0, ns), longest).rounded()))
    }

    /// The distribution's mean, for documentation and sanity checks.
    public var mean: Duration {
        switch self {
        case .fixed(let d): d
        case .uniform(let lo, let hi): (lo + hi) / 2
        case .normal(let mean, _): mean
        case .logNormal(let median, let sigma): Self.clamped(nanoseconds: Double(median.nanoseconds) * exp(sigma * sigma / 2))
        case .empirical(let s): s.isEmpty ? .zero : s.reduce(.zero, +) / s.count
        }
    }

    public var description: String {
        switch self {
        case .fixed(let d): "fixed(\(d.milliseconds)ms)"
        case .uniform(let lo, let hi): "uniform(\(lo.milliseconds)ms, \(hi.milliseconds)ms)"
        case .normal(let m, let sd): "normal(mean \(m.milliseconds)ms, sd \(sd.milliseconds)ms)"
        case .logNormal(let m, let s): "lognormal(median \(m.milliseconds)ms, sigma \(s))"
        case .empirical(let s): "empirical(\(s.count) samples)"
        }
    }
}

import Foundation
