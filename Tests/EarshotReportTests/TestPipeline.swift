import EarshotCore
import Foundation

/// A two-stage pipeline with known timing for the virtual runtime: end of turn after 200 ms of
/// audio silence, then a reply after a drawn delay (uniform, so sessions differ and shards must
/// draw exactly as one run would).
enum TestPipeline {
    static let rate = 16_000

    /// A 440 Hz tone over `turns` (ms) on a silent timeline of `totalMs`.
    static func scenario(name: String, totalMs: Int, turns: [(kind: ScenarioTurn.Kind, startMs: Int, endMs: Int)]) -> Scenario {
        var samples = [Float](repeating: 0, count: totalMs * rate / 1000)
        for t in turns {
            for i in (t.startMs * rate / 1000)..<(t.endMs * rate / 1000) {
                samples[i] = 0.5 * sin(2 * .pi * 440 * Float(i) / Float(rate))
            }
        }
        let st = turns.enumerated().map { i, t in
            ScenarioTurn(id: i + 1, kind: t.kind, audioFile: "synthetic", offset: .milliseconds(t.startMs),
                         speechStart: .milliseconds(t.startMs), speechEnd: .milliseconds(t.endMs),
                         reply: t.kind == .backchannel ? nil : "reply")
        }
        return Scenario(name: name, audio: AudioChunk(samples: samples, sampleRate: rate), turns: st)
    }

    static let reply = AudioChunk(samples: (0..<(rate / 5)).map { 0.5 * sin(2 * .pi * 300 * Float($0) / Float(rate)) }, sampleRate: rate)

    static func pipeline(name: String = "cascade", reply delay: DelayDistribution = .uniform(.milliseconds(80), .milliseconds(160))) -> Pipeline {
        .chain(name, [
            StageSpec("endpointer") { Endpointer() },
            StageSpec("tts, \"fast\"") { Responder(delay: delay) },
        ])
    }

    static func run(_ pipeline: Pipeline, scenarios: [Scenario], seed: UInt64 = 7, firstSession: Int = 0,
                    sessionsPerScenario: Int, sessionCount: Int? = nil) throws -> (RunResult, RunConfiguration) {
        var c = RunConfiguration()
        c.seed = seed
        c.firstSession = firstSession
        c.sessionsPerScenario = sessionsPerScenario
        c.sessionCount = sessionCount
        return (try VirtualRuntime(pipeline: pipeline, scenarios: scenarios, configuration: c).run(), c)
    }
}

final class Endpointer: Stage {
    let name = "endpointer"
    let consumes: FrameKinds = .audio
    let produces: FrameKinds = .event
    var heardSpeech = false
    var quiet: Duration = .zero

    func receive(_ frame: Frame, context: StageContext) {
        guard let audio = frame.audio else { return }
        if audio.levelDBFS >= -40 {
            heardSpeech = true
            quiet = .zero
        } else if heardSpeech {
            quiet += audio.duration
            if quiet >= .milliseconds(200) {
                heardSpeech = false
                context.mark(.endpoint, turn: frame.turn)
                context.emit(.event(.endOfTurn), turn: frame.turn)
            }
        }
    }
}

final class Responder: Stage {
    let name = "responder"
    let consumes: FrameKinds = .event
    let produces: FrameKinds = .audio
    let delay: DelayDistribution
    init(delay: DelayDistribution) { self.delay = delay }

    func receive(_ frame: Frame, context: StageContext) {
        guard frame.event == .endOfTurn else { return }
        context.schedule(after: delay.sample(context.random)) {
            context.mark(.ttsFirstAudio, turn: frame.turn)
            context.emit(.audio(TestPipeline.reply), turn: frame.turn)
        }
    }
}
