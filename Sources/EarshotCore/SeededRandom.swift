/// A seeded generator (xoshiro256**, seeded through SplitMix64), one per stage per session.
///
/// Streams are split by label, not by order of creation, so adding a stage to a pipeline leaves
/// every other stage's draws as they were. Labels hash with FNV-1a because Swift's `Hasher` is
/// seeded differently in every process.
public final class SeededRandom: RandomNumberGenerator {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var sm = seed
        s0 = Self.splitMix(&sm); s1 = Self.splitMix(&sm); s2 = Self.splitMix(&sm); s3 = Self.splitMix(&sm)
    }

    /// The generator of a session within a run.
    public convenience init(runSeed: UInt64, session: Int) {
        self.init(seed: Self.mix(runSeed, UInt64(truncatingIfNeeded: session) &+ 0x5EED))
    }

    /// An independent stream named `label`; the parent's own stream is not advanced.
    public func split(_ label: String) -> SeededRandom {
        SeededRandom(seed: Self.mix(s0 ^ s3, Self.fnv1a(label)))
    }

    public func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1), 53 bits.
    public func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal draw (Box–Muller; one value per call keeps the stream easy to reason about).
    public func standardNormal() -> Double {
        let u1 = max(unit(), .leastNonzeroMagnitude)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// True with probability `p`.
    public func chance(_ p: Double) -> Bool { unit() < p }

    private static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var x = a ^ (b &* 0x9E37_79B9_7F4A_7C15)
        return splitMix(&x)
    }

    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }
}

import Foundation
