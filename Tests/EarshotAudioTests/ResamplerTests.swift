import EarshotAudio
import EarshotCore
import Testing

@Suite struct ResamplerTests {
    static let rates = [8_000, 16_000, 22_050, 24_000, 48_000]

    /// Streams `chunk` through `resampler` in `pieceMilliseconds` pieces, then flushes.
    static func stream(_ chunk: AudioChunk, through resampler: Resampler, pieceMilliseconds: Int = 20) throws -> [Float] {
        let piece = chunk.sampleRate * pieceMilliseconds / 1000 * chunk.channels
        var output: [Float] = []
        var start = 0
        while start < chunk.samples.count {
            let end = min(start + piece, chunk.samples.count)
            let part = AudioChunk(samples: Array(chunk.samples[start..<end]), sampleRate: chunk.sampleRate, channels: chunk.channels)
            output += try resampler.process(part).samples
            start = end
        }
        return output + (try resampler.flush().samples)
    }

    @Test func sineSurvives16To48To16StreamingAfterAligningForTheFilterDelay() throws {
        let sine = TestSignal.sine(frequency: 1_000, amplitude: 0.5, duration: .seconds(1), sampleRate: 16_000)
        let up = try Resampler(from: 16_000, to: 48_000)
        let down = try Resampler(from: 48_000, to: 16_000)
        let upsampled = try Self.stream(sine, through: up)
        let roundTrip = try Self.stream(AudioChunk(samples: upsampled, sampleRate: 48_000), through: down)

        // The delays the resamplers report, summed, must be the delay the signal shows.
        let delay = Int((up.latency + down.latency).nanoseconds * 16_000 / 1_000_000_000)
        #expect(delay == 80)
        // Skip 10 ms at each end, where the sine's abrupt start and stop are not band-limited.
        let snr = TestAudio.snr(sine.samples, roundTrip, delay: delay, from: 160, count: 16_000 - 320)
        #expect(snr > 40, "SNR \(snr) dB")
        #expect(TestAudio.snr(sine.samples, roundTrip, delay: delay + 1, from: 160, count: 16_000 - 320) < 20)
    }

    @Test func oneShotIsAlignedAndExactLength() throws {
        let sine = TestSignal.sine(frequency: 1_000, amplitude: 0.5, duration: .seconds(1), sampleRate: 16_000)
        let up = try Resampler.resample(sine, to: 48_000)
        #expect(up.frameCount == 48_000 && up.sampleRate == 48_000)
        let back = try Resampler.resample(up, to: 16_000)
        #expect(back.frameCount == 16_000)
        let snr = TestAudio.snr(sine.samples, back.samples, from: 160, count: 16_000 - 320)
        #expect(snr > 40, "SNR \(snr) dB")
        // Aligned at 48 kHz too: the upsampled sine matches a sine generated at 48 kHz.
        let reference = TestSignal.sine(frequency: 1_000, amplitude: 0.5, duration: .seconds(1), sampleRate: 48_000)
        #expect(TestAudio.snr(reference.samples, up.samples, from: 480, count: 48_000 - 960) > 40)
    }

    @Test(arguments: rates, rates)
    func oneShotLengthIsInputTimesRatio(from: Int, to: Int) throws {
        let input = TestSignal.speechLike(duration: .milliseconds(250), sampleRate: from)
        let odd = AudioChunk(samples: Array(input.samples.dropLast(3)), sampleRate: from)
        let output = try Resampler.resample(odd, to: to)
        let expected = (Double(odd.frameCount) * Double(to) / Double(from)).rounded()
        #expect(output.frameCount == Int(expected))
        #expect(output.sampleRate == to)
    }

    @Test(arguments: rates, rates)
    func streamingReleasesEverythingOnFlush(from: Int, to: Int) throws {
        let input = TestSignal.speechLike(duration: .milliseconds(250), sampleRate: from)
        let resampler = try Resampler(from: from, to: to)
        let output = try Self.stream(input, through: resampler)
        let expected = Double(input.frameCount) * Double(to) / Double(from) + Double(resampler.outputLatency)
        #expect(abs(Double(output.count) - expected) <= 2, "\(output.count) vs \(expected)")
    }

    @Test func chunkBoundariesDoNotChangeTheOutput() throws {
        let input = TestSignal.speechLike(duration: .milliseconds(500), sampleRate: 22_050)
        let whole = try Self.stream(input, through: Resampler(from: 22_050, to: 16_000), pieceMilliseconds: 500)
        let pieces = try Self.stream(input, through: Resampler(from: 22_050, to: 16_000), pieceMilliseconds: 20)
        #expect(whole == pieces)
    }

    @Test func stereoChannelsStaySeparate() throws {
        let left = TestSignal.sine(frequency: 500, amplitude: 0.5, duration: .milliseconds(200), sampleRate: 16_000)
        let samples: [Float] = left.samples.flatMap { [$0, Float(0)] }
        let output = try Resampler.resample(AudioChunk(samples: samples, sampleRate: 16_000, channels: 2), to: 48_000)
        #expect(output.channels == 2 && output.frameCount == 9_600)
        let right = stride(from: 1, to: output.samples.count, by: 2).map { output.samples[$0] }
        #expect(right.allSatisfy { $0 == 0 })
    }

    @Test func reportsItsLatency() throws {
        let up = try Resampler(from: 16_000, to: 48_000)
        #expect(up.inputLatency == 40 && up.outputLatency == 120 && up.latency == .microseconds(2_500))
        let same = try Resampler(from: 16_000, to: 16_000)
        #expect(same.latency == .zero)
        let chunk = AudioChunk(samples: [0.25, -0.5], sampleRate: 16_000)
        #expect(try same.process(chunk) == chunk)
    }

    @Test func badSettingsAreRefused() throws {
        #expect(throws: AudioFormatError.invalidQuality(11)) { try Resampler(from: 16_000, to: 48_000, quality: 11) }
        #expect(throws: AudioFormatError.invalidSampleRate(0)) { try Resampler(from: 0, to: 48_000) }
        let error = #expect(throws: AudioFormatError.self) {
            try Resampler(from: 16_000, to: 48_000).process(AudioChunk(samples: [0], sampleRate: 24_000))
        }
        #expect(error?.description == "expected 16000 Hz 1 ch audio, got 24000 Hz 1 ch")
    }
}
