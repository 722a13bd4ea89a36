import EarshotCore

/// A signal cut into equal frames by `Framer`.
public struct FramedAudio: Sendable, Equatable {
    /// Every frame holds exactly `samplesPerFrame` samples per channel; the last is zero-padded.
    public var frames: [AudioChunk]
    public var samplesPerFrame: Int
    /// Samples per channel of the last frame that came from the input (the rest is padding);
    /// `samplesPerFrame` when the input filled it, 0 when there are no frames.
    public var realSamplesInLastFrame: Int

    public init(frames: [AudioChunk], samplesPerFrame: Int, realSamplesInLastFrame: Int) {
        self.frames = frames
        self.samplesPerFrame = samplesPerFrame
        self.realSamplesInLastFrame = realSamplesInLastFrame
    }

    /// Zero samples per channel appended to fill the last frame.
    public var paddingSamples: Int { frames.isEmpty ? 0 : samplesPerFrame - realSamplesInLastFrame }
}
