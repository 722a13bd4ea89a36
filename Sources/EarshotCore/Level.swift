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
        var sum: Double = 0
        for s in samples { sum += Double(s) * Double(s) }
        let rms = (sum / Double(samples.count)).squareRoot()
        guard rms > 0 else { return floor }
        return max(floor, 20 * log10(rms))
    }

    public static func rmsDBFS(_ samples: ArraySlice<Float>) -> Double {
        samples.withUnsafeBufferPointer { rmsDBFS($0) }
    }
}

