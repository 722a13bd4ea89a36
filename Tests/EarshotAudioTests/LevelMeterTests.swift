import EarshotAudio
import EarshotCore
import Foundation
import Testing

@Suite struct LevelMeterTests {
    @Test func fullScaleSineReadsMinus3Point01() throws {
        let sine = TestSignal.sine(frequency: 1_000, duration: .milliseconds(200), sampleRate: 48_000)
        let levels = try LevelMeter(frameDuration: .milliseconds(10)).levels(of: sine)
        #expect(levels.count == 20)
        for reading in levels { #expect(abs(reading.levelDBFS - -3.0103) < 0.01, "frame \(reading.index)") }
    }

    @Test func silenceReadsTheFloorAndNeverCrossesTheThreshold() throws {
        let silence = AudioChunk.silence(.milliseconds(100), sampleRate: 16_000)
        let meter = LevelMeter(frameDuration: .milliseconds(20))
        #expect(try meter.levels(of: silence).map(\.levelDBFS) == [Double](repeating: Level.floor, count: 5))
        #expect(try meter.firstFrame(above: -50, in: silence) == nil)
    }

    /// Silence, then a tone from sample 1234 on: with 10 ms frames (160 samples at 16 kHz) the
    /// tone starts 74 samples into frame 7 (samples 1120..<1280), which holds 46 tone samples.
    static func toneStarting(at onset: Int, amplitude: Double) -> AudioChunk {
        let tone = TestSignal.sine(frequency: 1_000, amplitude: amplitude, duration: .milliseconds(300), sampleRate: 16_000)
        return AudioChunk(samples: [Float](repeating: 0, count: onset) + tone.samples, sampleRate: 16_000)
    }

    @Test func firstFrameAboveThresholdFindsTheOnset() throws {
        let meter = LevelMeter(frameDuration: .milliseconds(10))
        let loud = try meter.firstFrame(above: -50, in: Self.toneStarting(at: 1_234, amplitude: 0.5))
        #expect(loud?.index == 7)
        #expect(loud?.start == .milliseconds(70))
        // At −40 dBFS the 46 tone samples of frame 7 average to about −45.4 dBFS over the frame:
        // above −50, below −44, so the stricter threshold moves the answer to frame 8.
        let quiet = Self.toneStarting(at: 1_234, amplitude: 0.01 * 2.0.squareRoot())
        #expect(try meter.firstFrame(above: -50, in: quiet)?.index == 7)
        #expect(try meter.firstFrame(above: -44, in: quiet)?.index == 8)
        #expect(try meter.firstFrame(above: -44, in: quiet)?.start == .milliseconds(80))
        #expect(try meter.firstFrame(above: -30, in: quiet) == nil)
    }

    @Test func theDefaultThresholdIsPlayouts() throws {
        let quiet = Self.toneStarting(at: 800, amplitude: 0.01)
        #expect(try LevelMeter().firstFrame(in: quiet) == LevelMeter().firstFrame(above: Level.defaultSilenceThresholdDBFS, in: quiet))
        #expect(try LevelMeter().firstFrame(in: quiet)?.index == 5)
    }

    @Test func levelsUseTheOneDBFSDefinition() throws {
        let speech = TestSignal.speechLike(duration: .milliseconds(500), sampleRate: 16_000)
        let levels = try LevelMeter(frameDuration: .milliseconds(20)).levels(of: speech)
        for reading in levels {
            let start = reading.index * 320
            #expect(reading.levelDBFS == Level.rmsDBFS(speech.samples[start..<min(start + 320, speech.samples.count)]))
        }
    }

    @Test func aShortLastFrameIsMeasuredOverItsRealSamples() throws {
        let sine = TestSignal.sine(frequency: 1_000, duration: .milliseconds(45), sampleRate: 16_000)
        let levels = try LevelMeter(frameDuration: .milliseconds(20)).levels(of: sine)
        #expect(levels.count == 3)
        #expect(abs(levels[2].levelDBFS - -3.0103) < 0.01)
        #expect(levels[2].start == .milliseconds(40))
    }

    @Test func framesMustBeWholeSamples() {
        #expect(throws: AudioFormatError.frameNotWholeSamples(frameDuration: .milliseconds(10), sampleRate: 22_050)) {
            try LevelMeter(frameDuration: .milliseconds(10)).levels(of: AudioChunk(samples: [0], sampleRate: 22_050))
        }
    }
}
