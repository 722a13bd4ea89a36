import NIOCore
import Synchronization

/// Outgoing text messages, built where they are written.
public enum WebSocketMessage {
    /// Room for the longest frame header (2 bytes, 8 of length, 4 of mask) in front of the message:
    /// `WebSocketFraming` writes the header there instead of into a buffer and a write of its own.
    static let headroom = 14

    /// An empty buffer to write one message into, with room for its frame header in front.
    public static func buffer(capacity: Int) -> ByteBuffer {
        var b = ByteBufferAllocator().buffer(capacity: headroom + capacity)
        b.moveWriterIndex(forwardBy: headroom)
        b.moveReaderIndex(forwardBy: headroom)
        return b
    }

    /// `text` as one message's bytes.
    public static func text(_ text: String) -> ByteBuffer {
        var b = buffer(capacity: text.utf8.count)
        b.writeString(text)
        return b
    }
}

/// Masking keys for one connection's frames: a SplitMix64 stream seeded from the system's
/// generator when the connection opens. A key must be unpredictable to whatever sits on the path
/// (RFC 6455 §5.3), not secret; the system's generator costs a system call per frame.
final class MaskingKeys: Sendable {
    private let state: Atomic<UInt64>

    init() {
        var system = SystemRandomNumberGenerator()
        state = Atomic(system.next())
    }

    func next() -> UInt32 {
        var z = state.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return UInt32(truncatingIfNeeded: z)
    }
}
