import EarshotCore
import Foundation

/// `stt-parametric`: a streaming speech recogniser that cannot run here (a cloud service), modelled
/// frame by frame from its published delays.
///
/// It takes the user's audio as a streaming STT does and swallows it (nothing downstream should
/// hear the user). While speech flows — audio frames at or above `speechDBFS` — it emits a
/// partial transcript for every `partialInterval` of speech heard, `partialDelay` after the audio
/// that completes it. On `endOfTurn` it emits the final transcript `finalDelay` later and marks
/// `stt_final`. Scenarios carry no user transcript, so the text says what it stands for
/// ("turn 2, 1.20 s of speech"); the scripted LLM answers by turn id, not by words.
///
/// Events pass on at once; the final follows its `endOfTurn`.
public final class ParametricSTT: Stage {
    public struct Configuration: Sendable {
        public var partialInterval: Duration = .milliseconds(500)
        public var partialDelay: DelayDistribution = .fixed(.milliseconds(500))
        public var finalDelay: DelayDistribution = .fixed(.milliseconds(300))
        public var speechDBFS = -40.0
        public init() {}
    }

    public let name = "stt-parametric"
    public let consumes: FrameKinds = [.audio, .event]
    public let produces: FrameKinds = [.text, .event]
    public let configuration: Configuration
    private var turn = -1
    private var speech: Duration = .zero
    private var partials = 0

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public func receive(_ frame: Frame, context: StageContext) {
        switch frame.payload {
        case .audio(let chunk):
            hear(chunk, turn: frame.turn, context: context)
        case .event(.endOfTurn):
            context.emit(frame)
            let turn = frame.turn
            let heard = speech
            context.schedule(after: configuration.finalDelay.sample(context.random)) {
                context.mark(.sttFinal, turn: turn)
                context.emit(.text(TextChunk(Self.text(turn: turn, speech: heard), isFinal: true)), turn: turn)
            }
        default:
            context.emit(frame)
        }
    }

    private func hear(_ chunk: AudioChunk, turn: Int, context: StageContext) {
        if turn != self.turn {
            self.turn = turn
            speech = .zero
            partials = 0
        }
        guard chunk.levelDBFS >= configuration.speechDBFS else { return }
        speech += chunk.duration
        guard configuration.partialInterval > .zero else { return }
        while speech >= configuration.partialInterval * (partials + 1) {
            partials += 1
            let text = Self.text(turn: turn, speech: speech)
            context.schedule(after: configuration.partialDelay.sample(context.random)) {
                context.emit(.text(TextChunk(text, isFinal: false)), turn: turn)
            }
        }
    }

    static func text(turn: Int, speech: Duration) -> String {
        "turn \(turn), \(String(format: "%.2f", speech.milliseconds / 1000)) s of speech"
    }
}
