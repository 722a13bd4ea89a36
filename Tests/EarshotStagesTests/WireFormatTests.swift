import EarshotCore
import EarshotWire
import Foundation
import NIOCore
import Testing

/// The agent protocols' messages, read and written without a socket.
struct WireFormatTests {
    @Test func muLawMatchesG711AtItsReferencePoints() {
        // ITU-T G.711: 0 encodes as 0xFF, full scale as 0x80/0x00; the table decodes 0xFF to 0.
        #expect(MuLaw.encode(Int16(0)) == 0xFF)
        #expect(MuLaw.encode(Int16.max) == 0x80)
        #expect(MuLaw.encode(Int16.min + 1) == 0x00)
        #expect(MuLaw.table[0xFF] == 0)
        #expect(MuLaw.table[0x80] == 32_124)
        #expect(MuLaw.table[0x00] == -32_124)
        // Companding error stays within half a step of the segment: under 1/16 of the value, plus the bias.
        for x in stride(from: -32_000, through: 32_000, by: 97) {
            let back = Int(MuLaw.table[Int(MuLaw.encode(Int16(x)))])
            #expect(abs(back - x) <= abs(x) / 16 + 8, "x \(x) came back \(back)")
        }
    }

    @Test func aTwilioMediaMessageReadsTheSameByEitherPath() throws {
        let pcm: [Int16] = (0..<160).map { Int16(8_000 * sin(Double($0) / 5)) }
        let fast = TwilioAgent.media(pcm[...], streamSid: "MZ1")
        let payload = WireAudio.base64Bytes(MuLaw.encode(pcm))
        // Event not first, spaces, escapes: only the full parser reads this one.
        let general = #"{"streamSid": "MZ\u0031", "extra": [1, 2.5e1, true, null], "event": "media", "media": {"payload": "\#(payload)"}}"#
        #expect(TwilioCaller.mediaPayload(ByteBuffer(string: fast)) == ByteBuffer(string: payload))
        #expect(TwilioCaller.mediaPayload(ByteBuffer(string: general)) == nil)
        #expect(try TwilioCaller.read(fast) == TwilioCaller.read(general))
        guard case .audio(let back) = try TwilioCaller.read(fast) else { Issue.record("not audio"); return }
        #expect(back == pcm.map { MuLaw.table[Int(MuLaw.encode($0))] })
    }

    @Test func base64AgreesWithFoundationBothWays() {
        var rng = SeededRandom(seed: 7)
        for n in [0, 1, 2, 3, 4, 5, 159, 160, 161, 480] {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let ours = WireAudio.base64Bytes(bytes)
            #expect(ours == Data(bytes).base64EncodedString(), "\(n) bytes")
            #expect(WireAudio.bytes(base64: ours) == bytes, "\(n) bytes back")
        }
        #expect(WireAudio.bytes(base64: "AAE") == [0, 1], "padding may be left off")
        for bad in ["A", "AB*D", "AAAA=A", "AA==="] { #expect(WireAudio.bytes(base64: bad) == nil, "\(bad)") }
    }

    @Test func theCallersAudioMessagesAreWhatAnAgentReads() throws {
        let samples: [Float] = (0..<160).map { 0.4 * sin(Float($0) / 3) }
        var twilio = TwilioCaller(call: 1)
        _ = twilio.opening()
        var message = ByteBuffer()
        twilio.audio(samples[...], into: &message)
        let sent = String(buffer: message)
        #expect(try TwilioAgent.read(sent) == .media(MuLaw.decode(MuLaw.encode(AudioChunk(samples: samples, sampleRate: 8_000).pcm16))))
        let fields = try JSONValue(parsing: sent)
        #expect(fields["sequenceNumber"]?.string == "2" && fields["media", "chunk"]?.string == "1" && fields["media", "timestamp"]?.string == "0")
        #expect(fields["streamSid"]?.string == twilio.streamSid)
        message.clear()
        twilio.audio(samples[...], into: &message)
        #expect(try JSONValue(parsing: String(buffer: message))["media", "timestamp"]?.string == "20")

        var realtime = RealtimeCaller(sampleRate: 24_000)
        message.clear()
        realtime.audio(samples[...], into: &message)
        #expect(try RealtimeAgent.read(String(buffer: message)) == .append(AudioChunk(samples: samples, sampleRate: 24_000).pcm16))
    }

    @Test func malformedAgentMessagesSayWhatWasWrong() {
        let cases: [(String, String)] = [
            ("{this is not json", "not JSON: expected a key in quotes at byte 1"),
            ("[1,2]", "not a JSON object"),
            (#"{"event":"dance"}"#, #"unknown event "dance"; an agent sends media, mark or clear"#),
            (#"{"event":"media","media":{}}"#, "media without media.payload"),
            (#"{"event":"media","media":{"payload":"***"}}"#, "media.payload is not base64"),
        ]
        for (text, why) in cases {
            #expect(throws: AgentMessage.Malformed(why, in: text)) { try TwilioCaller.read(text) }
        }
    }

    @Test func realtimeEventsOfBothEras() throws {
        let pcm: [Int16] = [0, 1, -1, 32_767, -32_768]
        #expect(try RealtimeCaller.read(RealtimeAgent.audioDelta(pcm, responseID: "r")) == .audio(pcm))
        let beta = #"{"type":"response.audio.delta","delta":"\#(WireAudio.base64(pcm))"}"#
        #expect(try RealtimeCaller.read(beta) == .audio(pcm))
        #expect(try RealtimeCaller.read(#"{"type":"input_audio_buffer.speech_started"}"#) == .userSpeechStarted)
        #expect(try RealtimeCaller.read(#"{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}"#) == .error("invalid_request_error: bad"))
        #expect(try RealtimeCaller.read(#"{"type":"error","error":{"code":"response_cancel_not_active"}}"#) == .other)
    }

    @Test func jsonStringsRoundTrip() throws {
        let s = "quote \" backslash \\ newline \n tab \t bell \u{7} é 漢"
        #expect(try JSONValue(parsing: s.jsonQuoted) == .string(s))
        #expect(try JSONValue(parsing: #"{"a":{"b":[1,"x"]}}"#)["a", "b"] == .array([.number(1), .string("x")]))
    }

    @Test(arguments: [
        ("ws://127.0.0.1:8765/ws", false, "127.0.0.1", 8765, "/ws"),
        ("wss://agent.example.com?token=x", true, "agent.example.com", 443, "/?token=x"),
        ("ws://[::1]:9000/a/b?c=d#frag", false, "::1", 9000, "/a/b?c=d"),
    ])
    func websocketAddresses(url: String, secure: Bool, host: String, port: Int, target: String) throws {
        let a = try WebSocketAddress(parsing: url)
        #expect(a.secure == secure && a.host == host && a.port == port && a.target == target)
        #expect(!a.description.contains("token"))
    }

    @Test func websocketAddressMistakes() {
        #expect(throws: InputError("url \"http://x\" is not a ws:// or wss:// URL")) { try WebSocketAddress(parsing: "http://x") }
        #expect(throws: InputError("url must not carry a user or password: put a token in headers, read from the environment")) {
            try WebSocketAddress(parsing: "wss://me:secret@host/ws")
        }
        #expect(throws: InputError("url \"ws://h:99999/\": port 99999 is out of range")) { try WebSocketAddress(parsing: "ws://h:99999/") }
    }
}
