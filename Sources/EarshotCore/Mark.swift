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
    public static let ttsFirstAudio = Mark("tts_first_audio")
    /// A full-duplex model emitted its first reply audio for the turn.
    public static let modelFirstAudio = Mark("model_first_audio")

    /// The marks of the built-in designs, in the order a cascade reaches them; report columns follow it.
    public static let known: [Mark] = [.uplink, .endpoint, .sttFinal, .llmFirstToken, .ttsFirstAudio, .modelFirstAudio]

    public var description: String { name }
    public static func < (a: Mark, b: Mark) -> Bool { a.name < b.name }
}
