internal import COpus
import EarshotCore

/// An Opus encoder: one fixed frame size in, one `EncodedPacket` out per frame.
///
/// Opus delays its output by a look-ahead (6.5 ms in VoIP and audio modes), so the first
/// `lookaheadSamples` of decoded audio are lead-in, and a frame's sound leaves the decoder
/// `algorithmicDelay` after its first sample went in. A transport model charges that delay once
/// per leg.
///
/// Not thread-safe: one instance belongs to one stream.
public final class OpusEncoder {
    public struct Configuration: Sendable, Equatable {
        /// 8000, 12000, 16000, 24000 or 48000 Hz.
        public var sampleRate: Int
        /// 1 or 2.
        public var channels: Int
        /// 2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms.
        public var frameDuration: Duration
        /// Bits per second (500...512000); nil lets Opus pick from rate and channels.
        public var bitrate: Int?
        /// 0 (cheapest) ... 10 (best).
        public var complexity: Int
        public var variableBitrate: Bool
        /// In-band forward error correction: each packet also carries a coarse copy of the
        /// previous one, which `OpusDecoder.decodeFEC(next:)` uses when that one is lost. Opus
        /// adds it only while `expectedPacketLossPercent` is above zero.
        public var inbandFEC: Bool
        /// 0...100: tells the encoder how much redundancy is worth its bits.
        public var expectedPacketLossPercent: Int
        public var application: OpusApplication

        public init(sampleRate: Int = 48_000, channels: Int = 1, frameDuration: Duration = .milliseconds(20),
                    bitrate: Int? = 32_000, complexity: Int = 10, variableBitrate: Bool = true,
                    inbandFEC: Bool = false, expectedPacketLossPercent: Int = 0,
                    application: OpusApplication = .voip) {
            self.sampleRate = sampleRate
            self.channels = channels
            self.frameDuration = frameDuration
            self.bitrate = bitrate
            self.complexity = complexity
            self.variableBitrate = variableBitrate
            self.inbandFEC = inbandFEC
            self.expectedPacketLossPercent = expectedPacketLossPercent
            self.application = application
        }
    }

    public let configuration: Configuration
    /// Samples per channel in one frame.
    public let samplesPerFrame: Int
    /// Samples per channel (at `sampleRate`) by which decoded audio lags the input.
    public let lookaheadSamples: Int
    /// Sequence number the next packet gets; starts at 0.
    public var nextSequence = 0

    public var sampleRate: Int { configuration.sampleRate }
    public var channels: Int { configuration.channels }
    public var frameDuration: Duration { configuration.frameDuration }
    public var lookahead: Duration { Duration(samples: lookaheadSamples, sampleRate: sampleRate) }
    /// Frame plus look-ahead: how long after a frame's first sample enters the encoder its sound
    /// can come out of the decoder, before any network or compute time (26.5 ms at 20 ms frames).
    public var algorithmicDelay: Duration { frameDuration + lookahead }

    private let state: OpaquePointer
    private var packetBuffer: [UInt8]

    /// The largest packet one call can produce: 120 ms at the top bitrate, plus framing.
    private static let maxPacketBytes = 6 * 1275 + 12

    public init(_ configuration: Configuration = Configuration()) throws(OpusError) {
        let c = configuration
        guard OpusError.supportedSampleRates.contains(c.sampleRate) else { throw .unsupportedSampleRate(c.sampleRate) }
        guard c.channels == 1 || c.channels == 2 else { throw .unsupportedChannelCount(c.channels) }
        guard let samples = OpusEncoder.samplesPerFrame(c.frameDuration, sampleRate: c.sampleRate) else {
            throw .unsupportedFrameDuration(c.frameDuration)
        }
        guard (0...10).contains(c.complexity) else { throw .invalidSetting("Opus complexity must be 0...10, got \(c.complexity)") }
        guard (0...100).contains(c.expectedPacketLossPercent) else {
            throw .invalidSetting("expected packet loss must be 0...100 %, got \(c.expectedPacketLossPercent)")
        }
        if let bitrate = c.bitrate, !(500...512_000).contains(bitrate) {
            throw .invalidSetting("Opus bitrate must be 500...512000 bit/s, got \(bitrate)")
        }

        var error: Int32 = 0
        guard let state = opus_encoder_create(Int32(c.sampleRate), Int32(c.channels), c.application.opusValue, &error),
              error == OPUS_OK
        else { throw OpusError.library(error, "opus_encoder_create") }
        // From here a throw must not leak the state.
        do throws(OpusError) {
            try OpusError.check(earshot_opus_encoder_set_bitrate(state, c.bitrate.map(Int32.init) ?? OPUS_AUTO), "OPUS_SET_BITRATE")
            try OpusError.check(earshot_opus_encoder_set_complexity(state, Int32(c.complexity)), "OPUS_SET_COMPLEXITY")
            try OpusError.check(earshot_opus_encoder_set_vbr(state, c.variableBitrate ? 1 : 0), "OPUS_SET_VBR")
            try OpusError.check(earshot_opus_encoder_set_inband_fec(state, c.inbandFEC ? 1 : 0), "OPUS_SET_INBAND_FEC")
            try OpusError.check(earshot_opus_encoder_set_packet_loss_perc(state, Int32(c.expectedPacketLossPercent)),
                                "OPUS_SET_PACKET_LOSS_PERC")
            var lookahead: Int32 = 0
            try OpusError.check(earshot_opus_encoder_get_lookahead(state, &lookahead), "OPUS_GET_LOOKAHEAD")
            self.lookaheadSamples = Int(lookahead)
        } catch {
            opus_encoder_destroy(state)
            throw error
        }
        self.state = state
        self.configuration = c
        self.samplesPerFrame = samples
        self.packetBuffer = [UInt8](repeating: 0, count: OpusEncoder.maxPacketBytes)
    }

    deinit { opus_encoder_destroy(state) }

    /// Samples per channel of a frame Opus accepts, or nil for a duration it does not.
    static func samplesPerFrame(_ duration: Duration, sampleRate: Int) -> Int? {
        // Opus frames are whole multiples of 2.5 ms: 1, 2, 4, 8, 16, 24, 32, 40 or 48 of them.
        guard let samples = duration.wholeSamples(at: sampleRate), samples > 0,
              samples * 400 % sampleRate == 0,
              [1, 2, 4, 8, 16, 24, 32, 40, 48].contains(samples * 400 / sampleRate)
        else { return nil }
        return samples
    }

    /// Encodes exactly one frame (`samplesPerFrame` samples per channel, the encoder's rate and
    /// channel count).
    public func encode(_ frame: AudioChunk) throws(OpusError) -> EncodedPacket {
        guard frame.sampleRate == sampleRate, frame.channels == channels,
              frame.samples.count == samplesPerFrame * channels
        else {
            throw .wrongFrame(expectedSamples: samplesPerFrame, expectedRate: sampleRate, expectedChannels: channels,
                              gotSamples: frame.frameCount, gotRate: frame.sampleRate, gotChannels: frame.channels)
        }
        return try frame.samples.withUnsafeBufferPointer { (pcm) throws(OpusError) -> EncodedPacket in
            try encode(pcm)
        }
    }

    /// Encodes a whole signal frame by frame, zero-padding the last frame.
    public func encode(contentsOf chunk: AudioChunk) throws(OpusError) -> [EncodedPacket] {
        guard chunk.sampleRate == sampleRate, chunk.channels == channels else {
            throw .wrongFrame(expectedSamples: samplesPerFrame, expectedRate: sampleRate, expectedChannels: channels,
                              gotSamples: chunk.frameCount, gotRate: chunk.sampleRate, gotChannels: chunk.channels)
        }
        let stride = samplesPerFrame * channels
        let total = chunk.frameCount * channels
        var packets: [EncodedPacket] = []
        packets.reserveCapacity((total + stride - 1) / stride)
        var frame = [Float](repeating: 0, count: stride)
        var start = 0
        while start < total {
            let end = min(start + stride, total)
            frame.withUnsafeMutableBufferPointer { target in
                chunk.samples.withUnsafeBufferPointer { source in
                    _ = target.initialize(fromContentsOf: source[start..<end])
                }
                if end - start < stride { target[(end - start)...].initialize(repeating: 0) }
            }
            packets.append(try frame.withUnsafeBufferPointer { (pcm) throws(OpusError) -> EncodedPacket in
                try encode(pcm)
            })
            start = end
        }
        return packets
    }

    /// A copy of the encoder's whole state: libopus keeps an encoder in one block of
    /// `opus_encoder_get_size` bytes whose only pointers lead to constant tables, so the copy,
    /// written back with `restore`, continues bit for bit as the original would (pinned by a test).
    func snapshot() -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(state), count: stateSize))
    }

    /// Puts back a state `snapshot` took of an encoder with the same configuration.
    func restore(_ snapshot: [UInt8]) {
        precondition(snapshot.count == stateSize, "an Opus snapshot of another size")
        snapshot.withUnsafeBytes { UnsafeMutableRawPointer(state).copyMemory(from: $0.baseAddress!, byteCount: stateSize) }
    }

    private var stateSize: Int { Int(opus_encoder_get_size(Int32(channels))) }

    /// Forgets the signal history (a new stream); settings and `nextSequence` stay.
    public func reset() throws(OpusError) {
        try OpusError.check(earshot_opus_encoder_reset_state(state), "OPUS_RESET_STATE")
    }

    func encode(_ pcm: UnsafeBufferPointer<Float>) throws(OpusError) -> EncodedPacket {
        let capacity = Int32(packetBuffer.count)
        let length = packetBuffer.withUnsafeMutableBufferPointer { out in
            opus_encode_float(state, pcm.baseAddress!, Int32(samplesPerFrame), out.baseAddress!, capacity)
        }
        try OpusError.check(length, "opus_encode_float")
        let packet = EncodedPacket(payload: Array(packetBuffer[0..<Int(length)]), sequence: nextSequence,
                                   sampleCount: samplesPerFrame, sampleRate: sampleRate)
        nextSequence += 1
        return packet
    }
}
