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

    public func sample(_ random: SeededRandom) -> Duration {
        let ns: Double
        switch self {
        case .fixed(let d):
            return d
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
        return .nanoseconds(Int64(max(0, ns).rounded()))
    }

    /// The distribution's mean, for documentation and sanity checks.
    public var mean: Duration {
        switch self {
        case .fixed(let d): d
        case .uniform(let lo, let hi): (lo + hi) / 2
        case .normal(let mean, _): mean
        case .logNormal(let median, let sigma): .nanoseconds(Int64(Double(median.nanoseconds) * exp(sigma * sigma / 2)))
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
