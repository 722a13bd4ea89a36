import Foundation

/// How close a processed signal is to its original, for codec and resampler checks.
public enum SignalComparison {
    /// Signal-to-noise ratio of `test` against `reference`, in dB, over `reference`'s samples
    /// starting at `from`, with `test` delayed by `delay` samples (a codec's look-ahead, a filter's latency).
    public static func snr(_ reference: [Float], _ test: [Float], delay: Int = 0, from: Int = 0, count: Int? = nil) -> Double {
        let end = min(count.map { from + $0 } ?? reference.count, reference.count, test.count - delay)
        var signal = 0.0
        var noise = 0.0
        for i in from..<max(from, end) {
            let r = Double(reference[i])
            let d = r - Double(test[i + delay])
            signal += r * r
            noise += d * d
        }
        return 10 * log10(signal / max(noise, 1e-30))
    }
}
