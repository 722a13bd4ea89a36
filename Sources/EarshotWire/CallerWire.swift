import NIOCore

/// One agent protocol, spoken from the caller's side: what the caller says on the wire, and what
/// it makes of what the agent says back. Values, no I/O: the connector stage sends what these
/// return, and reads incoming text with `read` on the event loop, before it reaches the stage.
///
/// Audio goes both ways as bytes (fifty messages a second per call): the user's audio is written
/// straight into the message being sent, and an agent's audio is read straight out of the message
/// as it came off the socket. The rare messages are strings.
public protocol CallerWire: Sendable {
    /// The rate the protocol's audio runs at, both ways.
    var sampleRate: Int { get }
    /// Samples in one audio message the caller sends (Twilio: 20 ms; others: whatever comes).
    var samplesPerMessage: Int? { get }
    /// What the caller sends once connected, before any audio.
    mutating func opening() -> [String]
    /// One message of the user's audio at `sampleRate`, written onto `message`.
    mutating func audio(_ samples: ArraySlice<Float>, into message: inout ByteBuffer)
    /// The caller has played out up to the agent's mark `name` (Twilio); nil where the protocol has none.
    mutating func played(mark name: String) -> String?
    /// Asks the agent to stop the reply it is sending (OpenAI Realtime); nil where the protocol has none.
    mutating func cancelReply() -> String?
    /// What the caller sends before hanging up.
    mutating func closing() -> [String]
    /// One message from the agent, as UTF-8 text.
    static func read(_ message: ByteBuffer) throws(AgentMessage.Malformed) -> AgentMessage
}

/// What an agent said, in the terms the caller acts on.
public enum AgentMessage: Sendable, Equatable {
    /// Reply audio, 16-bit samples at the protocol's rate.
    case audio([Int16])
    /// Drop what is queued for playout (Twilio's barge-in `clear`).
    case clear
    /// Echo `name` once the audio before it has played (Twilio).
    case mark(String)
    /// The agent heard the user start speaking (a server-side VAD's event).
    case userSpeechStarted
    case replyStarted
    case replyEnded
    /// The agent reported an error.
    case error(String)
    /// Anything else the protocol allows, which the caller does not act on.
    case other

    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public var why: String
        /// The start of the offending message, for the failure reason.
        public var excerpt: String
        public init(_ why: String, in text: String) {
            self.why = why
            excerpt = text.count > 80 ? String(text.prefix(80)) + "…" : text
        }
        public var description: String { "malformed message from the agent (\(why)): \(excerpt)" }
    }
}

extension CallerWire {
    /// One message from the agent (`read` on bytes).
    public static func read(_ text: String) throws(AgentMessage.Malformed) -> AgentMessage { try read(ByteBuffer(string: text)) }
}

extension JSONValue {
    /// Parses an agent's message, as a `Malformed` naming what was wrong.
    static func message(_ text: String) throws(AgentMessage.Malformed) -> JSONValue {
        let v: JSONValue
        do { v = try JSONValue(parsing: text) } catch { throw AgentMessage.Malformed("\(error)", in: text) }
        guard case .object = v else { throw AgentMessage.Malformed("not a JSON object", in: text) }
        return v
    }
}
