import EarshotCore
import Foundation

/// Signals and stages with known behaviour, so every figure a test checks is known in advance.
enum Synthetic {
    /// A 440 Hz tone at −9 dBFS RMS over `ranges` (ms) on a silent 16 kHz timeline of `totalMs`.
    static func scenario(name: String = "synthetic", totalMs: Int, turns: [(kind: ScenarioTurn.Kind, startMs: Int, endMs: Int)]) -> Scenario {
        let rate = 16_000
        var samples = [Float](repeating: 0, count: totalMs * rate / 1000)
        for t in turns {
            for i in (t.startMs * rate / 1000)..<(t.endMs * rate / 1000) {
                samples[i] = 0.5 * sin(2 * .pi * 440 * Float(i) / Float(rate))
            }
        }
        let st = turns.enumerated().map { i, t in
            ScenarioTurn(id: i + 1, kind: t.kind, audioFile: "synthetic", offset: .milliseconds(t.startMs),
                         speechStart: .milliseconds(t.startMs), speechEnd: .milliseconds(t.endMs),
                         reply: t.kind == .backchannel ? nil : "reply \(i + 1)")
        }
        return Scenario(name: name, audio: AudioChunk(samples: samples, sampleRate: rate), turns: st)
    }

    /// Four seconds of 300 Hz at −9 dBFS RMS, made once: debug builds are slow enough that
    /// synthesising it per reply would itself delay the replies under test.
    static func chunk(ms: Int) -> AudioChunk {
        AudioChunk(samples: Array(reply.samples.prefix(ms * 16)), sampleRate: 16_000)
    }

    static let reply: AudioChunk = {
        let rate = 16_000
        return AudioChunk(samples: (0..<(rate * 4)).map { 0.5 * sin(2 * .pi * 300 * Float($0) / Float(rate)) }, sampleRate: rate)
    }()
}

/// Ends the turn once `silence` of audio below −40 dBFS has followed speech. Silence is counted in
/// audio duration, as real endpointers do, so the answer does not depend on arrival jitter.
final class TestEndpointer: Stage {
    let name = "test-endpointer"
    let consumes: FrameKinds = .audio
    let produces: FrameKinds = .event
    let silence: Duration
    let forwardsAudio: Bool
    var heardSpeech = false
    var quiet: Duration = .zero
    init(silence: Duration, forwardsAudio: Bool = false) {
        self.silence = silence
        self.forwardsAudio = forwardsAudio
    }

    func receive(_ frame: Frame, context: StageContext) {
        guard let audio = frame.audio else { return }
        if forwardsAudio { context.emit(frame) }
        if audio.levelDBFS >= -40 {
            heardSpeech = true
            quiet = .zero
        } else if heardSpeech {
            quiet += audio.duration
            if quiet >= silence {
                heardSpeech = false
                context.mark(.endpoint, turn: frame.turn)
                context.emit(.event(.endOfTurn), turn: frame.turn)
            }
        }
    }
}

/// Waits a drawn delay after each consumed frame, then emits what `transform` makes of it and marks it.
final class TestDelay: Stage {
    let name: String
    let consumes: FrameKinds
    let produces: FrameKinds
    let delay: DelayDistribution
    let mark: Mark?
    let transform: @Sendable (Frame) -> Frame.Payload?
    init(_ name: String, consumes: FrameKinds, produces: FrameKinds, delay: DelayDistribution, mark: Mark?,
         transform: @escaping @Sendable (Frame) -> Frame.Payload?) {
        self.name = name
        self.consumes = consumes
        self.produces = produces
        self.delay = delay
        self.mark = mark
        self.transform = transform
    }

    func receive(_ frame: Frame, context: StageContext) {
        guard let out = transform(frame) else { return }
        context.schedule(after: delay.sample(context.random)) { [mark] in
            if let mark { context.mark(mark, turn: frame.turn) }
            context.emit(out, turn: frame.turn)
        }
    }
}

/// Forwards every frame unchanged.
final class PassThrough: Stage {
    let name = "pass"
    let consumes: FrameKinds = .all
    let produces: FrameKinds = .all
    func receive(_ frame: Frame, context: StageContext) { context.emit(frame) }
}

enum TestPipelines {
    /// endpoint 200 ms of silence → STT 100 → LLM 150 → TTS 50 (500 ms of tone), no network.
    static func cascade(stt: DelayDistribution = .fixed(.milliseconds(100)),
                        llm: DelayDistribution = .fixed(.milliseconds(150)),
                        tts: DelayDistribution = .fixed(.milliseconds(50))) -> Pipeline {
        .chain("cascade-fixed", [
            StageSpec("test-endpointer") { TestEndpointer(silence: .milliseconds(200)) },
            StageSpec("stt") {
                TestDelay("stt", consumes: .event, produces: .text, delay: stt, mark: .sttFinal) {
                    $0.event == .endOfTurn ? .text(TextChunk("hello", isFinal: true)) : nil
                }
            },
            StageSpec("llm") {
                TestDelay("llm", consumes: .text, produces: .text, delay: llm, mark: .llmFirstToken) {
                    _ in .text(TextChunk("reply", isFinal: true))
                }
            },
            StageSpec("tts") {
                TestDelay("tts", consumes: .text, produces: .audio, delay: tts, mark: .ttsFirstAudio) {
                    _ in .audio(Synthetic.chunk(ms: 500))
                }
            },
        ])
    }
}

/// Speaks `replyMs` of tone after each end of turn, and stops `stopDelay` after hearing the user
/// speak over it: either paced in 20 ms frames (it stops sending) or all at once (it sends an
/// interruption so playout drops what is queued).
final class TestAgent: Stage {
    let name = "test-agent"
    let consumes: FrameKinds = [.audio, .event]
    let produces: FrameKinds = [.audio, .event]
    let replyMs: Int
    let stopDelay: Duration
    let paced: Bool
    var speakingTurn: Int?
    var stopping = false
    init(replyMs: Int, stopDelay: Duration, paced: Bool) {
        self.replyMs = replyMs
        self.stopDelay = stopDelay
        self.paced = paced
    }

    func receive(_ frame: Frame, context: StageContext) {
        switch frame.payload {
        case .event(.endOfTurn) where speakingTurn == nil:
            speakingTurn = frame.turn
            if paced {
                speak(frame: 0, turn: frame.turn, context: context)
            } else {
                context.emit(.audio(Synthetic.chunk(ms: replyMs)), turn: frame.turn)
            }
        case .audio(let a) where speakingTurn != nil && frame.turn != speakingTurn && a.levelDBFS >= -40 && !stopping:
            stopping = true
            context.schedule(after: stopDelay) { [self] in
                if !paced { context.emit(.event(.interruption), turn: frame.turn) }
                speakingTurn = nil
            }
        default:
            break
        }
    }

    private func speak(frame k: Int, turn: Int, context: StageContext) {
        guard speakingTurn == turn, k * 20 < replyMs else { return }
        context.emit(.audio(Synthetic.chunk(ms: 20)), turn: turn)
        context.schedule(after: .milliseconds(20)) { [self] in speak(frame: k + 1, turn: turn, context: context) }
    }
}

/// Throws on every frame of the turns it is told to fail.
final class FailingStage: Stage {
    let name = "failing"
    let consumes: FrameKinds = .event
    let produces: FrameKinds = .event
    let failTurns: Set<Int>
    init(failTurns: Set<Int>) { self.failTurns = failTurns }
    struct Boom: Error, CustomStringConvertible { var description: String { "engine crashed" } }

    func receive(_ frame: Frame, context: StageContext) throws {
        if failTurns.contains(frame.turn) { throw Boom() }
        context.emit(frame)
    }
}
