/// A named point in a turn's life, recorded by a stage through `StageContext.mark(_:turn:)`.
///
/// The breakdown of a turn is the chain of its marks in time order, starting at `user_end` and
/// ending at `agent_start`: each segment runs from the previous mark to this one, so the segments
/// always add up to the voice-to-voice latency, whatever order the stages reached them in.
public struct Mark: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }

    /// The last user-speech frame of the turn came out of the uplink.
    public static let uplink = Mark("uplink")
    /// The endpointer decided the turn is over.
    public static let endpoint = Mark("endpoint")
    public static let sttFinal = Mark("stt_final")
    public static let llmFirstToken = Mark("llm_first_token")
    /// The TTS had the first piece of text it speaks (a sentence or clause) and began on it: what
    /// the LLM took to stream that far is not the TTS's time.
    public static let llmFirstSentence = Mark("llm_first_sentence")
    public static let ttsFirstAudio = Mark("tts_first_audio")
    /// A full-duplex model emitted its first reply audio for the turn.
    public static let modelFirstAudio = Mark("model_first_audio")
    /// A whole agent behind a socket sent its first reply audio for the turn, as the caller got it:
    /// what came before it is the agent's own time and the wire's, what comes after is playout.
    public static let agentFirstAudio = Mark("agent_first_audio")
    /// The turn's first audible frame left the downlink (codec, network and jitter buffer behind it).
    public static let downlink = Mark("downlink")

    /// The marks of the built-in designs, in the order a cascade reaches them; report columns follow it.
    public static let known: [Mark] = [.uplink, .endpoint, .sttFinal, .llmFirstToken, .llmFirstSentence, .ttsFirstAudio,
                                       .modelFirstAudio, .agentFirstAudio, .downlink]

    public var description: String { name }
    public static func < (a: Mark, b: Mark) -> Bool { a.name < b.name }

    /// The latency from `userEnd` to `agentStart` cut at each mark, in time order (ties in `known`
    /// order); the last segment, named `playout`, runs from the last mark to `agentStart`. The
    /// segments add up to `agentStart − userEnd` exactly, and only the first can be negative: a
    /// mark after `agentStart` caused none of what was heard and cuts nothing. The one breakdown
    /// rule: the report cuts its rounded columns with it too.
    public static func breakdown(from userEnd: RunTime, to agentStart: RunTime, marks: [(Mark, RunTime)]) -> [(name: String, duration: Duration)] {
        let ordered = marks.filter { $0.1 <= agentStart }.sorted { ($0.1, known.firstIndex(of: $0.0) ?? .max) < ($1.1, known.firstIndex(of: $1.0) ?? .max) }
        var previous = userEnd
        var segments: [(name: String, duration: Duration)] = []
        for (mark, time) in ordered {
            segments.append((mark.name, time - previous))
            previous = time
        }
        segments.append(("playout", agentStart - previous))
        return segments
    }
}
