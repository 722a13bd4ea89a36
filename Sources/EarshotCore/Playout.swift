/// The user's ear: plays agent audio in arrival order and notes when it is audible.
///
/// Audio that arrives while earlier audio is still playing waits behind it, as in any playout
/// buffer, so a TTS that delivers three seconds at once is heard over three seconds. Levels are
/// judged per 10 ms block, so leading silence inside a chunk does not count as the agent speaking.
/// An `interruption` event drops whatever is queued but not yet played, as a client does when the
/// user barges in.
struct Playout {
    struct LoudRun: Equatable {
        var turn: Int
        var start: RunTime
        var end: RunTime
    }

    let thresholdDBFS: Double
    private(set) var runs: [LoudRun] = []
    private var playheadEnd = RunTime.zero

    init(thresholdDBFS: Double) { self.thresholdDBFS = thresholdDBFS }

    mutating func play(_ chunk: AudioChunk, turn: Int, at now: RunTime) {
        let start = max(now, playheadEnd)
        let rate = Int64(chunk.sampleRate)
        let ch = chunk.channels
        let block = max(1, chunk.sampleRate / 100)
        let frames = chunk.frameCount
        chunk.samples.withUnsafeBufferPointer { all in
            var i = 0
            while i < frames {
                let n = min(block, frames - i)
                let level = Level.rmsDBFS(UnsafeBufferPointer(rebasing: all[(i * ch)..<((i + n) * ch)]))
                if level >= thresholdDBFS {
                    let t0 = start.nanoseconds + Int64(i) * 1_000_000_000 / rate
                    let t1 = start.nanoseconds + Int64(i + n) * 1_000_000_000 / rate
                    if let last = runs.last, last.turn == turn, last.end.nanoseconds == t0 {
                        runs[runs.count - 1].end = RunTime(nanoseconds: t1)
                    } else {
                        runs.append(LoudRun(turn: turn, start: RunTime(nanoseconds: t0), end: RunTime(nanoseconds: t1)))
                    }
                }
                i += n
            }
        }
        playheadEnd = start + chunk.duration
    }

    /// Drops audio not yet played at `now`.
    mutating func interrupt(at now: RunTime) {
        guard playheadEnd > now else { return }
        playheadEnd = now
        while let last = runs.last, last.start >= now { runs.removeLast() }
        if let last = runs.last, last.end > now { runs[runs.count - 1].end = now }
    }

    func firstAudible(turn: Int) -> RunTime? {
        runs.first { $0.turn == turn }?.start
    }

    /// The end of `turn`'s last audible audio.
    func lastAudibleEnd(of turn: Int) -> RunTime? {
        runs.last { $0.turn == turn }?.end
    }

    /// The end of the last audible agent audio of turns before `turn` that was still playing at or after `onset`.
    func lastAudibleEnd(before turn: Int, after onset: RunTime) -> RunTime? {
        runs.last { $0.turn < turn && $0.end > onset }?.end
    }
}
