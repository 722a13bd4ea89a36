import EarshotCore

/// `llm-scripted`: a streaming LLM modelled from its time to first token and token rate, speaking
/// the scenario's expected reply. No language model runs here, so both cascades use it; what it
/// says is fixed by the scenario, when it says it comes from the distributions.
///
/// On a final transcript for a turn it waits a drawn time to first token, marks
/// `llm_first_token`, then streams the reply's tokens one drawn interval apart; the last carries
/// `isFinal`. Tokens are words with their leading space — English BPE tokenisers give about 1.3
/// tokens a word, so at a given tokens/s figure this streams words a little faster than the
/// service would. A turn with no expected reply (a backchannel) gets none.
///
/// A new final (the endpointer cut a turn early and it went on) restarts the reply: the stream in
/// flight stops and a `flush` tells the TTS to drop what it was saying. An `interruption` stops
/// the stream. Events are passed on.
public final class ScriptedLLM: Stage {
    public struct Configuration: Sendable {
        public var timeToFirstToken: DelayDistribution = .fixed(.milliseconds(350))
        public var tokenInterval: DelayDistribution = .fixed(.milliseconds(15))
        public init() {}
    }

    public let name = "llm-scripted"
    /// It streams the scenario's expected reply for each turn.
    public var readsScript: Bool { true }
    public let consumes: FrameKinds = [.text, .event]
    public let produces: FrameKinds = [.text, .event]
    public let configuration: Configuration
    private var generation = 0
    private var replied = false

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public func receive(_ frame: Frame, context: StageContext) {
        switch frame.payload {
        case .text(let chunk) where chunk.isFinal:
            reply(to: frame.turn, context: context)
        case .text:
            break
        case .event(let event):
            if event == .interruption { generation += 1 }
            context.emit(frame)
        default:
            context.emit(frame)
        }
    }

    private func reply(to turn: Int, context: StageContext) {
        generation += 1
        let current = generation
        if replied { context.emit(.event(.flush), turn: turn) }
        guard let text = context.script?.turn(turn)?.reply else { return }
        replied = true
        let tokens = Self.tokens(text)
        guard !tokens.isEmpty else { return }
        context.schedule(after: configuration.timeToFirstToken.sample(context.random)) { [self] in
            guard generation == current else { return }
            context.mark(.llmFirstToken, turn: turn)
            stream(tokens, from: 0, turn: turn, generation: current, context: context)
        }
    }

    private func stream(_ tokens: [String], from i: Int, turn: Int, generation current: Int, context: StageContext) {
        guard generation == current else { return }
        context.emit(.text(TextChunk(tokens[i], isFinal: i == tokens.count - 1)), turn: turn)
        guard i + 1 < tokens.count else { return }
        context.schedule(after: configuration.tokenInterval.sample(context.random)) { [self] in
            stream(tokens, from: i + 1, turn: turn, generation: current, context: context)
        }
    }

    /// Words, each after the first with its leading space, so the tokens concatenate back to the text.
    static func tokens(_ text: String) -> [String] {
        text.split(separator: " ", omittingEmptySubsequences: true).enumerated().map { i, word in
            i == 0 ? String(word) : " " + word
        }
    }
}
