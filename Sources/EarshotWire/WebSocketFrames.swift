import NIOCore

/// RFC 6455 framing, for both ends of a connection once the upgrade is done.
///
/// Fifty messages a second per call go each way, so a message is framed in the buffer it was
/// written into: the header goes in the room `WebSocketMessage.buffer` leaves at its front, a
/// client's mask is applied eight bytes at a time, and the message reaches the socket as one
/// write. Incoming frames are read straight out of the bytes as they came off the socket. No
/// frame values, no handler between this and the socket. NIOWebSocket still does the HTTP
/// upgrade and checks its keys (`WebSocketUpgraders.swift`).
enum WebSocketOpcode: UInt8 {
    case continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA
}

enum WebSocketFraming {
    /// Longest message either end accepts: far more than any agent protocol's audio message.
    static let maxMessage = 1 << 24

    /// Frames `message` in place (its readable bytes are the payload), one final frame, masked
    /// with `mask` when given: every frame a client sends is masked (§5.3).
    static func frame(_ message: inout ByteBuffer, opcode: WebSocketOpcode, mask: UInt32?) {
        let length = message.readableBytes
        let lengthBytes = length < 126 ? 0 : length <= 0xFFFF ? 2 : 8
        let headerSize = 2 + lengthBytes + (mask == nil ? 0 : 4)
        if message.readerIndex < headerSize {
            // No room in front (a buffer not from `WebSocketMessage.buffer`): one of its own.
            var framed = ByteBufferAllocator().buffer(capacity: headerSize + length)
            framed.moveWriterIndex(forwardBy: headerSize)
            framed.moveReaderIndex(forwardBy: headerSize)
            framed.writeBuffer(&message)
            message = framed
        }
        if let mask { apply(mask, to: &message) }
        var at = message.readerIndex - headerSize
        message.moveReaderIndex(to: at)
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        at += message.setInteger(0x80 | opcode.rawValue, at: at)
        switch lengthBytes {
        case 0:
            at += message.setInteger(UInt8(length) | maskBit, at: at)
        case 2:
            at += message.setInteger(126 | maskBit, at: at)
            at += message.setInteger(UInt16(length), at: at)
        default:
            at += message.setInteger(127 | maskBit, at: at)
            at += message.setInteger(UInt64(length), at: at)
        }
        // The key's bytes go on the wire in the order `apply` uses them.
        if let mask { message.setInteger(mask, at: at, endianness: .little) }
    }

    /// A close frame's body: the status code (RFC 6455 §7.4: 1000 normal, 1011 a server error).
    static func closing(code: UInt16) -> ByteBuffer {
        var body = WebSocketMessage.buffer(capacity: 2)
        body.writeInteger(code)
        return body
    }

    /// XORs the readable bytes with `mask` (its little-endian bytes, repeating), eight at a time.
    static func apply(_ mask: UInt32, to buffer: inout ByteBuffer) {
        var pattern = UInt64(mask.littleEndian)
        pattern |= pattern << 32
        let patternBytes = withUnsafeBytes(of: pattern) { ($0[0], $0[1], $0[2], $0[3]) }
        buffer.withUnsafeMutableReadableBytes { bytes in
            let n = bytes.count
            var i = 0
            while i + 8 <= n {
                let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                bytes.storeBytes(of: word ^ pattern, toByteOffset: i, as: UInt64.self)
                i += 8
            }
            // i is a multiple of 8 here, so the tail starts on the key's first byte.
            var k = 0
            while i < n {
                bytes[i] ^= k == 0 ? patternBytes.0 : k == 1 ? patternBytes.1 : k == 2 ? patternBytes.2 : patternBytes.3
                i += 1
                k = (k + 1) & 3
            }
        }
    }
}

/// Whole messages and control frames out of a connection's bytes, read as they arrive in any
/// pieces. One per connection, confined to its event loop.
struct WebSocketFrameReader {
    enum Event: Equatable {
        /// A whole text message, as its UTF-8 bytes, unmasked.
        case text(ByteBuffer)
        case binary
        case ping(ByteBuffer)
        case pong
        /// The far end's close frame: its status code when it gave one, and its reason.
        case close(code: UInt16?, reason: String)
    }

    struct ProtocolError: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// Bytes short of a whole frame, kept for the next read.
    private var pending: ByteBuffer?
    /// A message sent in pieces, so far; and whether it is text.
    private var partial: ByteBuffer?
    private var partialIsText = false

    /// Reads what `bytes` completes, handing each message or control frame to `handle` in order.
    mutating func read(_ bytes: ByteBuffer, _ handle: (Event) -> Void) throws(ProtocolError) {
        var buffer: ByteBuffer
        if var kept = pending {
            pending = nil   // first, so `kept` is the only reference and grows in place
            var more = bytes
            kept.writeBuffer(&more)
            buffer = kept
        } else {
            buffer = bytes
        }
        while let event = try nextFrame(&buffer) {
            if let event { handle(event) }
        }
        if buffer.readableBytes > 0 {
            buffer.discardReadBytes()
            pending = buffer
        }
    }

    /// The next frame's event: nil when `buffer` does not yet hold a whole frame, `.some(nil)`
    /// for a frame that only continues a message.
    private mutating func nextFrame(_ buffer: inout ByteBuffer) throws(ProtocolError) -> Event?? {
        guard let b0 = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
              let b1 = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) else { return nil }
        let fin = b0 & 0x80 != 0
        guard b0 & 0x70 == 0 else { throw ProtocolError(description: "a frame with reserved bits set, where no extension was agreed") }
        guard let opcode = WebSocketOpcode(rawValue: b0 & 0x0F) else { throw ProtocolError(description: "a frame with unknown opcode \(b0 & 0x0F)") }
        let masked = b1 & 0x80 != 0
        var header = 2
        var length: Int
        switch b1 & 0x7F {
        case 126:
            guard let n = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self) else { return nil }
            header += 2
            length = Int(n)
        case 127:
            guard let n = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt64.self) else { return nil }
            header += 8
            guard n <= UInt64(WebSocketFraming.maxMessage) else { throw Self.tooLong(n) }
            length = Int(n)
        case let n:
            length = Int(n)
        }
        guard length <= WebSocketFraming.maxMessage else { throw Self.tooLong(UInt64(length)) }
        let mask = masked ? buffer.getInteger(at: buffer.readerIndex + header, endianness: .little, as: UInt32.self) : nil
        if masked {
            guard mask != nil else { return nil }
            header += 4
        }
        guard buffer.readableBytes >= header + length else { return nil }
        buffer.moveReaderIndex(forwardBy: header)
        var payload = buffer.readSlice(length: length)!
        if let mask { WebSocketFraming.apply(mask, to: &payload) }

        switch opcode {
        case .text, .binary:
            guard partial == nil else { throw ProtocolError(description: "a new message began before the last one ended") }
            if fin { return .some(opcode == .text ? .text(payload) : .binary) }
            partial = payload
            partialIsText = opcode == .text
            return .some(nil)
        case .continuation:
            guard var message = partial else { throw ProtocolError(description: "a continuation frame with no message begun") }
            guard message.readableBytes + length <= WebSocketFraming.maxMessage else {
                throw Self.tooLong(UInt64(message.readableBytes + length))
            }
            message.writeBuffer(&payload)
            guard fin else {
                partial = message
                return .some(nil)
            }
            partial = nil
            return .some(partialIsText ? .text(message) : .binary)
        case .close, .ping, .pong:
            guard fin, length <= 125 else { throw ProtocolError(description: "a control frame in pieces or longer than 125 bytes") }
            switch opcode {
            case .ping: return .some(.ping(payload))
            case .pong: return .some(.pong)
            default:
                let code = payload.readInteger(as: UInt16.self)
                return .some(.close(code: code, reason: payload.readString(length: payload.readableBytes) ?? ""))
            }
        }
    }

    private static func tooLong(_ n: UInt64) -> ProtocolError {
        ProtocolError(description: "a message of \(n) bytes, more than the \(WebSocketFraming.maxMessage >> 20) MiB limit")
    }
}

/// One connection's frames after the upgrade, at either end. It answers pings itself and hands
/// on the rest; a frame that breaks the protocol closes the connection.
final class WebSocketFrameHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Incoming {
        case text(ByteBuffer)
        case binary
        case close(code: UInt16?, reason: String)
        /// The far end broke the protocol (what it did); the connection is closing.
        case brokeProtocol(String)
        /// The connection failed (the error); it is closing.
        case failed(String)
        /// The connection has closed, whoever closed it: the last event.
        case ended
    }

    private var reader = WebSocketFrameReader()
    private let masks: MaskingKeys?
    private let onEvent: (Incoming) -> Void

    /// `masks`: the keys a client masks its frames with; nil at the server's end.
    init(masks: MaskingKeys?, onEvent: @escaping (Incoming) -> Void) {
        self.masks = masks
        self.onEvent = onEvent
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do throws(WebSocketFrameReader.ProtocolError) {
            try reader.read(unwrapInboundIn(data)) { event in
                switch event {
                case .text(let bytes): onEvent(.text(bytes))
                case .binary: onEvent(.binary)
                case .close(let code, let reason): onEvent(.close(code: code, reason: reason))
                case .ping(let payload): context.channel.sendWebSocket(payload, opcode: .pong, mask: masks?.next())
                case .pong: break
                }
            }
        } catch {
            onEvent(.brokeProtocol("\(error)"))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        onEvent(.failed("\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        onEvent(.ended)
        context.fireChannelInactive()
    }
}

extension Channel {
    /// Frames `message` in place and writes it, from any thread.
    func sendWebSocket(_ message: consuming ByteBuffer, opcode: WebSocketOpcode = .text, mask: UInt32?) {
        var framed = message
        WebSocketFraming.frame(&framed, opcode: opcode, mask: mask)
        writeAndFlush(framed, promise: nil)
    }

    /// Sends a close frame with `code`, then closes.
    func closeWebSocket(code: UInt16, mask: UInt32?) {
        var framed = WebSocketFraming.closing(code: code)
        WebSocketFraming.frame(&framed, opcode: .close, mask: mask)
        let ch = self
        writeAndFlush(framed).whenComplete { _ in ch.close(promise: nil) }
    }
}
