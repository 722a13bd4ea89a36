@testable import EarshotAudio
import EarshotCore
import Testing

/// `SharedOpusEncoder` must give exactly the packets a plain `OpusEncoder` gives for the same
/// frames, whether it encodes them, finds them all in the table, or finds the start there and
/// takes up a real encoder from a checkpoint where its input first differs.
@Suite struct SharedOpusEncoderTests {
    static let configuration = OpusEncoder.Configuration(sampleRate: 16_000, complexity: 9)

    /// 320-sample frames: a committed utterance three times over (175 frames), or its first `divergence`
    /// frames and then the utterance reversed.
    static func frames(divergingAt divergence: Int? = nil) throws -> [[Float]] {
        let speech = try TestAudio.utterance("how-tall").samples
        var signal = speech + speech + speech
        if let divergence { signal = Array(signal[..<(divergence * 320)]) + speech.reversed() }
        return stride(from: 0, to: signal.count - 319, by: 320).map { Array(signal[$0..<($0 + 320)]) }
    }

    static func plain(_ frames: [[Float]], resetAt: Int? = nil) throws -> [[UInt8]] {
        let encoder = try OpusEncoder(configuration)
        return try frames.enumerated().map { i, f in
            if i == resetAt { try encoder.reset() }
            return try encoder.encode(AudioChunk(samples: f, sampleRate: 16_000)).payload
        }
    }

    static func shared(_ frames: [[Float]], memo: OpusPacketMemo, resetAt: Int? = nil) throws -> [[UInt8]] {
        let encoder = try SharedOpusEncoder(configuration, memo: memo)
        return try frames.enumerated().map { i, f in
            if i == resetAt { try encoder.reset() }
            return try encoder.encode(AudioChunk(samples: f, sampleRate: 16_000)).payload
        }
    }

    @Test func aCopiedStateContinuesBitForBit() throws {
        let frames = try Self.frames()
        let a = try OpusEncoder(Self.configuration), b = try OpusEncoder(Self.configuration)
        for f in frames[..<40] { _ = try a.encode(AudioChunk(samples: f, sampleRate: 16_000)) }
        b.restore(a.snapshot())
        for f in frames[40...] {
            let chunk = AudioChunk(samples: f, sampleRate: 16_000)
            #expect(try a.encode(chunk).payload == b.encode(chunk).payload)
        }
    }

    @Test func encodesOnceThenFindsEveryPacket() throws {
        let memo = OpusPacketMemo(byteLimit: 64 << 20)
        let frames = try Self.frames()
        let expected = try Self.plain(frames)
        #expect(try Self.shared(frames, memo: memo) == expected)
        let stored = memo.size
        #expect(stored.packets == frames.count)
        #expect(try Self.shared(frames, memo: memo) == expected)
        #expect(memo.size.packets == stored.packets, "the second encoder found every packet")
    }

    /// The second encoder follows the first for 130 frames (past the checkpoint at 100), then its
    /// input differs: it must restore the checkpoint, replay 30 frames and go on exactly.
    @Test func aPathThatDivergesTakesUpFromTheLastCheckpoint() throws {
        let memo = OpusPacketMemo(byteLimit: 64 << 20)
        let first = try Self.frames()
        _ = try Self.shared(first, memo: memo)
        let second = try Self.frames(divergingAt: 130)
        #expect(try Self.shared(second, memo: memo) == Self.plain(second))
        #expect(try Self.shared(second, memo: memo, resetAt: 70) == Self.plain(second, resetAt: 70))
    }

    @Test func aFullTableStoresNothingMoreAndStillEncodesExactly() throws {
        let memo = OpusPacketMemo(byteLimit: 4_000)
        let frames = try Self.frames()
        #expect(try Self.shared(frames, memo: memo) == Self.plain(frames))
        #expect(memo.size.bytes <= 4_000)
        #expect(try Self.shared(frames, memo: memo) == Self.plain(frames))
    }
}
