import EarshotCore

extension AudioChunk {
    /// The channels averaged into one. Averaging rather than summing keeps a signal that is the
    /// same on every channel at its level, and never clips what the channels did not.
    public var mono: AudioChunk {
        guard channels > 1 else { return self }
        let ch = channels
        var out = [Float](repeating: 0, count: frameCount)
        for i in out.indices {
            var sum: Float = 0
            for c in 0..<ch { sum += samples[i * ch + c] }
            out[i] = sum / Float(ch)
        }
        return AudioChunk(samples: out, sampleRate: sampleRate)
    }
}
