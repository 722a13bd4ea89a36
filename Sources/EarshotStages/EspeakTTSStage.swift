import EarshotAudio
import EarshotCore

/// `tts-espeak`: espeak-ng speaking the reply as its tokens stream in.
///
/// Text gathers until a clause boundary (`, ; : . ! ?` followed by a space) or the reply's final
/// token; each complete clause is then synthesised, and every buffer espeak's callback delivers
/// is resampled to `sampleRate` and emitted at once, as a streaming TTS service sends chunks.
/// `tts_first_audio` is marked at the first chunk above the silence threshold (espeak starts
/// each clause with a little silence, which the listener does not hear as the agent starting).
///
/// An `interruption` stops the reply being spoken: pending text is dropped and its remaining
/// tokens are ignored until the next `endOfTurn` (or tokens of a later turn) starts a new one.
/// A `flush` drops the reply under way: the LLM is about to start another.
/// All events go on downstream, so playout hears of the interruption too.
///
/// Real compute, run as a blocking job (`context.perform`) off the executors: each buffer reaches
/// the stage when espeak delivered it, so the time is espeak's own, and frames for the stage wait
/// until the clause is spoken. espeak-ng is one instance per process behind one lock
/// (`EspeakSynthesizer`), so sessions running in parallel wait for each other there, as they
/// would for any single-instance engine, and the wait is part of what is measured.
public final class EspeakTTSStage: Stage {
    public let name = "tts-espeak"
    public let consumes: FrameKinds = [.text, .event]
    public let produces: FrameKinds = [.audio, .event]
    public let sampleRate: Int
    private let synthesizer: EspeakSynthesizer

    private var turn = 0
    private var pending = ""
    private var stopped = false
    /// The reply's first text went to the synthesizer (`llm_first_sentence` is marked).
    private var began = false
    private var heard = false
    private var resampler: Resampler?

    public init(sampleRate: Int = 16_000, synthesizer: EspeakSynthesizer = .shared) {
        precondition(sampleRate > 0, "sample rate must be positive")
        self.sampleRate = sampleRate
        self.synthesizer = synthesizer
    }

    public func receive(_ frame: Frame, context: StageContext) throws {
        switch frame.payload {
        case .text(let chunk):
            if frame.turn != turn { beginReply(turn: frame.turn) }
            guard !stopped else { return }
            pending += chunk.text
            if chunk.isFinal {
                let text = pending
                pending = ""
                try speak(text, last: true, context: context)
                stopped = true
            } else if let cut = Self.lastClauseBoundary(in: pending) {
                let text = String(pending[..<cut])
                pending = String(pending[cut...])
                try speak(text, last: false, context: context)
            }
        case .event(.interruption):
            pending = ""
            stopped = true
            resampler = nil
            context.emit(frame)
        case .event(.endOfTurn):
            // A reply still streaming for this turn goes on; a finished or stopped one gives way.
            if stopped || frame.turn != turn { beginReply(turn: frame.turn) }
            context.emit(frame)
        case .event(.flush):
            // The LLM is starting over (a second final for the turn): what it said so far is void.
            beginReply(turn: frame.turn)
            context.emit(frame)
        default:
            context.emit(frame)
        }
    }

    private func beginReply(turn: Int) {
        self.turn = turn
        pending = ""
        stopped = false
        began = false
        heard = false
        resampler = nil
    }

    /// What the synthesis job hands back: espeak's buffers as they come, then its end.
    private enum Spoken: Sendable {
        case audio(AudioChunk)
        case end(failure: String?)
    }

    private func speak(_ text: String, last: Bool, context: StageContext) throws {
        guard text.contains(where: { $0.isLetter || $0.isNumber }) else {
            if last { try finishReply(context: context) }
            return
        }
        if !began {
            began = true
            context.mark(.llmFirstSentence, turn: turn)
        }
        if resampler == nil { resampler = try Resampler(from: synthesizer.nativeSampleRate, to: sampleRate) }
        let resampler = resampler!
        let synthesizer = self.synthesizer
        let turn = self.turn
        var failed = false
        context.perform(for: turn, streaming: { (inbox: StageInbox<Spoken>) in
            do {
                try synthesizer.stream(text) { inbox.post(.audio($0)) }
                inbox.post(.end(failure: nil))
            } catch {
                inbox.post(.end(failure: "\(error)"))
            }
        }) { [self] spoken in
            do {
                switch spoken {
                case .audio(let chunk):
                    guard !failed else { return }
                    emit(try resampler.process(chunk), context: context)
                case .end(let failure):
                    if let failure {
                        failed = true
                        return context.fail(turn: turn, reason: failure)
                    }
                    if last && !failed { try finishReply(context: context) }
                }
            } catch {
                failed = true
                context.fail(turn: turn, reason: "\(error)")
            }
        }
    }

    /// Pushes out what the resampler still holds at the end of the reply.
    private func finishReply(context: StageContext) throws {
        guard let resampler else { return }
        emit(try resampler.flush(), context: context)
        self.resampler = nil
    }

    private func emit(_ audio: AudioChunk, context: StageContext) {
        guard audio.frameCount > 0 else { return }
        // Judged per 10 ms block, as playout judges it, so a loud tail on a quiet chunk counts.
        if !heard, (try? Self.meter.firstFrame(above: Level.defaultSilenceThresholdDBFS - 1e-9, in: audio)) != nil {
            heard = true
            context.mark(.ttsFirstAudio, turn: turn)
        }
        context.emit(.audio(audio), turn: turn)
    }

    private static let meter = LevelMeter(frameDuration: .milliseconds(10))

    /// Just past the last clause-ending punctuation that a space follows, if any.
    static func lastClauseBoundary(in text: String) -> String.Index? {
        var cut: String.Index?
        var previous: Character?
        for i in text.indices {
            let c = text[i]
            if let p = previous, c.isWhitespace, ",;:.!?".contains(p) { cut = i }
            previous = c
        }
        return cut
    }
}
