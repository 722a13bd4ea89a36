internal import COpus
import EarshotCore

/// An Opus decoder with packet-loss concealment and in-band FEC recovery.
///
/// A receiver that finds packet n missing has two choices: conceal it now (`decode(nil)`, PLC,
/// no extra delay) or wait for packet n+1 and rebuild n from the redundancy n+1 carries
/// (`decodeFEC(next:)`, then `decode(next)`), which costs one frame of delay and sounds better.
///
/// Not thread-safe: one instance belongs to one stream.
public final class OpusDecoder {
    /// The output rate; Opus decodes any packet at any supported rate.
    public let sampleRate: Int
    public let channels: Int
    /// Frames concealed by PLC so far.
    public private(set) var concealedFrames = 0
    /// Frames rebuilt from in-band FEC so far (including ones where the next packet carried no
    /// FEC data and Opus fell back to concealment).
    public private(set) var recoveredFrames = 0

    private let state: OpaquePointer
    /// Samples per channel of the last decoded frame: how much audio a lost packet of unknown
    /// length stands for.
    private var lastFrameSamples: Int
    private let initialFrameSamples: Int

    /// `frameDuration` is the length to conceal for a lost packet before any packet has arrived.
    public init(sampleRate: Int = 48_000, channels: Int = 1, frameDuration: Duration = .milliseconds(20)) throws(OpusError) {
        guard OpusError.supportedSampleRates.contains(sampleRate) else { throw .unsupportedSampleRate(sampleRate) }
        guard channels == 1 || channels == 2 else { throw .unsupportedChannelCount(channels) }
        guard let frame = OpusEncoder.samplesPerFrame(frameDuration, sampleRate: sampleRate) else {
            throw .unsupportedFrameDuration(frameDuration)
        }
        var error: Int32 = 0
        guard let state = opus_decoder_create(Int32(sampleRate), Int32(channels), &error), error == OPUS_OK else {
            throw OpusError.library(error, "opus_decoder_create")
        }
        self.state = state
        self.sampleRate = sampleRate
        self.channels = channels
        self.lastFrameSamples = frame
        self.initialFrameSamples = frame
    }

    deinit { opus_decoder_destroy(state) }

    /// Decodes a packet; `nil` or an empty payload means the packet was lost, and the result is
    /// concealment of the same length (the packet's `sampleCount` if it says, else the last
    /// frame's length).
    public func decode(_ packet: EncodedPacket?) throws(OpusError) -> AudioChunk {
        guard let packet, !packet.payload.isEmpty else {
            let samples = try lostSamples(packet)
            let chunk = try run(nil, frameSize: samples, fec: false, "opus_decode (PLC)")
            concealedFrames += 1
            return chunk
        }
        let chunk = try run(packet.payload, frameSize: try samples(in: packet.payload, "opus_decode"), fec: false, "opus_decode")
        lastFrameSamples = chunk.frameCount
        return chunk
    }

    /// Rebuilds the lost packet that came just before `next` from the FEC data `next` carries,
    /// taking the lost packet to be as long as `next`. Decode `next` itself afterwards, as usual.
    /// Where `next` carries no FEC data, Opus conceals instead.
    public func decodeFEC(next: EncodedPacket) throws(OpusError) -> AudioChunk {
        guard !next.payload.isEmpty else { return try decode(nil) }
        let chunk = try run(next.payload, frameSize: try samples(in: next.payload, "opus_decode (FEC)"), fec: true,
                            "opus_decode (FEC)")
        recoveredFrames += 1
        return chunk
    }

    /// Forgets the stream history (a new stream).
    public func reset() throws(OpusError) {
        try OpusError.check(earshot_opus_decoder_reset_state(state), "OPUS_RESET_STATE")
        lastFrameSamples = initialFrameSamples
    }

    /// Samples per channel `payload` decodes to at this decoder's rate.
    private func samples(in payload: [UInt8], _ operation: String) throws(OpusError) -> Int {
        let samples = payload.withUnsafeBufferPointer {
            opus_packet_get_nb_samples($0.baseAddress!, Int32($0.count), Int32(sampleRate))
        }
        try OpusError.check(samples, operation)
        return Int(samples)
    }

    private func lostSamples(_ packet: EncodedPacket?) throws(OpusError) -> Int {
        guard let packet, packet.sampleCount > 0, packet.sampleRate > 0 else { return lastFrameSamples }
        let product = Int64(packet.sampleCount) * Int64(sampleRate)
        let samples = Int(product / Int64(packet.sampleRate))
        // Concealment works in whole 2.5 ms steps.
        guard product % Int64(packet.sampleRate) == 0, samples * 400 % sampleRate == 0, samples <= sampleRate * 120 / 1000 else {
            throw .invalidSetting("cannot conceal a lost packet of \(packet.sampleCount) samples at \(packet.sampleRate) Hz")
        }
        return samples
    }

    /// Decodes straight into the returned chunk's storage: no scratch buffer, no copy.
    private func run(_ payload: [UInt8]?, frameSize: Int, fec: Bool, _ operation: String) throws(OpusError) -> AudioChunk {
        var decoded: Int32 = 0
        let samples = [Float](unsafeUninitializedCapacity: frameSize * channels) { out, count in
            if let payload {
                decoded = payload.withUnsafeBufferPointer { data in
                    opus_decode_float(state, data.baseAddress, Int32(data.count), out.baseAddress!, Int32(frameSize), fec ? 1 : 0)
                }
            } else {
                decoded = opus_decode_float(state, nil, 0, out.baseAddress!, Int32(frameSize), 0)
            }
            count = decoded > 0 ? Int(decoded) * channels : 0
        }
        try OpusError.check(decoded, operation)
        return AudioChunk(samples: samples, sampleRate: sampleRate, channels: channels)
    }
}
