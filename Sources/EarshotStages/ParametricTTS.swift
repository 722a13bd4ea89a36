import EarshotCore

/// `tts-parametric`: a streaming TTS service modelled from its time to first audio, speaking real
/// audio (the reply synthesised by `SpeechVoice`, made once per reply and not charged as time).
///
/// Tokens are aggregated as a cascade framework does before calling the TTS (Pipecat's default:
/// whole sentences). Once the first aggregate is complete it waits a drawn time to first audio,
/// marks `tts_first_audio` and streams the reply in `chunk`-long pieces, `speed` times faster than
/// real time (services send faster than playback; the downlink paces it). Audio runs ahead of
/// the text only as far as complete aggregates reach, by their share of the reply's characters.
/// Later aggregates pay no second wait, as on a streaming (WebSocket) TTS connection.
///
/// `interruption` or `flush` stops the reply at once; tokens for another turn start a new one.
/// Events pass on.
public final class ParametricTTS: Stage {
    public enum Aggregation: String, Sendable, CaseIterable {
        /// Up to `.`, `!` or `?`.
        case sentence
        /// Also up to `,`, `;` or `:`.
        case clause
        /// Every token as it comes.
        case token
    }

    public struct Configuration: Sendable {
        public var timeToFirstAudio: DelayDistribution = .fixed(.milliseconds(200))
        public var chunk: Duration = .milliseconds(40)
        public var speed = 2.0
        public var sampleRate = 24_000
        public var aggregation = Aggregation.sentence
        public var voice = SpeechVoice.espeak
        public init() {}
    }

    private struct Reply {
        var turn: Int
        var text: String
        var audio: AudioChunk?
        var received = ""
        var complete = false
        /// Characters of `received` that are in complete aggregates.
        var ready = 0
        var requested = false
        var streaming = false
        var position = 0
        var stalled = false
    }

    public let name = "tts-parametric"
    /// It speaks the scenario's expected reply for each turn.
    public var readsScript: Bool { true }
    public let consumes: FrameKinds = [.text, .event]
    public let produces: FrameKinds = [.audio, .event]
    public let configuration: Configuration
    private var reply: Reply?
    private var generation = 0

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Voices every scripted reply before the session's clock starts, so no voicing is ever inside
    /// a timed path (the voice caches per text, so `take` finds each one ready).
    public func started(context: StageContext) {
        for turn in context.script?.turns ?? [] {
            guard let text = turn.reply else { continue }
            prepared[turn.id] = try? configuration.voice.audio(text, sampleRate: configuration.sampleRate)
        }
    }

    /// The scripted replies' audio, by turn, voiced in `started`.
    private var prepared: [Int: AudioChunk] = [:]

    public func receive(_ frame: Frame, context: StageContext) throws {
        switch frame.payload {
        case .text(let token):
            try take(token, turn: frame.turn, context: context)
        case .event(let event):
            if event == .interruption || event == .flush { stop() }
            context.emit(frame)
        default:
            context.emit(frame)
        }
    }

    private func stop() {
        generation += 1
        reply = nil
    }

    private func take(_ token: TextChunk, turn: Int, context: StageContext) throws {
        if reply?.turn != turn || reply?.complete == true {
            stop()
            let expected = context.script?.turn(turn)?.reply
            reply = Reply(turn: turn, text: expected ?? "")
            if let expected { reply?.audio = try prepared[turn] ?? configuration.voice.audio(expected, sampleRate: configuration.sampleRate) }
        }
        guard var r = reply else { return }
        r.received += token.text
        r.complete = token.isFinal
        if r.complete {
            r.ready = r.received.count
            if r.audio == nil { r.text = r.received; r.audio = try configuration.voice.audio(r.received, sampleRate: configuration.sampleRate) }
        } else if ends(token.text) {
            r.ready = r.received.count
        }
        reply = r
        if r.ready > 0 && !r.requested {
            reply?.requested = true
            context.mark(.llmFirstSentence, turn: turn)
            let current = generation
            context.schedule(after: configuration.timeToFirstAudio.sample(context.random)) { [self] in
                guard generation == current else { return }
                reply?.streaming = true
                context.mark(.ttsFirstAudio, turn: turn)
                send(generation: current, context: context)
            }
        } else if r.stalled {
            reply?.stalled = false
            send(generation: generation, context: context)
        }
    }

    private func ends(_ token: String) -> Bool {
        let enders: Set<Character> = switch configuration.aggregation {
        case .sentence: [".", "!", "?"]
        case .clause: [".", "!", "?", ",", ";", ":"]
        case .token: []
        }
        guard configuration.aggregation != .token else { return true }
        return token.trimmingCharacters(in: [" ", "\"", "'", ")"]).last.map(enders.contains) ?? false
    }

    /// Emits the next chunk the text allows, and schedules the one after.
    private func send(generation current: Int, context: StageContext) {
        guard generation == current, var r = reply, r.streaming, let audio = r.audio else { return }
        let total = audio.samples.count
        let allowed = r.complete || r.text.isEmpty ? total : total * min(r.ready, r.text.count) / max(1, r.text.count)
        let perChunk = Int(configuration.chunk.nanoseconds * Int64(audio.sampleRate) / 1_000_000_000)
        let end = min(r.position + perChunk, allowed)
        guard end > r.position else {
            reply?.stalled = r.position < total
            if r.position >= total { reply = nil }
            return
        }
        let piece = AudioChunk(samples: Array(audio.samples[r.position..<end]), sampleRate: audio.sampleRate)
        r.position = end
        reply = r
        context.emit(.audio(piece), turn: r.turn)
        let pace = Duration.nanoseconds(Int64(Double(piece.duration.nanoseconds) / max(configuration.speed, 1e-3)))
        context.schedule(after: pace) { [self] in send(generation: current, context: context) }
    }
}

private extension String {
    func trimmingCharacters(in set: Set<Character>) -> Substring {
        var s = Substring(self)
        while let last = s.last, set.contains(last) { s.removeLast() }
        return s
    }
}
