import NIOCore
import NIOWebSocket

/// Text messages out of WebSocket frames, as their UTF-8 bytes: a message split over continuation
/// frames is joined again. One per connection, confined to its event loop.
struct TextMessages {
    enum Step {
        case message(ByteBuffer)
        /// The frame began or continued a message still unfinished.
        case pending
        /// A continuation frame with no message begun: the peer broke the protocol.
        case stray
    }

    private var partial: ByteBuffer?

    /// What a `.text` or `.continuation` frame adds.
    mutating func add(_ frame: WebSocketFrame) -> Step {
        if frame.opcode == .text {
            if frame.fin { return .message(frame.unmaskedData) }
            partial = frame.unmaskedData
            return .pending
        }
        guard var p = partial else { return .stray }
        var piece = frame.unmaskedData
        p.writeBuffer(&piece)
        partial = frame.fin ? nil : p
        return frame.fin ? .message(p) : .pending
    }
}
