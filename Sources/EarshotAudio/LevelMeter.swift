import EarshotCore

/// Signal level frame by frame, in dBFS as `Level.rmsDBFS` defines it, and the first frame
/// louder than a threshold: how playout decides when agent audio starts (DESIGN.md §5:
/// `agent_start` is the first frame above −50 dBFS).
public struct LevelMeter: Sendable, Equatable {
    public struct Reading: Sendable, Equatable {
        /// 0-based frame number.
        public var index: Int
        /// Where the frame starts, from the chunk's first sample.
        public var start: Duration
        public var levelDBFS: Double

        public init(index: Int, start: Duration, levelDBFS: Double) {
            self.index = index
            self.start = start
            self.levelDBFS = levelDBFS
        }
    }

    public let frameDuration: Duration

    public init(frameDuration: Duration = .milliseconds(10)) {
        self.frameDuration = frameDuration
    }

    /// The level of each frame of `chunk`, all channels together. A short last frame is measured
    /// over the samples it has: padding it with silence would understate a tail that is loud.
    public func levels(of chunk: AudioChunk) throws(AudioFormatError) -> [Reading] {
        var readings: [Reading] = []
        try scan(chunk) { readings.append($0); return false }
        return readings
    }

    /// The first frame whose level is strictly above `thresholdDBFS`, or nil if none is.
    public func firstFrame(above thresholdDBFS: Double = Level.defaultSilenceThresholdDBFS,
                           in chunk: AudioChunk) throws(AudioFormatError) -> Reading? {
        var found: Reading?
        try scan(chunk) { reading in
            guard reading.levelDBFS > thresholdDBFS else { return false }
            found = reading
            return true
        }
        return found
    }

    /// Calls `visit` per frame until it returns true.
    private func scan(_ chunk: AudioChunk, _ visit: (Reading) -> Bool) throws(AudioFormatError) {
        let perFrame = try Framer(frameDuration: frameDuration).samplesPerFrame(at: chunk.sampleRate)
        let stride = perFrame * chunk.channels
        let total = chunk.frameCount * chunk.channels
        var index = 0
        var start = 0
        while start < total {
            let end = min(start + stride, total)
            let level = Level.rmsDBFS(chunk.samples[start..<end])
            if visit(Reading(index: index, start: frameDuration * index, levelDBFS: level)) { return }
            index += 1
            start = end
        }
    }
}
