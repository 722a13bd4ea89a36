import EarshotAudio
import EarshotCore
import Foundation

/// `earshot-bench opus`: the per-frame cost of Opus through Earshot's wrappers (48 kHz mono,
/// 20 ms frames, 32 kbit/s, complexity 10, VoIP), to set beside the same work done by a small C
/// program calling libopus directly (`Scripts/bench-opus` runs both on identical input).
///
/// Options:
///   --frames N           frames to measure (default 1000, i.e. 20 s of audio)
///   --input PATH         raw native-endian Float32 mono 48 kHz PCM to encode (default: speech
///                        from AudioFixtures/utterances, or a synthetic speech-like signal)
///   --write-input PATH   write the PCM the run would encode to PATH and stop
///   --key-value          print `key value` lines for scripts instead of a table
enum OpusBench {
    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    static let sampleRate = 48_000
    static let samplesPerFrame = 960
    /// Frames encoded and decoded before measuring, so caches, page faults and branch predictors
    /// settle; the C program warms up the same way.
    static let warmupFrames = 100
    static let configuration = OpusEncoder.Configuration(
        sampleRate: sampleRate, channels: 1, frameDuration: .milliseconds(20), bitrate: 32_000, complexity: 10,
        variableBitrate: true, inbandFEC: false, expectedPacketLossPercent: 0, application: .voip)

    static func main(arguments: [String]) throws {
        var arguments = arguments[...]
        if arguments.first == "opus" { arguments = arguments.dropFirst() }
        var frames = 1_000
        var inputPath: String?
        var writePath: String?
        var keyValue = false
        while let argument = arguments.popFirst() {
            switch argument {
            case "--frames":
                guard let value = arguments.popFirst().flatMap(Int.init), value > 0 else {
                    throw UsageError(description: "--frames needs a positive whole number")
                }
                frames = value
            case "--input":
                guard let value = arguments.popFirst() else { throw UsageError(description: "--input needs a path") }
                inputPath = value
            case "--write-input":
                guard let value = arguments.popFirst() else { throw UsageError(description: "--write-input needs a path") }
                writePath = value
            case "--key-value":
                keyValue = true
            default:
                throw UsageError(description: "unknown option \(argument) (known: --frames, --input, --write-input, --key-value)")
            }
        }

        let (pcm, source) = try inputPath.map { (try readRaw($0, frames: frames), "raw PCM from \($0)") }
            ?? speech(frames: frames)
        if let writePath {
            try pcm.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: writePath)) }
            FileHandle.standardError.write(Data("opus bench: wrote \(frames) frames of \(source) to \(writePath)\n".utf8))
            return
        }

        let result = try measure(pcm, frames: frames)
        if keyValue {
            print("frames \(frames)")
            print("bytes \(result.bytes)")
            print("digest \(String(result.digest, radix: 16).leftPadded(16))")
            for (name, values) in [("encode", result.encode), ("decode", result.decode)] {
                let s = Summary(values)
                print(String(format: "%@_p50_us %.3f\n%@_p99_us %.3f\n%@_mean_us %.3f",
                             name, s.p50, name, s.p99, name, s.mean))
            }
            return
        }
        print("opus 48 kHz mono, 20 ms frames, 32 kbit/s, complexity 10, VoIP: \(frames) frames of \(source)")
        print("encoded \(result.bytes) bytes (\(String(format: "%.1f", Double(result.bytes) * 8 / (Double(frames) * 0.02) / 1000)) kbit/s)")
        print("\("figure".padding(24)) \("value".padding(10, left: true)) \("unit".padding(5)) target")
        for (name, values) in [("encode", result.encode), ("decode", result.decode)] {
            let s = Summary(values)
            for (figure, value) in [("p50", s.p50), ("p99", s.p99), ("mean", s.mean)] {
                // Assumed budget: codec work for one frame within 5 % of the frame's 20 ms, so one
                // core leaves room for many streams and for the stages themselves.
                let target = 1_000.0
                let shown = String(format: "%.1f", value)
                print("\("wrapper \(name) \(figure)".padding(24)) \(shown.padding(10, left: true)) \("us".padding(5)) "
                      + "<= \(Int(target)) (5% of a frame) \(value <= target ? "pass" : "MISS")")
            }
        }
    }

    struct Measurement {
        var encode: [Double]
        var decode: [Double]
        var bytes: Int
        /// FNV-1a over each packet's length (2 bytes little-endian, 2 zero bytes) and payload,
        /// as the C program computes it: equal digests mean identical bitstreams.
        var digest: UInt64
    }

    /// Encodes every frame, then decodes every packet, timing each call on the monotonic clock.
    static func measure(_ pcm: [Float], frames: Int) throws -> Measurement {
        let chunks = (0..<frames).map { i in
            AudioChunk(samples: Array(pcm[i * samplesPerFrame..<(i + 1) * samplesPerFrame]), sampleRate: sampleRate)
        }
        let warmEncoder = try OpusEncoder(configuration)
        let warmDecoder = try OpusDecoder(sampleRate: sampleRate)
        for chunk in chunks.prefix(warmupFrames) { _ = try warmDecoder.decode(try warmEncoder.encode(chunk)) }

        let encoder = try OpusEncoder(configuration)
        let decoder = try OpusDecoder(sampleRate: sampleRate)
        var packets: [EncodedPacket] = []
        packets.reserveCapacity(frames)
        var encode = [Double](repeating: 0, count: frames)
        var decode = [Double](repeating: 0, count: frames)
        for (i, chunk) in chunks.enumerated() {
            let start = monotonicNanoseconds()
            let packet = try encoder.encode(chunk)
            encode[i] = Double(monotonicNanoseconds() - start) / 1_000
            packets.append(packet)
        }
        var samples = 0
        for (i, packet) in packets.enumerated() {
            let start = monotonicNanoseconds()
            let decoded = try decoder.decode(packet)
            decode[i] = Double(monotonicNanoseconds() - start) / 1_000
            samples += decoded.samples.count
        }
        guard samples == frames * samplesPerFrame else {
            throw UsageError(description: "decoded \(samples) samples, expected \(frames * samplesPerFrame)")
        }
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325
        for packet in packets {
            let count = packet.payload.count
            for byte in [UInt8(count & 0xff), UInt8(count >> 8 & 0xff), 0, 0] + packet.payload {
                digest = (digest ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
        }
        return Measurement(encode: encode, decode: decode, bytes: packets.reduce(0) { $0 + $1.payload.count }, digest: digest)
    }

    /// The same clock the C program reads, so the two sides differ only in the work measured.
    static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    struct Summary {
        var p50: Double
        var p99: Double
        var mean: Double

        /// Nearest-rank percentiles, computed the same way as in the C program.
        init(_ values: [Double]) {
            let sorted = values.sorted()
            func rank(_ p: Double) -> Double { sorted[max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
            p50 = rank(0.50)
            p99 = rank(0.99)
            mean = sorted.reduce(0, +) / Double(sorted.count)
        }
    }

    /// Real speech when the committed fixtures are there (every utterance, resampled to 48 kHz,
    /// repeated to length), else the synthetic speech-like signal.
    static func speech(frames: Int) throws -> ([Float], String) {
        let count = frames * samplesPerFrame
        let folder = URL(fileURLWithPath: "AudioFixtures/utterances")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".wav") }.sorted()
        var speech: [Float] = []
        for name in names {
            let chunk = try AudioFile.read(folder.appendingPathComponent(name))
            guard chunk.channels == 1 else { continue }
            speech += try Resampler.resample(chunk, to: sampleRate).samples
        }
        guard !speech.isEmpty else {
            let signal = TestSignal.speechLike(duration: .milliseconds(20 * frames), sampleRate: sampleRate)
            return (signal.samples, "synthetic speech-like signal")
        }
        var pcm: [Float] = []
        pcm.reserveCapacity(count)
        while pcm.count < count { pcm += speech.prefix(count - pcm.count) }
        return (pcm, "fixture speech (\(names.count) utterances, \(folder.relativePath))")
    }

    static func readRaw(_ path: String, frames: Int) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let count = frames * samplesPerFrame
        guard data.count >= count * MemoryLayout<Float>.size else {
            throw UsageError(description: "\(path): holds \(data.count / 4) samples, \(frames) frames need \(count)")
        }
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self).prefix(count)) }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }

    /// Pads with spaces to `width` characters (left-aligned unless `left`), for table columns.
    fileprivate func padding(_ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - count))
        return left ? fill + self : self + fill
    }
}
