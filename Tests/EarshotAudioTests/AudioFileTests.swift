import EarshotAudio
import EarshotCore
import Foundation
import Testing

@Suite struct AudioFileTests {
    /// Every Int16 value once, as the reader would produce it.
    static let everyInt16 = (Int(Int16.min)...Int(Int16.max)).map { Float($0) / 32768 }

    @Test(arguments: [AudioFileFormat.wav16, .flac16])
    func sixteenBitRoundTripIsBitExact(format: AudioFileFormat) throws {
        let chunk = AudioChunk(samples: Self.everyInt16, sampleRate: 16_000)
        let bytes = try AudioFile.bytes(of: chunk, format: format)
        let read = try AudioFile.read(bytes: bytes)
        #expect(read.samples == chunk.samples)
        #expect(read.sampleRate == 16_000 && read.channels == 1)
        #expect(try AudioFile.bytes(of: read, format: format) == bytes)
    }

    @Test func committedFixtureSurvivesReadWriteUnchanged() throws {
        let url = TestAudio.fixtures.appendingPathComponent("utterances/how-tall.wav")
        let original = try [UInt8](Data(contentsOf: url))
        let chunk = try AudioFile.read(url)
        #expect(chunk.sampleRate == 16_000 && chunk.channels == 1 && chunk.frameCount == 18_720)

        let directory = try TestAudio.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("copy.wav")
        try AudioFile.write(chunk, to: copy, format: .wav16)
        #expect(try [UInt8](Data(contentsOf: copy)) == original)
    }

    @Test func twentyFourBitPCMReadsExactly() throws {
        let values: [Int32] = [0, 1, -1, 8_388_607, -8_388_608, 123_456, -654_321]
        let data = values.flatMap { v in (0..<3).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let bytes = TestAudio.wavBytes(bitsPerSample: 24, sampleRate: 44_100, channels: 1, data: data)
        let chunk = try AudioFile.read(bytes: bytes)
        #expect(chunk.samples == values.map { Float($0) / 8_388_608 })
        #expect(chunk.sampleRate == 44_100)
    }

    @Test func floatWAVPassesSamplesThroughUnchanged() throws {
        let samples: [Float] = [0, 0.1, -0.333, 1, -1, 1.5, 1e-9]
        let chunk = AudioChunk(samples: samples, sampleRate: 48_000)
        let read = try AudioFile.read(bytes: try AudioFile.bytes(of: chunk, format: .wavFloat))
        #expect(read.samples == samples)
    }

    @Test func stereoKeepsChannelsAndRate() throws {
        let frames = 1_000
        let samples = (0..<frames).flatMap { i in [Float(i) / 32768, -Float(i) / 32768] }
        let chunk = AudioChunk(samples: samples, sampleRate: 22_050, channels: 2)
        for format in AudioFileFormat.allCases {
            let read = try AudioFile.read(bytes: try AudioFile.bytes(of: chunk, format: format))
            #expect(read == chunk, "\(format)")
        }
    }

    @Test func sixteenBitWritingRoundsAndClamps() throws {
        let chunk = AudioChunk(samples: [1, 1.5, -1, -1.5, 0.6 / 32768, -0.4 / 32768, .nan, .infinity], sampleRate: 8_000)
        let read = try AudioFile.read(bytes: try AudioFile.bytes(of: chunk, format: .wav16))
        let top: Float = 32767 / 32768
        let expected: [Float] = [top, top, -1, -1, 1 / 32768, 0, 0, top]
        #expect(read.samples == expected)
    }

    @Test func extensionChoosesTheFormat() throws {
        let directory = try TestAudio.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let chunk = TestSignal.sine(frequency: 440, amplitude: 0.5, duration: .milliseconds(100), sampleRate: 16_000)
        for (name, magic) in [("a.wav", "RIFF"), ("b.flac", "fLaC"), ("c.WAV", "RIFF")] {
            let url = directory.appendingPathComponent(name)
            try AudioFile.write(chunk, to: url)
            let head = try [UInt8](Data(contentsOf: url).prefix(4))
            #expect(head == Array(magic.utf8), "\(name)")
            #expect(try AudioFile.read(url).frameCount == 1_600)
        }
        let error = #expect(throws: AudioFileError.self) {
            try AudioFile.write(chunk, to: directory.appendingPathComponent("d.mp3"))
        }
        #expect(error?.reason == .unsupportedExtension("mp3"))
    }

    @Test func emptyButValidFileReadsAsNoSamples() throws {
        let bytes = TestAudio.wavBytes(bitsPerSample: 16, sampleRate: 16_000, channels: 1, data: [])
        let chunk = try AudioFile.read(bytes: bytes)
        #expect(chunk.samples.isEmpty && chunk.sampleRate == 16_000)
    }
}
