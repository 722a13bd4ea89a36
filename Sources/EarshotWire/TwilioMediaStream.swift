import EarshotCore
import NIOCore

/// Twilio Media Streams (bidirectional), as Twilio itself speaks it to an agent's WebSocket:
/// `connected`, `start` with the stream's ids and media format, `media` every 20 ms with base64
/// μ-law at 8 kHz, `mark` echoes, `stop`. The agent answers with `media`, `mark` and `clear`.
/// https://www.twilio.com/docs/voice/media-streams/websocket-messages
public struct TwilioCaller: CallerWire {
    public let streamSid: String
    public let callSid: String
    public let accountSid: String
    public let customParameters: [(String, String)]
    private var sequence = 0
    private var chunk = 0
    private var timestampMs = 0

    /// μ-law at 8 kHz, as the telephone network carries it.
    public static let lineRate = 8_000
    public var sampleRate: Int { Self.lineRate }
    public var samplesPerMessage: Int? { 160 }

    /// Ids are Twilio-shaped (two letters and 32 hex digits) and unique per `call`, so an agent
    /// that keys state on them keeps callers apart.
    public init(call: UInt64, customParameters: [(String, String)] = []) {
        func sid(_ prefix: String, _ salt: UInt64) -> String {
            let hex = String(call &* 0x9E37_79B9_7F4A_7C15 ^ salt, radix: 16)
            return prefix + String(repeating: "0", count: 32 - hex.count) + hex
        }
        streamSid = sid("MZ", 0x5a)
        callSid = sid("CA", 0xca)
        accountSid = sid("AC", 0xac)
        self.customParameters = customParameters
    }

    private mutating func next() -> Int {
        sequence += 1
        return sequence
    }

    public mutating func opening() -> [String] {
        let parameters = customParameters.map { "\($0.0.jsonQuoted):\($0.1.jsonQuoted)" }.joined(separator: ",")
        let n = next()
        return [
            #"{"event":"connected","protocol":"Call","version":"1.0.0"}"#,
            #"{"event":"start","sequenceNumber":"\#(n)","start":{"accountSid":"\#(accountSid)","streamSid":"\#(streamSid)","callSid":"\#(callSid)","tracks":["inbound"],"customParameters":{\#(parameters)},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"\#(streamSid)"}"#,
        ]
    }

    public mutating func audio(_ samples: ArraySlice<Float>, into message: inout ByteBuffer) {
        chunk += 1
        message.writeStaticString(#"{"event":"media","sequenceNumber":""#)
        message.writeString(String(next()))
        message.writeStaticString(#"","media":{"track":"inbound","chunk":""#)
        message.writeString(String(chunk))
        message.writeStaticString(#"","timestamp":""#)
        message.writeString(String(timestampMs))
        message.writeStaticString(#"","payload":""#)
        MuLaw.writeBase64(samples, into: &message)
        message.writeStaticString(#""},"streamSid":""#)
        message.writeString(streamSid)
        message.writeStaticString(#""}"#)
        timestampMs += samples.count / 8
    }

    public mutating func played(mark name: String) -> String? {
        #"{"event":"mark","sequenceNumber":"\#(next())","streamSid":"\#(streamSid)","mark":{"name":\#(name.jsonQuoted)}}"#
    }

    public mutating func cancelReply() -> String? { nil }

    public mutating func closing() -> [String] {
        [#"{"event":"stop","sequenceNumber":"\#(next())","stop":{"accountSid":"\#(accountSid)","callSid":"\#(callSid)"},"streamSid":"\#(streamSid)"}"#]
    }

    public static func read(_ message: ByteBuffer) throws(AgentMessage.Malformed) -> AgentMessage {
        // Fifty media messages a second per call: those are read without building a document.
        if let payload = mediaPayload(message) {
            guard let pcm = payload.withUnsafeReadableBytes({ WireAudio.decoded($0) { MuLaw.decode($0) } }) else {
                throw AgentMessage.Malformed("media.payload is not base64", in: String(buffer: message))
            }
            return .audio(pcm)
        }
        let text = String(buffer: message)
        let m = try JSONValue.message(text)
        guard let event = m["event"]?.string else { throw AgentMessage.Malformed("no \"event\"", in: text) }
        switch event {
        case "media":
            guard let payload = m["media", "payload"]?.string else { throw AgentMessage.Malformed("media without media.payload", in: text) }
            guard let bytes = WireAudio.bytes(base64: payload) else { throw AgentMessage.Malformed("media.payload is not base64", in: text) }
            return .audio(MuLaw.decode(bytes))
        case "mark":
            guard let name = m["mark", "name"]?.string else { throw AgentMessage.Malformed("mark without mark.name", in: text) }
            return .mark(name)
        case "clear":
            return .clear
        default:
            throw AgentMessage.Malformed("unknown event \(event.jsonQuoted); an agent sends media, mark or clear", in: text)
        }
    }
}

extension TwilioCaller {
    /// The payload of a media message in the shape agents send it — an object that opens with
    /// `"event":"media"`, has one `"payload"` key and no escapes — or nil, and the full parser reads it.
    public static func mediaPayload(_ message: ByteBuffer) -> ByteBuffer? {
        let found = message.withUnsafeReadableBytes { b -> Range<Int>? in
            func matches(_ word: StaticString, at i: Int) -> Bool {
                let n = word.utf8CodeUnitCount
                guard i + n <= b.count else { return false }
                for k in 0..<n where b[i + k] != word.utf8Start[k] { return false }
                return true
            }
            guard matches(#"{"event":"media""#, at: 0) || matches(#"{"event": "media""#, at: 0), b.last == UInt8(ascii: "}") else { return nil }
            var start: Int?
            var i = 0
            while i < b.count {
                switch b[i] {
                case UInt8(ascii: "\\"): return nil
                case UInt8(ascii: "\""):
                    guard matches(#""payload""#, at: i) else { break }
                    guard start == nil else { return nil }
                    var j = i + 9
                    while j < b.count, b[j] == UInt8(ascii: " ") || b[j] == UInt8(ascii: ":") { j += 1 }
                    guard j < b.count, b[j] == UInt8(ascii: "\"") else { return nil }
                    start = j + 1
                    i = j + 1
                    continue
                default: break
                }
                i += 1
            }
            guard let start, let end = b[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
            return start..<end
        }
        return found.flatMap { message.getSlice(at: message.readerIndex + $0.lowerBound, length: $0.count) }
    }
}

/// The agent's side of Twilio Media Streams, for agents the project runs itself (tests, benchmarks).
public enum TwilioAgent {
    public enum CallerMessage: Sendable, Equatable {
        case connected
        case start(streamSid: String)
        case media([Int16])
        case mark(String)
        case stop
    }

    public static func read(_ text: String) throws(AgentMessage.Malformed) -> CallerMessage {
        let m = try JSONValue.message(text)
        switch m["event"]?.string {
        case "connected": return .connected
        case "start":
            guard let sid = m["start", "streamSid"]?.string ?? m["streamSid"]?.string else { throw AgentMessage.Malformed("start without streamSid", in: text) }
            return .start(streamSid: sid)
        case "media":
            guard let p = m["media", "payload"]?.string, let bytes = WireAudio.bytes(base64: p) else { throw AgentMessage.Malformed("media without a base64 payload", in: text) }
            return .media(MuLaw.decode(bytes))
        case "mark":
            return .mark(m["mark", "name"]?.string ?? "")
        case "stop": return .stop
        default: throw AgentMessage.Malformed("unknown event", in: text)
        }
    }

    public static func media(_ pcm: ArraySlice<Int16>, streamSid: String) -> String {
        #"{"event":"media","streamSid":"\#(streamSid)","media":{"payload":"\#(WireAudio.base64Bytes(MuLaw.encode(pcm)))"}}"#
    }

    /// A media message carrying `payload` (base64 μ-law) as it is: an echo costs no decoding.
    public static func media(payload: ByteBuffer, streamSid: String, into message: inout ByteBuffer) {
        message.writeStaticString(#"{"event":"media","streamSid":""#)
        message.writeString(streamSid)
        message.writeStaticString(#"","media":{"payload":""#)
        message.writeImmutableBuffer(payload)
        message.writeStaticString(#""}}"#)
    }

    public static func mark(_ name: String, streamSid: String) -> String {
        #"{"event":"mark","streamSid":"\#(streamSid)","mark":{"name":\#(name.jsonQuoted)}}"#
    }

    public static func clear(streamSid: String) -> String {
        #"{"event":"clear","streamSid":"\#(streamSid)"}"#
    }
}
