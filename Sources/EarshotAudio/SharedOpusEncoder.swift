import EarshotCore
import Synchronization

/// An Opus encoder that does not repeat work another encoder in the process has already done.
///
/// libopus is deterministic: the same configuration fed the same frames from a fresh state gives
/// the same packets. Every session of a run sends the same source audio, and many send the same
/// replies, so most encoding repeats itself. This encoder keys each packet by a 128-bit hash of
/// the configuration and of every frame (and reset) it has been fed, and looks it up in a
/// process-wide table before encoding. While its history matches one already encoded it encodes
/// nothing; at the first frame that differs it takes up a real encoder — from the last state
/// checkpoint on its path (one every `checkpointInterval` frames), replaying the few frames since —
/// and from then on encodes for real, adding what it makes to the table for those that follow.
/// The packets are bit for bit those of an `OpusEncoder` fed the same frames (a test holds that).
///
/// The table stops growing at `OpusPacketMemo.byteLimit`; past it, encoders that differ encode
/// for real without storing, so memory stays bounded whatever the run's size.
public final class SharedOpusEncoder {
    public let configuration: OpusEncoder.Configuration
    public let samplesPerFrame: Int
    public let lookaheadSamples: Int
    public var nextSequence = 0

    private enum Step {
        case frame([Float])
        case reset
    }

    /// A fresh real encoder, taken up at the first frame this encoder has not seen encoded before.
    private let real: OpusEncoder
    private var live = false
    private var key: OpusPacketMemo.Key
    private var index = 0
    /// While not live: the last checkpoint on this path and the steps taken since.
    private var checkpoint: OpusPacketMemo.Key?
    private var since: [Step] = []
    private let memo: OpusPacketMemo

    static let checkpointInterval = 50

    public init(_ configuration: OpusEncoder.Configuration, memo: OpusPacketMemo = .shared) throws(OpusError) {
        real = try OpusEncoder(configuration)
        self.configuration = configuration
        samplesPerFrame = real.samplesPerFrame
        lookaheadSamples = real.lookaheadSamples
        self.memo = memo
        key = OpusPacketMemo.Key(start: "\(configuration)")
    }

    /// Encodes exactly one frame, as `OpusEncoder.encode(_:)` does.
    public func encode(_ frame: AudioChunk) throws(OpusError) -> EncodedPacket {
        guard frame.sampleRate == configuration.sampleRate, frame.channels == configuration.channels,
              frame.samples.count == samplesPerFrame * configuration.channels
        else {
            throw .wrongFrame(expectedSamples: samplesPerFrame, expectedRate: configuration.sampleRate,
                              expectedChannels: configuration.channels, gotSamples: frame.frameCount,
                              gotRate: frame.sampleRate, gotChannels: frame.channels)
        }
        key = key.after(frame.samples)
        index += 1
        let payload: [UInt8]
        if !live, let hit = memo.lookup(key) {
            payload = hit.payload
            if hit.isCheckpoint {
                checkpoint = key
                since.removeAll()
            } else {
                since.append(.frame(frame.samples))
            }
        } else {
            if !live { try takeUp() }
            payload = try real.encode(frame).payload
            memo.store(key, payload: payload, snapshot: index % Self.checkpointInterval == 0 ? real.snapshot() : nil)
        }
        let packet = EncodedPacket(payload: payload, sequence: nextSequence, sampleCount: samplesPerFrame,
                                   sampleRate: configuration.sampleRate)
        nextSequence += 1
        return packet
    }

    /// Forgets the signal history, as `OpusEncoder.reset()` does.
    public func reset() throws(OpusError) {
        key = key.afterReset()
        index += 1
        if live { try real.reset() } else { since.append(.reset) }
    }

    /// Brings the real encoder to where this path stands: the checkpoint's state, then the steps since.
    private func takeUp() throws(OpusError) {
        if let checkpoint, let state = memo.snapshot(checkpoint) { real.restore(state) }
        for step in since {
            switch step {
            case .frame(let samples):
                _ = try samples.withUnsafeBufferPointer { (pcm) throws(OpusError) -> EncodedPacket in try real.encode(pcm) }
            case .reset:
                try real.reset()
            }
        }
        since.removeAll()
        live = true
    }
}

/// The process-wide table behind `SharedOpusEncoder`: packets by history key, and every
/// `checkpointInterval`-th step's encoder state.
public final class OpusPacketMemo: Sendable {
    public static let shared = OpusPacketMemo(byteLimit: 256 << 20)

    /// A 128-bit digest of a configuration and every step since a fresh state.
    struct Key: Hashable, Sendable {
        var a: UInt64
        var b: UInt64

        init(start: String) {
            var h1 = Hasher(), h2 = Hasher()
            h1.combine(1); h2.combine(2)
            h1.combine(start); h2.combine(start)
            a = UInt64(bitPattern: Int64(h1.finalize()))
            b = UInt64(bitPattern: Int64(h2.finalize()))
        }

        func after(_ samples: [Float]) -> Key {
            samples.withUnsafeBytes { bytes in
                var h1 = Hasher(), h2 = Hasher()
                h1.combine(a); h1.combine(b); h1.combine(1)
                h2.combine(b); h2.combine(a); h2.combine(2)
                h1.combine(bytes: bytes)
                h2.combine(bytes: bytes)
                return Key(a: UInt64(bitPattern: Int64(h1.finalize())), b: UInt64(bitPattern: Int64(h2.finalize())))
            }
        }

        func afterReset() -> Key {
            var h1 = Hasher(), h2 = Hasher()
            h1.combine(a); h1.combine(b); h1.combine("reset")
            h2.combine(b); h2.combine(a); h2.combine("reset")
            return Key(a: UInt64(bitPattern: Int64(h1.finalize())), b: UInt64(bitPattern: Int64(h2.finalize())))
        }

        private init(a: UInt64, b: UInt64) {
            self.a = a
            self.b = b
        }
    }

    private struct Entry {
        var payload: [UInt8]
        var snapshot: [UInt8]?
    }

    private struct Table {
        var entries: [Key: Entry] = [:]
        var bytes = 0
    }

    private let table = Mutex(Table())
    public let byteLimit: Int

    public init(byteLimit: Int) {
        self.byteLimit = byteLimit
    }

    func lookup(_ key: Key) -> (payload: [UInt8], isCheckpoint: Bool)? {
        table.withLock { t in t.entries[key].map { ($0.payload, $0.snapshot != nil) } }
    }

    func snapshot(_ key: Key) -> [UInt8]? {
        table.withLock { $0.entries[key]?.snapshot }
    }

    func store(_ key: Key, payload: [UInt8], snapshot: [UInt8]?) {
        // What an entry really costs beside its bytes: two array headers and the dictionary's slot,
        // with the allocator's rounding. Measured: 50 real-time sessions grew resident memory by
        // about 1.85 × (bytes + 64) while the table filled, so 192 keeps the cap a cap on memory.
        let size = payload.count + (snapshot?.count ?? 0) + 192
        table.withLock { t in
            guard t.bytes + size <= byteLimit, t.entries[key] == nil else { return }
            t.entries[key] = Entry(payload: payload, snapshot: snapshot)
            t.bytes += size
        }
    }

    /// How many packets the table holds, and their bytes with the checkpoints'.
    public var size: (packets: Int, bytes: Int) {
        table.withLock { ($0.entries.count, $0.bytes) }
    }

    /// Empties the table (tests compare encoding with and without what earlier runs left).
    public func removeAll() {
        table.withLock { $0 = Table() }
    }
}
