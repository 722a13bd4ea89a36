/// PCM audio: interleaved Float32 samples in −1...1.
///
/// One representation for every stage; converting to Int16 happens only at the edges that need it
/// (files, codecs, engines), so a stage never has to ask which sample type it was handed.
public struct AudioChunk: Sendable, Equatable {
    public var samples: [Float]
    public var sampleRate: Int
    public var channels: Int

    public init(samples: [Float], sampleRate: Int, channels: Int = 1) {
        precondition(sampleRate > 0 && channels > 0, "sample rate and channel count must be positive")
        self.samples = samples
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// Digital silence of the given length.
    public static func silence(_ duration: Duration, sampleRate: Int = 16_000, channels: Int = 1) -> AudioChunk {
        let frames = Int(duration.nanoseconds * Int64(sampleRate) / 1_000_000_000)
        return AudioChunk(samples: [Float](repeating: 0, count: frames * channels), sampleRate: sampleRate, channels: channels)
    }

    /// Sample frames (one sample per channel).
    public var frameCount: Int { samples.count / channels }

    public var duration: Duration { .nanoseconds(Int64(frameCount) * 1_000_000_000 / Int64(sampleRate)) }

    /// Samples as 16-bit PCM, clipped at full scale, for engines and wires that take nothing else.
    public var pcm16: [Int16] { samples.map(Self.pcm16) }

    /// One sample as 16-bit PCM: clipped to ±1, scaled by 32 767, rounded.
    @inlinable public static func pcm16(_ sample: Float) -> Int16 {
        Int16(clamping: Int((Swift.max(-1, Swift.min(1, sample)) * 32_767).rounded()))
    }

    /// Audio from 16-bit PCM, read as `n / 32768`. A concrete array and a plain loop: agent
    /// connectors convert fifty messages a second per call, and a generic map costs several times more.
    public init(pcm16: [Int16], sampleRate: Int, channels: Int = 1) {
        let samples = [Float](unsafeUninitializedCapacity: pcm16.count) { out, count in
            pcm16.withUnsafeBufferPointer { input in
                for i in 0..<input.count { out[i] = Float(input[i]) * (1 / 32_768) }
            }
            count = pcm16.count
        }
        self.init(samples: samples, sampleRate: sampleRate, channels: channels)
    }

    /// RMS level over all samples, in dBFS (see `Level`).
    public var levelDBFS: Double { samples.withUnsafeBufferPointer { Level.rmsDBFS($0) } }
}

/// An encoded audio packet (Opus on the wire). `payload` is empty for a lost packet.
public struct EncodedPacket: Sendable, Equatable {
    public var payload: [UInt8]
    /// Sequence number on its leg, for loss and reorder detection.
    public var sequence: Int
    /// Samples per channel this packet decodes to, at `sampleRate`.
    public var sampleCount: Int
    public var sampleRate: Int

    public init(payload: [UInt8], sequence: Int, sampleCount: Int, sampleRate: Int) {
        self.payload = payload
        self.sequence = sequence
        self.sampleCount = sampleCount
        self.sampleRate = sampleRate
    }
}
