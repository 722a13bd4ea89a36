/// The user's side of a scenario cut into source frames, and the map from the scenario's ground
/// truth to the run clock.
///
/// Frame k carries timeline [kF, (k+1)F) and is emitted when its last sample has been captured, at
/// session start + (k+1)F when the pacer is on time. A ground-truth instant t inside frame k is
/// mapped to `emit(k) − ((k+1)F − t)`: the source's actual lateness moves it, the position inside
/// the frame does not. In virtual time that is exactly session start + t.
///
/// Each frame carries the id of the latest turn whose speech has started by the frame's end, so
/// every stage downstream can tag what it does with the turn it answers.
public struct SourceTimeline: Sendable {
    public let frameDuration: Duration
    public let frames: [AudioChunk]
    /// Turn id per frame.
    public let turnOfFrame: [Int]

    public init(scenario: Scenario, frameDuration: Duration) {
        let rate = scenario.audio.sampleRate
        let ch = scenario.audio.channels
        let perFrame = Int(frameDuration.nanoseconds * Int64(rate) / 1_000_000_000)
        precondition(perFrame > 0 && Int64(perFrame) * 1_000_000_000 == frameDuration.nanoseconds * Int64(rate),
                     "frame duration must be a whole number of samples")
        self.frameDuration = frameDuration
        let samples = scenario.audio.samples
        let total = scenario.audio.frameCount
        let count = (total + perFrame - 1) / perFrame
        var frames: [AudioChunk] = []
        frames.reserveCapacity(count)
        var turns: [Int] = []
        turns.reserveCapacity(count)
        let starts = scenario.turns.map { ($0.id, $0.speechStart.nanoseconds) }.sorted { $0.1 < $1.1 }
        var nextTurn = 0
        var current = 0
        for k in 0..<count {
            let lo = k * perFrame * ch
            let hi = min((k + 1) * perFrame * ch, samples.count)
            var chunk = Array(samples[lo..<hi])
            if chunk.count < perFrame * ch { chunk += repeatElement(0, count: perFrame * ch - chunk.count) }
            frames.append(AudioChunk(samples: chunk, sampleRate: rate, channels: ch))
            let frameEnd = Int64(k + 1) * frameDuration.nanoseconds
            while nextTurn < starts.count && starts[nextTurn].1 < frameEnd {
                current = starts[nextTurn].0
                nextTurn += 1
            }
            turns.append(current)
        }
        self.frames = frames
        self.turnOfFrame = turns
    }

    /// The frame holding the sample just before timeline instant `t` (for an end) or at `t` (for a start).
    public func frameIndex(containing t: Duration, isEnd: Bool) -> Int {
        let f = frameDuration.nanoseconds
        let ns = t.nanoseconds
        let k = isEnd ? (ns + f - 1) / f - 1 : ns / f
        return Swift.min(Swift.max(0, Int(k)), frames.count - 1)
    }

    /// Source frame `k` as the source sends it at `time`, under either clock.
    func frame(_ k: Int, at time: RunTime) -> Frame {
        var frame = Frame(.audio(frames[k]), turn: turnOfFrame[k], origin: time)
        frame.emittedAt = time
        frame.sourceIndex = k
        return frame
    }

    /// Where frame k is due on the session's clock when the source is on time.
    public func due(_ k: Int) -> RunTime { RunTime(nanoseconds: Int64(k + 1) * frameDuration.nanoseconds) }

    /// Maps timeline instant `t`, inside frame k, through the frame's actual emission time.
    public func map(_ t: Duration, frame k: Int, emittedAt: RunTime) -> RunTime {
        emittedAt - (due(k) - RunTime(nanoseconds: t.nanoseconds))
    }

    public var duration: Duration { .nanoseconds(Int64(frames.count) * frameDuration.nanoseconds) }
}
