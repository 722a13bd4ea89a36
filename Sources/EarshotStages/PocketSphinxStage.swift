import EarshotAudio
import EarshotCore

/// `stt-pocketsphinx`: CMU PocketSphinx recognising the user's audio as it streams in.
///
/// What it listens for is its `recognition`: a fixed search (the full language model, or a
/// grammar of phrases the user wrote), or a grammar of the scenario's own transcripts. The
/// latter is knowledge the user gives the recogniser, as a deployment gives one its domain
/// grammar: the stage then declares `readsPhrases` and gets the session's phrases (the turns'
/// `text:` as a sorted set, never which turn says what) when the session starts; a scenario with
/// no transcripts gets the full language model instead. Audio at another rate than the model's
/// 16 kHz is resampled to it (speexdsp): on 8 kHz telephone recordings that beats running the
/// model's front end at 8 kHz, whose filter bank then no longer matches the one it was trained
/// with (docs/input.md has the figures).
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
    public let recognition: Recognition
    public let modelDirectory: String
    public static let decoderRate = 16_000
    static let preroll: Duration = .milliseconds(100)

    /// Where the stage's search comes from.
    public enum Recognition: Sendable, Equatable {
        /// A search chosen by the stage's parameters: the language model, or a grammar.
        case fixed(PocketSphinxDecoder.Search)
        /// A grammar of the scenario's transcripts (`context.phrases`); the full language model
        /// for a scenario without any.
        case scenarioGrammar
    }

    /// The search in use: fixed, or chosen when the session started.
    public private(set) var search: PocketSphinxDecoder.Search?
    /// Words of the scenario's transcripts the dictionary lacks, left out of its grammar.
    public private(set) var leftOut: [String] = []
    public var readsPhrases: Bool { recognition == .scenarioGrammar }

    private var decoder: PocketSphinxDecoder?
    private var setupFailure: PocketSphinxError?
    private var resampler: Resampler?
    private var recent: [(samples: [Int16], duration: Duration)] = []
    private var recentDuration: Duration = .zero
    private var lastPartial = ""

    public init(search: PocketSphinxDecoder.Search, modelDirectory: String, partials: Bool = true) throws {
        decoder = try PocketSphinxDecoder.checkOut(search: search, modelDirectory: modelDirectory)
        recognition = .fixed(search)
        self.search = search
        self.modelDirectory = modelDirectory
        self.partials = partials
    }

    /// A stage whose grammar is the scenario's transcripts, loaded when its session starts; the
    /// model's files are checked now, so a missing one is a load-time error.
    public init(grammarFromScenarioWith modelDirectory: String, partials: Bool = true) throws {
        try PocketSphinxDecoder.checkModel(search: .languageModel, modelDirectory: modelDirectory)
        recognition = .scenarioGrammar
        self.modelDirectory = modelDirectory
        self.partials = partials
    }

    deinit { if let decoder { PocketSphinxDecoder.checkIn(decoder) } }

    /// Loads the scenario's grammar (before the session's clock starts). A failure fails each turn
    /// with the reason.
    public func started(context: StageContext) {
        guard decoder == nil else { return }
        do throws(PocketSphinxError) {
            let dictionary = try PronunciationDictionary.words(modelDirectory: modelDirectory)
            let chosen: PocketSphinxDecoder.Search
            if let built = RecognitionGrammar.build(phrases: context.phrases ?? [], dictionary: dictionary) {
                chosen = .grammar(built.jsgf)
                leftOut = built.leftOut
            } else {
                chosen = .languageModel
            }
            search = chosen
            decoder = try PocketSphinxDecoder.checkOut(search: chosen, modelDirectory: modelDirectory)
        } catch {
            setupFailure = error
        }
    }

    public func receive(_ frame: Frame, context: StageContext) throws {
        guard let decoder else {
            // No decoder: the session's grammar did not load. Each turn fails saying why.
            if case .audio = frame.payload { return }
            if frame.event == .endOfTurn {
                context.fail(turn: frame.turn, reason: "\(setupFailure ?? .initFailed("no decoder"))")
            }
            return context.emit(frame)
        }
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
