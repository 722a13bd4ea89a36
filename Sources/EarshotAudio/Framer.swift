import EarshotCore

/// Cuts audio into fixed frames (10, 20, 40, 80 ms, or any duration that is a whole number of
/// samples at the signal's rate), zero-padding the tail so every frame has the same length, as a
/// codec or a frame-based model needs.
public struct Framer: Sendable, Equatable {
    public let frameDuration: Duration

    public init(frameDuration: Duration) {
        self.frameDuration = frameDuration
    }

    /// Samples per channel in one frame at `sampleRate`.
    public func samplesPerFrame(at sampleRate: Int) throws(AudioFormatError) -> Int {
        guard frameDuration > .zero else { throw .invalidFrameDuration(frameDuration) }
        guard sampleRate > 0 else { throw .invalidSampleRate(sampleRate) }
        guard let n = frameDuration.wholeSamples(at: sampleRate) else {
            throw .frameNotWholeSamples(frameDuration: frameDuration, sampleRate: sampleRate)
        }
        return n
    }

    /// `chunk` in frames, in order; an empty chunk gives no frames.
    public func split(_ chunk: AudioChunk) throws(AudioFormatError) -> FramedAudio {
        let perFrame = try samplesPerFrame(at: chunk.sampleRate)
        let channels = chunk.channels
        let stride = perFrame * channels
        let total = chunk.frameCount * channels
        var frames: [AudioChunk] = []
        frames.reserveCapacity((total + stride - 1) / stride)
        var start = 0
        while start < total {
            let end = min(start + stride, total)
            var samples = Array(chunk.samples[start..<end])
            if samples.count < stride { samples.append(contentsOf: repeatElement(0, count: stride - samples.count)) }
            frames.append(AudioChunk(samples: samples, sampleRate: chunk.sampleRate, channels: channels))
            start = end
        }
        let tail = chunk.frameCount % perFrame
        let realInLast = frames.isEmpty ? 0 : (tail == 0 ? perFrame : tail)
        return FramedAudio(frames: frames, samplesPerFrame: perFrame, realSamplesInLastFrame: realInLast)
    }
}
