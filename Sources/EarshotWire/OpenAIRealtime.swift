import EarshotCore
import NIOCore

/// The OpenAI Realtime API over WebSocket, as a client speaks it: `session.update` asking for
/// 16-bit PCM both ways and server-side turn detection, the user's audio as
/// `input_audio_buffer.append`, the reply as audio deltas between `response.created` and
/// `response.done`. Both the GA event names (`response.output_audio.delta`) and the beta ones
/// (`response.audio.delta`) are read, as servers implementing the protocol use either.
/// https://platform.openai.com/docs/api-reference/realtime
public struct RealtimeCaller: CallerWire {
    public let sampleRate: Int
    /// The `session` object sent in `session.update`, as JSON.
    public let session: String

    public var samplesPerMessage: Int? { nil }

    /// GA shape: PCM at `sampleRate` both ways, server VAD with its defaults.
    public static func defaultSession(sampleRate: Int) -> String {
        #"{"type":"realtime","output_modalities":["audio"],"audio":{"input":{"format":{"type":"audio/pcm","rate":\#(sampleRate)},"turn_detection":{"type":"server_vad"}},"output":{"format":{"type":"audio/pcm","rate":\#(sampleRate)}}}}"#
    }

    public init(sampleRate: Int = 24_000, session: String? = nil) {
        self.sampleRate = sampleRate
        self.session = session ?? Self.defaultSession(sampleRate: sampleRate)
    }

    public mutating func opening() -> [String] { [#"{"type":"session.update","session":\#(session)}"#] }

    public mutating func audio(_ samples: ArraySlice<Float>, into message: inout ByteBuffer) {
        message.writeStaticString(#"{"type":"input_audio_buffer.append","audio":""#)
        WireAudio.writeBase64(pcm16: samples.lazy.map(AudioChunk.pcm16), into: &message)
        message.writeStaticString(#""}"#)
    }

    public mutating func played(mark name: String) -> String? { nil }

    public mutating func cancelReply() -> String? { #"{"type":"response.cancel"}"# }

    public mutating func closing() -> [String] { [] }

    public static func read(_ message: ByteBuffer) throws(AgentMessage.Malformed) -> AgentMessage {
        let text = String(buffer: message)
        let m = try JSONValue.message(text)
        guard let type = m["type"]?.string else { throw AgentMessage.Malformed("no \"type\"", in: text) }
        switch type {
        case "response.output_audio.delta", "response.audio.delta":
            guard let delta = m["delta"]?.string else { throw AgentMessage.Malformed("\(type) without delta", in: text) }
            guard let pcm = WireAudio.samples(base64: delta) else { throw AgentMessage.Malformed("delta is not base64 of 16-bit samples", in: text) }
            return .audio(pcm)
        case "input_audio_buffer.speech_started": return .userSpeechStarted
        case "response.created": return .replyStarted
        case "response.done": return .replyEnded
        case "error":
            let e = m["error"]
            // Cancelling a reply that had just ended is a race the protocol allows, not a failure.
            if e?["code"]?.string == "response_cancel_not_active" { return .other }
            return .error([e?["type"]?.string, e?["code"]?.string, e?["message"]?.string].compactMap { $0 }.joined(separator: ": "))
        default:
            return .other
        }
    }
}

/// The server's side of the Realtime protocol, for agents the project runs itself.
public enum RealtimeAgent {
    public enum ClientMessage: Sendable, Equatable {
        case sessionUpdate
        case append([Int16])
        case cancel
        case other(String)
    }

    public static func read(_ text: String) throws(AgentMessage.Malformed) -> ClientMessage {
        let m = try JSONValue.message(text)
        switch m["type"]?.string {
        case "session.update": return .sessionUpdate
        case "input_audio_buffer.append":
            guard let a = m["audio"]?.string, let pcm = WireAudio.samples(base64: a) else { throw AgentMessage.Malformed("append without base64 audio", in: text) }
            return .append(pcm)
        case "response.cancel": return .cancel
        case let t?: return .other(t)
        case nil: throw AgentMessage.Malformed("no \"type\"", in: text)
        }
    }

    public static func event(_ type: String, _ fields: String = "") -> String {
        #"{"type":"\#(type)"\#(fields.isEmpty ? "" : ",")\#(fields)}"#
    }

    public static func audioDelta(_ pcm: some Collection<Int16>, responseID: String) -> String {
        event("response.output_audio.delta", #""response_id":"\#(responseID)","delta":"\#(WireAudio.base64(pcm))""#)
    }
}
