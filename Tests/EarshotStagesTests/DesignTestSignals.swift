import EarshotCore
import EarshotStages
import Foundation

/// Scenarios and pipelines with known behaviour for the design stages' tests.
enum DesignTestSignals {
    /// A 440 Hz tone at −9 dBFS over each turn's speech on a silent timeline; replies given.
    static func scenario(totalMs: Int, rate: Int = 16_000,
                         turns: [(kind: ScenarioTurn.Kind, startMs: Int, endMs: Int, pauses: [Range<Int>], reply: String?)]) -> Scenario {
        var samples = [Float](repeating: 0, count: totalMs * rate / 1000)
        let step = 2 * Float.pi * 440 / Float(rate)
        for t in turns {
            for i in (t.startMs * rate / 1000)..<(t.endMs * rate / 1000)
            where !t.pauses.contains(where: { $0.contains(i * 1000 / rate) }) {
                samples[i] = 0.5 * sin(step * Float(i))
            }
        }
        let scenarioTurns = turns.enumerated().map { i, t in
            ScenarioTurn(id: i + 1, kind: t.kind, audioFile: "tone", offset: .milliseconds(t.startMs),
                         speechStart: .milliseconds(t.startMs), speechEnd: .milliseconds(t.endMs),
                         pauses: t.pauses.map { .milliseconds($0.lowerBound) ..< .milliseconds($0.upperBound) }, reply: t.reply)
        }
        return Scenario(name: "tone", audio: AudioChunk(samples: samples, sampleRate: rate), turns: scenarioTurns)
    }

    static func ms(_ x: Int64) -> Duration { .milliseconds(x) }
}

/// What reached it, for tests that look at the frames themselves; forwards everything.
final class DuplexFrameLog: @unchecked Sendable {
    var frames: [Frame] = []
}

final class DuplexRecorder: Stage {
    let name = "recorder"
    let consumes: FrameKinds = .all
    let produces: FrameKinds = .all
    let log: DuplexFrameLog
    init(_ log: DuplexFrameLog) { self.log = log }
    func receive(_ frame: Frame, context: StageContext) {
        log.frames.append(frame)
        context.emit(frame)
    }
}
