import EarshotCore

extension AudioChunk {
    /// Samples as 16-bit PCM, clipped at full scale, for engines that take nothing else.
    var pcm16: [Int16] {
        samples.map { Int16(clamping: Int((Swift.max(-1, Swift.min(1, $0)) * 32_767).rounded())) }
    }
}
