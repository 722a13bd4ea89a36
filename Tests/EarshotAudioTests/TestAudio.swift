import EarshotAudio
import EarshotCore
import Foundation

/// Shared helpers for the audio tests.
enum TestAudio {
    /// The committed fixtures folder (AudioFixtures/ at the package root).
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("AudioFixtures")

    static func utterance(_ name: String) throws -> AudioChunk {
        try AudioFile.read(fixtures.appendingPathComponent("utterances/\(name).wav"))
    }

    /// Signal-to-noise ratio of `test` against `reference`, in dB, over `reference`'s samples
    /// starting at `from`, with `test` delayed by `delay` samples.
    static func snr(_ reference: [Float], _ test: [Float], delay: Int = 0, from: Int = 0, count: Int? = nil) -> Double {
        SignalComparison.snr(reference, test, delay: delay, from: from, count: count)
    }

    /// A fresh, empty directory under the system's temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-audio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A canonical 44-byte-header PCM WAV, written by hand so the reader is tested against bytes
    /// that did not come from the writer.
    static func wavBytes(bitsPerSample: Int, sampleRate: Int, channels: Int, data: [UInt8], format: UInt16 = 1) -> [UInt8] {
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func le16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let blockAlign = channels * bitsPerSample / 8
        var bytes = Array("RIFF".utf8) + le32(36 + data.count) + Array("WAVE".utf8)
        bytes += Array("fmt ".utf8) + le32(16) + le16(Int(format)) + le16(channels) + le32(sampleRate)
        bytes += le32(sampleRate * blockAlign) + le16(blockAlign) + le16(bitsPerSample)
        bytes += Array("data".utf8) + le32(data.count) + data
        return bytes
    }
}
