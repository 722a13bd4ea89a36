import EarshotCore
import Foundation

/// Deterministic signals with known properties, for tests and benchmarks that must not depend on
/// fixture files or a speech synthesiser being present.
public enum TestSignal {
    /// A sine starting at phase 0; `amplitude` 1 is full scale (−3.01 dBFS).
    public static func sine(frequency: Double, amplitude: Double = 1, duration: Duration,
                            sampleRate: Int, channels: Int = 1) -> AudioChunk {
        let frames = Int(duration.nanoseconds * Int64(sampleRate) / 1_000_000_000)
        let step = 2 * Double.pi * frequency / Double(sampleRate)
        var samples = [Float](repeating: 0, count: frames * channels)
        for i in 0..<frames {
            let value = Float(amplitude * sin(step * Double(i)))
            for c in 0..<channels { samples[i * channels + c] = value }
        }
        return AudioChunk(samples: samples, sampleRate: sampleRate, channels: channels)
    }

    /// A speech-like mono signal: voiced syllables of a harmonic source (f0 around 120 Hz, with
    /// intonation and 5.5 Hz vibrato) shaped by moving vowel formants, separated by short gaps
    /// and longer pauses. Codecs built for speech treat it as speech (Opus stays in its speech
    /// modes), which a plain tone does not give. Peak about −6 dBFS; same seed, same samples.
    public static func speechLike(duration: Duration, sampleRate: Int, seed: UInt64 = 1) -> AudioChunk {
        let frames = Int(duration.nanoseconds * Int64(sampleRate) / 1_000_000_000)
        let rate = Double(sampleRate)
        var random = SplitMix64(seed: seed)
        var samples = [Float](repeating: 0, count: frames)

        // Vowel formants (F1, F2, F3) of /a/, /i/, /e/, /u/, /o/.
        let vowels: [(Double, Double, Double)] = [(730, 1090, 2440), (270, 2290, 3010), (530, 1840, 2480),
                                                  (300, 870, 2240), (570, 840, 2410)]
        let topFrequency = min(4_000, 0.45 * rate)
        var phase = 0.0
        var position = Int(0.1 * rate)
        var syllable = 0
        while position < frames {
            let length = Int(rate * (0.12 + 0.16 * random.unit()))
            let vowel = vowels[Int(random.next() % UInt64(vowels.count))]
            let next = vowels[Int(random.next() % UInt64(vowels.count))]
            let pitch = 105 + 40 * random.unit()
            let ramp = max(1, Int(0.02 * rate))
            var gains: [Double] = []
            for n in 0..<min(length, frames - position) {
                let t = Double(position + n) / rate
                let progress = Double(n) / Double(length)
                let f0 = pitch * (1 + 0.08 * sin(2 * .pi * 0.7 * t)) * (1 + 0.02 * sin(2 * .pi * 5.5 * t))
                phase += 2 * .pi * f0 / rate
                if phase > 2 * .pi { phase -= 2 * .pi }
                // Formant gains change slowly; recomputing them every 32 samples is plenty.
                if n % 32 == 0 {
                    let f1 = vowel.0 + (next.0 - vowel.0) * progress
                    let f2 = vowel.1 + (next.1 - vowel.1) * progress
                    let f3 = vowel.2 + (next.2 - vowel.2) * progress
                    gains.removeAll(keepingCapacity: true)
                    var k = 1.0
                    while k * f0 < topFrequency {
                        let f = k * f0
                        let d1 = (f - f1) / 90, d2 = (f - f2) / 110, d3 = (f - f3) / 150
                        let shape = 1 / (1 + d1 * d1) + 0.6 / (1 + d2 * d2) + 0.3 / (1 + d3 * d3)
                        gains.append((0.15 + shape) / k.squareRoot())
                        k += 1
                    }
                }
                // sin(kφ) by the Chebyshev recurrence: one sin and one cos per sample, not one per harmonic.
                let s1 = sin(phase)
                let twoCos = 2 * cos(phase)
                var previous = 0.0
                var current = s1
                var value = 0.0
                for gain in gains {
                    value += gain * current
                    (previous, current) = (current, twoCos * current - previous)
                }
                let envelope = min(1, Double(n) / Double(ramp), Double(length - n) / Double(ramp))
                value += 0.02 * (random.unit() - 0.5)  // Breath noise: speech is never purely harmonic.
                samples[position + n] = Float(value * envelope)
            }
            syllable += 1
            let gap = syllable % 4 == 0 ? 0.2 + 0.2 * random.unit() : 0.03 + 0.05 * random.unit()
            position += length + Int(gap * rate)
        }

        let peak = samples.lazy.map { abs($0) }.max() ?? 0
        if peak > 0 {
            let scale = 0.5 / peak
            for i in samples.indices { samples[i] *= scale }
        }
        return AudioChunk(samples: samples, sampleRate: sampleRate, channels: 1)
    }
}

extension TestSignal {
    /// A small seeded generator (Steele, Lea & Flood's SplitMix64): reproducible across platforms,
    /// unlike the system generator.
    fileprivate struct SplitMix64 {
        var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// Uniform in 0..<1.
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    }
}
