import EarshotAudio
import EarshotCore
import Foundation
import Testing

/// Bad input gives one clear line naming the file, never a crash.
@Suite final class BadAudioFileTests {
    let directory: URL

    init() throws { directory = try TestAudio.temporaryDirectory() }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// A 16-bit mono WAV whose data chunk declares 2000 bytes.
    static let wav = TestAudio.wavBytes(bitsPerSample: 16, sampleRate: 16_000, channels: 1,
                                        data: (0..<2_000).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) })

    /// Writes `bytes` to a file in this test's directory and reads it back, expecting an error.
    private func readError(_ name: String, _ bytes: [UInt8]?) throws -> AudioFileError? {
        let url = directory.appendingPathComponent(name)
        if let bytes { try Data(bytes).write(to: url) }
        return #expect(throws: AudioFileError.self) { try AudioFile.read(url) }
    }

    @Test func missingFile() throws {
        let error = try readError("missing.wav", nil)
        #expect(error?.reason == .noSuchFile)
        #expect(error?.description == "\(directory.path)/missing.wav: no such file")
    }

    @Test func emptyFile() throws {
        let error = try readError("x.wav", [])
        #expect(error?.reason == .empty)
        #expect(error?.description.hasSuffix("/x.wav: file is empty") == true)
    }

    @Test func textFileNamedWav() throws {
        let error = try readError("notes.wav", Array("these are my notes, not audio\n".utf8))
        #expect(error?.reason == .notAudio(library: "Format not recognised"))
        #expect(error?.description.hasSuffix("/notes.wav: not an audio file (libsndfile: Format not recognised)") == true)
    }

    @Test func headerOnly() throws {
        let error = try readError("header.wav", Array(Self.wav.prefix(44)))
        #expect(error?.reason == .truncated("data chunk declares 2000 bytes, file holds 0"))
    }

    @Test func cutMidData() throws {
        let error = try readError("cut.wav", Array(Self.wav.prefix(44 + 777)))
        #expect(error?.reason == .truncated("data chunk declares 2000 bytes, file holds 777"))
        #expect(error?.description.hasSuffix("/cut.wav: truncated (data chunk declares 2000 bytes, file holds 777)") == true)
    }

    @Test func cutInsideTheHeader() throws {
        #expect(try readError("a.wav", Array(Self.wav.prefix(10)))?.reason
            == .truncated("file ends inside the RIFF header, at byte 10"))
        #expect(try readError("b.wav", Array(Self.wav.prefix(20)))?.reason
            == .truncated("'fmt ' chunk declares 16 bytes, file holds 0"))
        #expect(try readError("c.wav", Array(Self.wav.prefix(40)))?.reason
            == .truncated("file ends inside a chunk header, at byte 40"))
    }

    @Test func truncatedFLAC() throws {
        let chunk = TestSignal.speechLike(duration: .seconds(1), sampleRate: 16_000)
        let flac = try AudioFile.bytes(of: chunk, format: .flac16)
        let error = #expect(throws: AudioFileError.self) { try AudioFile.read(bytes: Array(flac.prefix(flac.count / 2)), name: "cut.flac") }
        guard case .truncated = error?.reason else {
            Issue.record("expected truncated, got \(String(describing: error))")
            return
        }
        #expect(error?.description.hasPrefix("cut.flac: truncated (") == true)
    }

    @Test func malformedHeader() throws {
        // A well-formed RIFF layout whose format chunk claims zero channels.
        let bytes = TestAudio.wavBytes(bitsPerSample: 16, sampleRate: 16_000, channels: 0, data: [0, 0])
        let error = #expect(throws: AudioFileError.self) { try AudioFile.read(bytes: bytes, name: "zero.wav") }
        guard case .malformed = error?.reason else {
            Issue.record("expected malformed, got \(String(describing: error))")
            return
        }
    }

    @Test func directoryIsNotAFile() throws {
        let error = #expect(throws: AudioFileError.self) { try AudioFile.read(directory) }
        #expect(error?.reason == .notAFile("a folder"))
    }

    @Test func writingIntoAMissingDirectory() throws {
        let url = directory.appendingPathComponent("no/such/dir/x.wav")
        let error = #expect(throws: AudioFileError.self) {
            try AudioFile.write(AudioChunk(samples: [0], sampleRate: 16_000), to: url, format: .wav16)
        }
        #expect(error?.reason == .system("cannot write: no such directory"))
    }

    @Test func messagesAreOneLineAndMapToInputError() throws {
        let error = AudioFileError(file: "AudioFixtures/x.wav", reason: .notAudio(library: "Format not recognised"))
        #expect(error.description == "AudioFixtures/x.wav: not an audio file (libsndfile: Format not recognised)")
        #expect(error.inputError.description == error.description)
        #expect(!error.description.contains("\n"))
        #expect(AudioFileError(file: "a.wav", reason: .empty).description == "a.wav: file is empty")
    }

    /// Corrupted headers and cuts at every point of the header: each read returns or throws
    /// `AudioFileError`; none traps. (A trap would end the test process.)
    @Test(arguments: [AudioFileFormat.wav16, .flac16, .wavFloat])
    func corruptedFilesNeverCrash(format: AudioFileFormat) throws {
        let chunk = TestSignal.speechLike(duration: .milliseconds(300), sampleRate: 16_000)
        let good = try AudioFile.bytes(of: chunk, format: format)
        var state: UInt64 = 12_345
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var variants: [[UInt8]] = stride(from: 0, to: min(good.count, 120), by: 3).map { Array(good.prefix($0)) }
        for _ in 0..<150 {
            var bytes = good
            for _ in 0..<(1 + next() % 4) { bytes[next() % min(bytes.count, 96)] = UInt8(truncatingIfNeeded: next()) }
            variants.append(bytes)
        }
        var failures = 0
        for bytes in variants {
            do { _ = try AudioFile.read(bytes: bytes) } catch { failures += 1 }
        }
        #expect(failures > 50)  // Most variants are broken; the point is that none crashed.
    }

    @Test func emptyMemory() {
        #expect(throws: AudioFileError(file: "<memory>", reason: .empty)) { try AudioFile.read(bytes: []) }
    }
}
