import EarshotCore

extension AudioChunk {
    /// The channels averaged into one: engines here take mono.
    var mono: AudioChunk {
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

    /// Samples as 16-bit PCM, clipped at full scale, for engines that take nothing else.
    var pcm16: [Int16] {
        samples.map { Int16(clamping: Int((Swift.max(-1, Swift.min(1, $0)) * 32_767).rounded())) }
    }
}
