import ArgumentParser
import EarshotAudio
import EarshotCore
import Foundation

extension Earshot {
    struct Codec: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stream a fixture through an Opus round trip and print the codec's latency per frame.",
            discussion: """
                The codec's share of a turn's latency is its algorithmic delay (one frame plus the \
                encoder's look-ahead) plus the time to encode and decode a frame; this measures both \
                on real speech, and the round trip's SNR so a setting that ruins the audio shows.

                Example:
                  earshot codec                                   # long-question.wav, 20 ms, 32 kbit/s
                  earshot codec --frame-ms 10 --bitrate 16000 --per-frame
                """)

        @OptionGroup var fixtures: FixturesOption

        @Option(help: "Utterance to stream, relative to the fixtures folder.")
        var utterance = "utterances/long-question.wav"

        @Option(help: "Opus frame length in ms: 10, 20, 40 or 60.")
        var frameMs = 20

        @Option(help: "Opus bitrate, bit/s.")
        var bitrate = 32_000

        @Option(help: "Encoder complexity, 0 (fastest) to 10.")
        var complexity = 10

        @Option(help: "Codec sample rate, Hz: 8000, 12000, 16000, 24000 or 48000 (the 16 kHz fixture is resampled to it).")
        var rate = 16_000

        @Flag(help: "Print one line per frame (index, bytes, encode µs, decode µs) before the summary.")
        var perFrame = false

        func validate() throws {
            guard [10, 20, 40, 60].contains(frameMs) else { throw ValidationError("--frame-ms must be 10, 20, 40 or 60, got \(frameMs)") }
            guard (6_000...510_000).contains(bitrate) else { throw ValidationError("--bitrate must be 6000...510000, got \(bitrate)") }
            guard (0...10).contains(complexity) else { throw ValidationError("--complexity must be 0...10, got \(complexity)") }
            guard [8_000, 12_000, 16_000, 24_000, 48_000].contains(rate) else {
                throw ValidationError("--rate must be 8000, 12000, 16000, 24000 or 48000, got \(rate)")
            }
        }

        func run() throws {
            let path = fixtures.url.appendingPathComponent(utterance)
            let speech: AudioChunk
            do {
                let audio = try AudioFile.read(path)
                guard audio.channels == 1 else {
                    throw InputError(file: utterance, "\(audio.channels) channels; the codec check takes a mono utterance")
                }
                speech = try Resampler.resample(audio, to: rate)
            } catch let error as AudioFileError {
                throw InputError(error.description)
            }
            let frame = Duration.milliseconds(frameMs)
            let encoder = try OpusEncoder(.init(sampleRate: rate, channels: 1, frameDuration: frame, bitrate: bitrate,
                                                complexity: complexity))
            let decoder = try OpusDecoder(sampleRate: rate, channels: 1, frameDuration: frame)
            let frames = try Framer(frameDuration: frame).split(speech).frames
            var encodeUs: [Double] = [], decodeUs: [Double] = [], bytes = 0
            var decoded: [Float] = []
            decoded.reserveCapacity(speech.samples.count + encoder.samplesPerFrame)
            let clock = ContinuousClock()
            if perFrame { print("frame,bytes,encode_us,decode_us") }
            for (i, f) in frames.enumerated() {
                var packet: EncodedPacket!
                let e = try clock.measure { packet = try encoder.encode(f) }
                var out: AudioChunk!
                let d = try clock.measure { out = try decoder.decode(packet) }
                decoded += out.samples
                encodeUs.append(Double(e.nanoseconds) / 1000)
                decodeUs.append(Double(d.nanoseconds) / 1000)
                bytes += packet.payload.count
                if perFrame { print("\(i),\(packet.payload.count),\(String(format: "%.1f", encodeUs[i])),\(String(format: "%.1f", decodeUs[i]))") }
            }
            let snr = SignalComparison.snr(speech.samples, decoded, delay: encoder.lookaheadSamples)
            let algorithmic = frame + encoder.lookahead
            func p(_ x: [Double], _ q: Double) -> Double { x.sorted()[max(0, Int((q / 100 * Double(x.count)).rounded(.up)) - 1)] }
            print("""
                \(utterance): \(frames.count) frames of \(frameMs) ms at \(rate) Hz, \(bitrate) bit/s, complexity \(complexity)
                  algorithmic delay   \(String(format: "%7.2f", algorithmic.milliseconds)) ms  (\(frameMs) ms frame + \(String(format: "%.2f", encoder.lookahead.milliseconds)) ms look-ahead)
                  encode per frame    \(String(format: "%7.1f", p(encodeUs, 50))) µs p50  \(String(format: "%7.1f", p(encodeUs, 99))) µs p99
                  decode per frame    \(String(format: "%7.1f", p(decodeUs, 50))) µs p50  \(String(format: "%7.1f", p(decodeUs, 99))) µs p99
                  codec latency       \(String(format: "%7.2f", algorithmic.milliseconds + (p(encodeUs, 50) + p(decodeUs, 50)) / 1000)) ms p50 per frame (delay + encode + decode)
                  size                \(String(format: "%7.1f", Double(bytes) / Double(frames.count))) bytes per frame
                  round-trip SNR      \(String(format: "%7.1f", snr)) dB
                """)
        }
    }
}
