import EarshotAudio
import EarshotCore
import Testing

/// Speech for these tests is a committed fixture (espeak-ng, 16 kHz mono), not a synthetic tone:
/// Opus's speech modes code a tone quite differently from a voice.
@Suite struct OpusTests {
    static let speech16k = Result { try TestAudio.utterance("how-tall") }

    /// Encodes `input` in frames and decodes every packet, optionally losing some.
    static func roundTrip(_ input: AudioChunk, _ configuration: OpusEncoder.Configuration) throws -> [Float] {
        let encoder = try OpusEncoder(configuration)
        let decoder = try OpusDecoder(sampleRate: configuration.sampleRate, channels: configuration.channels)
        return try encoder.encode(contentsOf: input).flatMap { try decoder.decode($0).samples }
    }

    @Test func lookAheadIs6Point5Milliseconds() throws {
        let wideband = try OpusEncoder()
        #expect(wideband.lookaheadSamples == 312)
        #expect(wideband.lookahead == .microseconds(6_500))
        #expect(wideband.algorithmicDelay == .microseconds(26_500))
        #expect(try OpusEncoder(.init(sampleRate: 16_000)).lookaheadSamples == 104)
        let lowDelay = try OpusEncoder(.init(frameDuration: .milliseconds(10), application: .restrictedLowDelay))
        #expect(lowDelay.lookahead == .microseconds(2_500))
        #expect(lowDelay.algorithmicDelay == .microseconds(12_500))
    }

    @Test func speechAt32kbpsKeepsTenDecibelsSNR() throws {
        let speech = try Self.speech16k.get()
        let encoder = try OpusEncoder(.init(sampleRate: 16_000))
        let decoded = try Self.roundTrip(speech, encoder.configuration)
        #expect(decoded.count == 59 * 320)  // 18 720 samples → 58.5 frames, the last padded.
        let snr = TestAudio.snr(speech.samples, decoded, delay: encoder.lookaheadSamples)
        #expect(snr > 10, "SNR \(snr) dB")
        // Alignment matters: off by the look-ahead, the comparison is meaningless.
        #expect(TestAudio.snr(speech.samples, decoded) < 3)
    }

    /// At 48 kHz the decoded speech lines up with the input within 4 samples (83 µs) of the
    /// reported look-ahead; SILK's internal resamplers are not compensated to the exact sample.
    @Test func speechAt48kHzLinesUpWithTheReportedLookAhead() throws {
        let speech = try Resampler.resample(try Self.speech16k.get(), to: 48_000)
        let encoder = try OpusEncoder()
        let decoded = try Self.roundTrip(speech, encoder.configuration)
        let candidates = (encoder.lookaheadSamples - 40)...(encoder.lookaheadSamples + 40)
        let best = candidates.max { TestAudio.snr(speech.samples, decoded, delay: $0) < TestAudio.snr(speech.samples, decoded, delay: $1) }!
        #expect(abs(best - 312) <= 4, "best alignment \(best)")
        let snr = TestAudio.snr(speech.samples, decoded, delay: best)
        #expect(snr > 10, "SNR \(snr) dB")
    }

    @Test func constantBitrateGivesExactPacketSizes() throws {
        let speech = try Self.speech16k.get()
        let encoder = try OpusEncoder(.init(sampleRate: 16_000, bitrate: 32_000, variableBitrate: false))
        let packets = try encoder.encode(contentsOf: speech)
        #expect(packets.allSatisfy { $0.payload.count == 80 })  // 32 kbit/s × 20 ms = 80 bytes.
        #expect(packets.map(\.sequence) == Array(0..<packets.count))
        #expect(packets.allSatisfy { $0.sampleCount == 320 && $0.sampleRate == 16_000 })
        #expect(encoder.nextSequence == packets.count)
    }

    @Test func aLostPacketIsConcealedWithAFrameOfTheRightLength() throws {
        let speech = try Self.speech16k.get()
        let packets = try OpusEncoder(.init(sampleRate: 16_000)).encode(contentsOf: speech)
        let decoder = try OpusDecoder(sampleRate: 16_000)
        var output: [Float] = []
        for (i, packet) in packets.enumerated() {
            let frame = try decoder.decode(i == 20 ? nil : packet)
            #expect(frame.frameCount == 320, "frame \(i)")
            output += frame.samples
        }
        #expect(output.count == packets.count * 320)
        #expect(decoder.concealedFrames == 1)
        // Concealment is not silence: it continues the voice.
        #expect(Level.rmsDBFS(output[20 * 320..<21 * 320]) > -40)

        // A placeholder packet says how long the gap is, even at another rate.
        let other = try OpusDecoder(sampleRate: 16_000)
        let gap = EncodedPacket(payload: [], sequence: 0, sampleCount: 2_880, sampleRate: 48_000)
        #expect(try other.decode(gap).frameCount == 960)
    }

    /// Loses speech frames one at a time and compares what each receiver makes of the gap with
    /// the input there.
    static func gapSNR(fec: Bool, lost: Int) throws -> (concealed: Double, recovered: Double, identical: Bool) {
        let speech = try speech16k.get()
        let encoder = try OpusEncoder(.init(sampleRate: 16_000, inbandFEC: fec, expectedPacketLossPercent: 20))
        let packets = try encoder.encode(contentsOf: speech)
        let concealing = try OpusDecoder(sampleRate: 16_000)
        let recovering = try OpusDecoder(sampleRate: 16_000)
        var concealed: [Float] = []
        var recovered: [Float] = []
        for (i, packet) in packets.enumerated() {
            if i == lost {
                concealed += try concealing.decode(nil).samples
                recovered += try recovering.decodeFEC(next: packets[i + 1]).samples
            } else {
                concealed += try concealing.decode(packet).samples
                recovered += try recovering.decode(packet).samples
            }
        }
        let delay = encoder.lookaheadSamples
        let from = lost * 320 - delay
        return (TestAudio.snr(speech.samples, concealed, delay: delay, from: from, count: 320),
                TestAudio.snr(speech.samples, recovered, delay: delay, from: from, count: 320),
                concealed == recovered)
    }

    @Test(arguments: [10, 20, 30])
    func inBandFECRecoversALostPacket(lost: Int) throws {
        let withFEC = try Self.gapSNR(fec: true, lost: lost)
        #expect(withFEC.recovered > 6, "FEC \(withFEC.recovered) dB")
        #expect(withFEC.recovered > withFEC.concealed + 5, "FEC \(withFEC.recovered) dB, PLC \(withFEC.concealed) dB")
        // Without FEC data in the next packet, "recovery" is plain concealment, sample for sample.
        #expect(try Self.gapSNR(fec: false, lost: lost).identical)
    }

    @Test(arguments: [8_000, 12_000, 16_000, 24_000, 48_000])
    func everyRateChannelCountAndFrameSizeRoundTrips(sampleRate: Int) throws {
        let durations: [Duration] = [.microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(20),
                                     .milliseconds(40), .milliseconds(60), .milliseconds(120)]
        for channels in [1, 2] {
            for duration in durations {
                let encoder = try OpusEncoder(.init(sampleRate: sampleRate, channels: channels, frameDuration: duration))
                let decoder = try OpusDecoder(sampleRate: sampleRate, channels: channels)
                let perFrame = Int(duration.nanoseconds * Int64(sampleRate) / 1_000_000_000)
                #expect(encoder.samplesPerFrame == perFrame)
                let tone = TestSignal.sine(frequency: 440, amplitude: 0.3, duration: duration * 3, sampleRate: sampleRate, channels: channels)
                for packet in try encoder.encode(contentsOf: tone) {
                    let frame = try decoder.decode(packet)
                    #expect(frame.frameCount == perFrame && frame.channels == channels, "\(sampleRate) Hz \(channels) ch \(duration)")
                }
            }
        }
    }

    @Test func aDecoderAtAnotherRateResamples() throws {
        let packets = try OpusEncoder().encode(contentsOf: TestSignal.sine(frequency: 440, duration: .milliseconds(100), sampleRate: 48_000))
        let decoder = try OpusDecoder(sampleRate: 16_000)
        #expect(try packets.map { try decoder.decode($0).frameCount } == [320, 320, 320, 320, 320])
    }

    @Test func badSettingsAndInputAreTypedErrors() throws {
        #expect(throws: OpusError.unsupportedSampleRate(44_100)) { try OpusEncoder(.init(sampleRate: 44_100)) }
        #expect(throws: OpusError.unsupportedChannelCount(3)) { try OpusEncoder(.init(channels: 3)) }
        #expect(throws: OpusError.unsupportedFrameDuration(.milliseconds(30))) {
            try OpusEncoder(.init(frameDuration: .milliseconds(30)))
        }
        #expect(throws: OpusError.self) { try OpusEncoder(.init(complexity: 11)) }
        #expect(throws: OpusError.unsupportedSampleRate(22_050)) { try OpusDecoder(sampleRate: 22_050) }

        let encoder = try OpusEncoder()
        let error = #expect(throws: OpusError.self) { try encoder.encode(AudioChunk(samples: [0, 0], sampleRate: 48_000)) }
        #expect(error?.description == "encoder takes frames of 960 samples at 48000 Hz 1 ch, got 2 samples at 48000 Hz 1 ch")

        // A code-3 packet must carry a frame count byte: libopus calls this a corrupted stream.
        let corrupt = EncodedPacket(payload: [0x03], sequence: 0, sampleCount: 960, sampleRate: 48_000)
        let decodeError = #expect(throws: OpusError.self) { try OpusDecoder().decode(corrupt) }
        #expect(decodeError?.description == "opus_decode failed: corrupted stream (-4)")
    }
}
