import EarshotCore
import Foundation
import Synchronization

/// What a parametric speaker (a modelled TTS, a duplex model) says: real audio for a text at a
/// rate, made ahead of time and never charged to the run clock — the stage models its timing,
/// the voice only has to sound like speech at playout.
///
/// Audio starts at its first 10 ms block of speech (at or above −40 dBFS, the fixtures' energy
/// rule): the figures these stages are given (time to first audio, a model's reply delay) are
/// counted to the first real audio, so an engine's lead-in silence must not be added on top, and
/// a faint onset that a codec would push under playout's −50 dBFS must not start the clock early.
public struct SpeechVoice: Sendable {
    private let make: @Sendable (String, Int) throws -> AudioChunk

    public init(_ make: @escaping @Sendable (String, Int) throws -> AudioChunk) {
        self.make = make
    }

    /// The audio for `text` at `sampleRate`, from its first audible block.
    public func audio(_ text: String, sampleRate: Int) throws -> AudioChunk {
        Self.trimmingLeadIn(try make(text, sampleRate))
    }

    /// espeak-ng, synthesised once per text and rate for the whole process (thousands of sessions
    /// saying the same replies share one copy), each by a fresh engine (`EspeakCommand`), so the
    /// audio for a text never depends on what else the process has spoken.
    public static let espeak = SpeechVoice { text, rate in
        let key = "\(rate)|\(text)"
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let audio = try EspeakCommand.synthesize(text, sampleRate: rate)
        cache.withLock { $0[key] = audio }
        return audio
    }

    /// A steady 220 Hz tone lasting 60 ms per character: known audio for tests.
    public static let tone = SpeechVoice { text, rate in
        let count = text.count * 60 * rate / 1000
        let step = 2 * Float.pi * 220 / Float(rate)
        return AudioChunk(samples: (0..<count).map { i -> Float in 0.5 * sin(step * Float(i)) }, sampleRate: rate)
    }

    private static let cache = Mutex<[String: AudioChunk]>([:])
    static let speechDBFS = -40.0

    static func trimmingLeadIn(_ chunk: AudioChunk) -> AudioChunk {
        let block = max(1, chunk.sampleRate / 100) * chunk.channels
        var start = 0
        while start < chunk.samples.count {
            let end = min(start + block, chunk.samples.count)
            if Level.rmsDBFS(chunk.samples[start..<end]) >= Self.speechDBFS { break }
            start = end
        }
        guard start > 0 else { return chunk }
        return AudioChunk(samples: Array(chunk.samples[start...]), sampleRate: chunk.sampleRate, channels: chunk.channels)
    }
}
