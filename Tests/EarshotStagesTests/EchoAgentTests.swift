import EarshotCore
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing
@testable import EarshotWire

/// The callers benchmark's echo agent, on bare sockets, as our NIO client sees it: the upgrade's
/// accept key (which swift-nio's upgrader checks), echoes with the stream's id, the close.
struct EchoAgentTests {
    @Test func sha1MatchesItsPublishedVectors() {
        func hex(_ s: String) -> String { SHA1.digest(Array(s.utf8)).map { String(format: "%02x", $0) }.joined() }
        // FIPS 180-2 appendix A, and a message that needs a second block for its length.
        #expect(hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        // RFC 6455 §1.3: the server's accept key for the sample nonce.
        let accept = Data(SHA1.digest(Array("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11".utf8))).base64EncodedString()
        #expect(accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    /// What one call heard, in order.
    final class Heard: Sendable {
        let events = NIOLockedValueBox<[String]>([])
        let ended = NIOLockedValueBox<String??>(nil)
        func add(_ e: WebSocketClient.Event) {
            switch e {
            case .open: events.withLockedValue { $0.append("open") }
            case .text(let b): events.withLockedValue { $0.append(String(buffer: b)) }
            case .closed(let reason): ended.withLockedValue { $0 = .some(reason) }
            }
        }
        func wait(until done: ([String], String??) -> Bool) async throws {
            for _ in 0..<500 where !done(events.withLockedValue { $0 }, ended.withLockedValue { $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    @Test func mediaComesBackWithTheStreamsIdAndStopEndsTheCall() async throws {
        let agent = try EchoAgent()
        agent.start()
        defer { agent.stop() }
        let heard = Heard()
        let client = WebSocketClient(to: try WebSocketAddress(parsing: agent.url)) { heard.add($0) }
        try await heard.wait { events, _ in events.contains("open") }
        var twilio = TwilioCaller(call: 7)
        for text in twilio.opening() { client.send(text) }
        let samples = (0..<480).map { Float(sin(Double($0) / 9)) * 0.3 }
        for k in 0..<3 {
            var message = WebSocketMessage.buffer(capacity: 512)
            twilio.audio(samples[(k * 160)..<((k + 1) * 160)], into: &message)
            client.send(message)
        }
        try await heard.wait { events, _ in events.count >= 4 }
        let echoes = heard.events.withLockedValue { $0 }.dropFirst()
        #expect(echoes.count == 3)
        var sent = TwilioCaller(call: 7)
        _ = sent.opening()
        for (k, echo) in echoes.enumerated() {
            var message = WebSocketMessage.buffer(capacity: 512)
            sent.audio(samples[(k * 160)..<((k + 1) * 160)], into: &message)
            #expect(TwilioCaller.mediaPayload(ByteBuffer(string: echo)) == TwilioCaller.mediaPayload(message), "echo \(k)")
            #expect(echo.contains(#""streamSid":"\#(twilio.streamSid)""#))
        }
        for text in twilio.closing() { client.send(text) }
        try await heard.wait { _, ended in ended != nil }
        // The agent answered stop with a close frame (1000), as an agent hanging up does.
        #expect(heard.ended.withLockedValue { $0 } == .some("the agent closed the connection (code 1000)"))
    }

    @Test func aPathOtherThanTwiliosIsRefused() async throws {
        let agent = try EchoAgent()
        agent.start()
        defer { agent.stop() }
        let heard = Heard()
        _ = WebSocketClient(to: try WebSocketAddress(parsing: "ws://127.0.0.1:\(agent.port)/realtime")) { heard.add($0) }
        try await heard.wait { _, ended in ended != nil }
        #expect(heard.ended.withLockedValue { $0 } == .some("the WebSocket handshake was refused: HTTP 404 Not Found"))
    }
}
