import EarshotAudio
import EarshotCore
import Testing

@Suite struct TestSignalTests {
    @Test func speechLikeIsReproducibleAndShapedLikeSpeech() throws {
        let a = TestSignal.speechLike(duration: .seconds(2), sampleRate: 16_000, seed: 7)
        #expect(a == TestSignal.speechLike(duration: .seconds(2), sampleRate: 16_000, seed: 7))
        #expect(a != TestSignal.speechLike(duration: .seconds(2), sampleRate: 16_000, seed: 8))
        #expect(a.frameCount == 32_000)
        #expect(a.samples.map(abs).max() == 0.5)
        // Syllables and pauses: some 20 ms frames are loud, some are digital silence.
        let levels = try LevelMeter(frameDuration: .milliseconds(20)).levels(of: a).map(\.levelDBFS)
        #expect(levels.contains { $0 > -20 })
        #expect(levels.contains { $0 == Level.floor })
        #expect(levels.first == Level.floor)  // It opens with 100 ms of silence.
    }

    @Test func sineHasTheRequestedAmplitudeAndPhase() {
        let sine = TestSignal.sine(frequency: 1_000, amplitude: 0.25, duration: .milliseconds(1), sampleRate: 8_000, channels: 2)
        let left = stride(from: 0, to: 16, by: 2).map { sine.samples[$0] }
        let expected: [Float] = [0, 0.1767767, 0.25, 0.1767767, 0, -0.1767767, -0.25, -0.1767767]
        #expect(zip(left, expected).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(sine.samples[1] == sine.samples[0] && sine.samples[3] == sine.samples[2])
    }
}
