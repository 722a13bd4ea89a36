import EarshotAudio
import EarshotCore
import Testing

@Suite struct FramerTests {
    /// Input samples are 1, 2, 3, ... so a padding zero can never be mistaken for input.
    static func ramp(_ frames: Int, sampleRate: Int, channels: Int = 1) -> AudioChunk {
        AudioChunk(samples: (0..<frames * channels).map { Float($0 + 1) }, sampleRate: sampleRate, channels: channels)
    }

    @Test(arguments: [10, 20, 40, 80], [8_000, 16_000, 48_000])
    func everySampleOnceInOrderPaddingOnlyAtTheEnd(milliseconds: Int, sampleRate: Int) throws {
        let perFrame = sampleRate * milliseconds / 1000
        for length in [0, 1, perFrame - 1, perFrame, perFrame + 1, 7 * perFrame + 13] {
            let input = Self.ramp(length, sampleRate: sampleRate)
            let framed = try Framer(frameDuration: .milliseconds(milliseconds)).split(input)
            #expect(framed.samplesPerFrame == perFrame)
            #expect(framed.frames.count == (length + perFrame - 1) / perFrame)
            #expect(framed.frames.allSatisfy { $0.frameCount == perFrame && $0.sampleRate == sampleRate })
            let joined = framed.frames.flatMap(\.samples)
            #expect(Array(joined.prefix(length)) == input.samples, "length \(length)")
            #expect(joined.dropFirst(length).allSatisfy { $0 == 0 }, "length \(length)")
            #expect(joined.count - length == framed.paddingSamples)
            let expectedReal = length == 0 ? 0 : (length % perFrame == 0 ? perFrame : length % perFrame)
            #expect(framed.realSamplesInLastFrame == expectedReal, "length \(length)")
        }
    }

    @Test func stereoFramesKeepInterleavingAndPadPerChannel() throws {
        let input = Self.ramp(250, sampleRate: 16_000, channels: 2)
        let framed = try Framer(frameDuration: .milliseconds(10)).split(input)
        #expect(framed.frames.count == 2)
        #expect(framed.frames[0].samples == Array(input.samples[0..<320]))
        #expect(framed.frames[1].samples == Array(input.samples[320..<500]) + [Float](repeating: 0, count: 140))
        #expect(framed.realSamplesInLastFrame == 90)
        #expect(framed.paddingSamples == 70)
    }

    @Test func frameSizes() throws {
        #expect(try Framer(frameDuration: .milliseconds(20)).samplesPerFrame(at: 22_050) == 441)
        #expect(try Framer(frameDuration: .microseconds(2_500)).samplesPerFrame(at: 8_000) == 20)
        #expect(try Framer(frameDuration: .milliseconds(80)).samplesPerFrame(at: 24_000) == 1_920)
    }

    @Test func aFrameThatIsNotWholeSamplesIsRefused() {
        let error = #expect(throws: AudioFormatError.self) {
            try Framer(frameDuration: .milliseconds(10)).split(Self.ramp(1_000, sampleRate: 22_050))
        }
        #expect(error == .frameNotWholeSamples(frameDuration: .milliseconds(10), sampleRate: 22_050))
        #expect(error?.description == "a 10 ms frame is not a whole number of samples at 22050 Hz")
        #expect(throws: AudioFormatError.invalidFrameDuration(.zero)) {
            try Framer(frameDuration: .zero).samplesPerFrame(at: 16_000)
        }
    }
}
