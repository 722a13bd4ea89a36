import EarshotAudio
import EarshotCore

/// `stt-pocketsphinx`: CMU PocketSphinx recognising the user's audio as it streams in.
///
/// An utterance opens at the VAD's `speechStarted` (with a little audio from just before it,
/// which the decoder's noise estimate wants) and stays open across mid-turn pauses until
/// `endOfTurn`. Partials (`isFinal: false`) go out whenever the best hypothesis changes; at
/// `endOfTurn` the utterance is closed, the final transcript goes out, `stt_final` is marked, and
/// the event follows it downstream. User audio stops here: playout must not hear it as the agent.
///
/// Real compute, each decoder call a blocking job (`context.perform`) off the executors: each
/// chunk is charged what decoding it took, and frames wait behind it, so the time from
/// `endpoint` to `stt_final` is PocketSphinx's own. The decoder is touched only by those jobs,
/// one at a time (the stage's input is held while one runs), and by `inUtterance` between them.
public final class PocketSphinxStage: Stage {
    public let name = "stt-pocketsphinx"
    public let consumes: FrameKinds = [.audio, .event]
    public let produces: FrameKinds = [.text, .event]
    public let partials: Bool
    public static let decoderRate = 16_000
    static let preroll: Duration = .milliseconds(100)

    private let decoder: PocketSphinxDecoder
    private var resampler: Resampler?
    private var recent: [(samples: [Int16], duration: Duration)] = []
    private var recentDuration: Duration = .zero
    private var lastPartial = ""

    public init(search: PocketSphinxDecoder.Search, modelDirectory: String, partials: Bool = true) throws {
        decoder = try PocketSphinxDecoder.checkOut(search: search, modelDirectory: modelDirectory)
        self.partials = partials
    }

    deinit { PocketSphinxDecoder.checkIn(decoder) }

    public func receive(_ frame: Frame, context: StageContext) throws {
        let decoder = self.decoder
        switch frame.payload {
        case .audio(let audio):
            let samples = try pcm(audio)
            guard decoder.inUtterance else { return remember(samples, audio.duration) }
            let partials = self.partials
            context.perform(for: frame.turn, {
                try decoder.process(samples)
                return partials ? decoder.hypothesis : ""
            }) { [self] result in
                switch result {
                case .failure(let error): context.fail(turn: frame.turn, reason: "\(error)")
                case .success(let hypothesis):
                    if !hypothesis.isEmpty && hypothesis != lastPartial {
                        lastPartial = hypothesis
                        context.emit(.text(TextChunk(hypothesis, isFinal: false)), turn: frame.turn)
                    }
                }
            }
        case .event(.speechStarted):
            guard !decoder.inUtterance else { return context.emit(frame) }
            let preroll = recent.map(\.samples)
            recent.removeAll()
            recentDuration = .zero
            context.perform(for: frame.turn, {
                try decoder.startUtterance()
                for chunk in preroll { try decoder.process(chunk) }
            }) { result in
                if case .failure(let error) = result { context.fail(turn: frame.turn, reason: "\(error)") }
                context.emit(frame)
            }
        case .event(.endOfTurn):
            context.perform(for: frame.turn, { try decoder.endUtterance() }) { [self] result in
                lastPartial = ""
                switch result {
                case .failure(let error): context.fail(turn: frame.turn, reason: "\(error)")
                case .success(let transcript):
                    context.mark(.sttFinal, turn: frame.turn)
                    context.recordTranscript(transcript, turn: frame.turn)
                    context.emit(.text(TextChunk(transcript, isFinal: true)), turn: frame.turn)
                }
                context.emit(frame)
            }
        default:
            context.emit(frame)
        }
    }

    private func remember(_ samples: [Int16], _ duration: Duration) {
        recent.append((samples, duration))
        recentDuration += duration
        while recentDuration > Self.preroll, recent.count > 1 {
            recentDuration -= recent.removeFirst().duration
        }
    }

    private func pcm(_ audio: AudioChunk) throws -> [Int16] {
        let mono = audio.mono
        guard mono.sampleRate != Self.decoderRate else { return mono.pcm16 }
        if resampler?.inputRate != mono.sampleRate { resampler = try Resampler(from: mono.sampleRate, to: Self.decoderRate) }
        return try resampler!.process(mono).pcm16
    }
}
