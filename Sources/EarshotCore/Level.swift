import Foundation

/// Signal level in dBFS: the one definition every part of Earshot uses, from the fixture
/// generator's energy rule to playout's "first agent audio above threshold".
///
/// 0 dBFS is a full-scale square wave (RMS 1.0). A full-scale sine reads −3.01 dBFS.
/// Digital silence reads `Level.floor` rather than −∞, so levels stay printable and comparable.
public enum Level {
    public static let floor: Double = -120

    /// Playout's default silence threshold (DESIGN.md §5).
    public static let defaultSilenceThresholdDBFS: Double = -50

    public static func rmsDBFS(_ samples: UnsafeBufferPointer<Float>) -> Double {
        guard !samples.isEmpty else { return floor }
        // Four running sums instead of one: a single sum is a chain of dependent additions, each
        // waiting on the last, and levels are taken for every frame of every session.
        var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
        let n = samples.count, whole = n & ~3
        var i = 0
        while i < whole {
            let a = Double(samples[i]), b = Double(samples[i + 1]), c = Double(samples[i + 2]), d = Double(samples[i + 3])
            s0 += a * a; s1 += b * b; s2 += c * c; s3 += d * d
            i += 4
        }
        while i < n { s0 += Double(samples[i]) * Double(samples[i]); i += 1 }
        let rms = (((s0 + s1) + (s2 + s3)) / Double(n)).squareRoot()
        guard rms > 0 else { return floor }
        return max(floor, 20 * log10(rms))
    }

    public static func rmsDBFS(_ samples: ArraySlice<Float>) -> Double {
        samples.withUnsafeBufferPointer { rmsDBFS($0) }
    }
}

