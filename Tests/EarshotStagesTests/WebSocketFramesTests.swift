import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing
@testable import EarshotWire

/// Our WebSocket framing against swift-nio's codec as the reference, both ways: every length
/// boundary of RFC 6455 §5.2, masked and not, in whole reads and in pieces.
struct WebSocketFramesTests {
    /// Payload lengths either side of each header form: 7-bit, 16-bit and 64-bit lengths.
    static let lengths = [0, 1, 7, 8, 9, 125, 126, 127, 1_000, 65_535, 65_536, 70_001]

    static func payload(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    @Test(arguments: [false, true])
    func ourFramesAreReadByNIOsDecoder(masked: Bool) throws {
        for n in Self.lengths {
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
            // One message written where `WebSocketMessage.buffer` leaves room; one with none in front.
            for roomInFront in [true, false] {
                var message = roomInFront ? WebSocketMessage.buffer(capacity: n) : ByteBuffer()
                message.writeBytes(Self.payload(n))
                WebSocketFraming.frame(&message, opcode: .text, mask: masked ? 0xA1B2_C3D4 : nil)
                try channel.writeInbound(message)
                let frame = try #require(try channel.readInbound(as: WebSocketFrame.self))
                #expect(frame.fin && frame.opcode == .text, "length \(n)")
                #expect((frame.maskKey != nil) == masked, "length \(n)")
                #expect(Array(buffer: frame.unmaskedData) == Self.payload(n), "length \(n), room in front \(roomInFront)")
            }
            _ = try channel.finish()
        }
    }

    @Test(arguments: [1, 3, 7, 1 << 20])
    func nioFramesAreReadByOurReaderInAnyPieces(pieceSize: Int) throws {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        for (i, n) in Self.lengths.enumerated() {
            let key: WebSocketMaskingKey? = i % 2 == 0 ? [0x12, 0x34, 0x56, 0x78] : nil
            try channel.writeOutbound(WebSocketFrame(fin: true, opcode: .text, maskKey: key, data: ByteBuffer(bytes: Self.payload(n))))
        }
        var wire = ByteBuffer()
        while var piece = try channel.readOutbound(as: ByteBuffer.self) { wire.writeBuffer(&piece) }
        var reader = WebSocketFrameReader()
        var texts: [[UInt8]] = []
        while wire.readableBytes > 0 {
            let piece = wire.readSlice(length: min(pieceSize, wire.readableBytes))!
            try reader.read(piece) { event in
                if case .text(let bytes) = event { texts.append(Array(buffer: bytes)) }
            }
        }
        #expect(texts == Self.lengths.map(Self.payload))
    }

    @Test func aMessageInPiecesIsJoinedWithAPingBetween() throws {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        let key: WebSocketMaskingKey = [9, 8, 7, 6]
        try channel.writeOutbound(WebSocketFrame(fin: false, opcode: .text, maskKey: key, data: ByteBuffer(string: "{\"event\":")))
        try channel.writeOutbound(WebSocketFrame(fin: true, opcode: .ping, maskKey: key, data: ByteBuffer(string: "hi")))
        try channel.writeOutbound(WebSocketFrame(fin: false, opcode: .continuation, maskKey: key, data: ByteBuffer(string: "\"media\"")))
        try channel.writeOutbound(WebSocketFrame(fin: true, opcode: .continuation, maskKey: key, data: ByteBuffer(string: "}")))
        var close = ByteBuffer()
        close.write(webSocketErrorCode: .unexpectedServerError)
        close.writeString("gone")
        try channel.writeOutbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: close))
        var wire = ByteBuffer()
        while var piece = try channel.readOutbound(as: ByteBuffer.self) { wire.writeBuffer(&piece) }
        var reader = WebSocketFrameReader()
        var events: [WebSocketFrameReader.Event] = []
        try reader.read(wire) { events.append($0) }
        #expect(events == [.ping(ByteBuffer(string: "hi")), .text(ByteBuffer(string: #"{"event":"media"}"#)), .close(code: 1011, reason: "gone")])
    }

    @Test(arguments: [
        ([0x80, 0x01, 0x41], "a continuation frame with no message begun"),
        ([0xC1, 0x01, 0x41], "a frame with reserved bits set, where no extension was agreed"),
        ([0x83, 0x00], "a frame with unknown opcode 3"),
        ([0x09, 0x00], "a control frame in pieces or longer than 125 bytes"),
        ([0x81, 0x7F, 0, 0, 0, 0, 0x10, 0, 0, 0], "a message of 268435456 bytes, more than the 16 MiB limit"),
        ([0x01, 0x01, 0x41, 0x81, 0x01, 0x42], "a new message began before the last one ended"),
    ] as [([UInt8], String)])
    func framesThatBreakTheProtocolAreNamed(bytes: [UInt8], why: String) {
        var reader = WebSocketFrameReader()
        #expect(throws: WebSocketFrameReader.ProtocolError(description: why)) {
            try reader.read(ByteBuffer(bytes: bytes)) { _ in }
        }
    }

    @Test func maskingEightBytesAtATimeMatchesTheRFCsBytewiseRule() {
        let key: UInt32 = 0xDEAD_BEEF
        let keyBytes = withUnsafeBytes(of: key.littleEndian) { Array($0) }
        for n in 0...40 {
            var buffer = ByteBuffer(bytes: Self.payload(n))
            WebSocketFraming.apply(key, to: &buffer)
            // §5.3: octet i of the payload is XORed with octet i mod 4 of the key.
            let expected = Self.payload(n).enumerated().map { $0.element ^ keyBytes[$0.offset % 4] }
            #expect(Array(buffer: buffer) == expected, "length \(n)")
        }
    }
}
