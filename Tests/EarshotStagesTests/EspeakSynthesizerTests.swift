import EarshotAudio
import EarshotCore
@testable import EarshotStages
import Foundation
import Testing

@Suite struct EspeakSynthesizerTests {
    static let sentence = "The pharmacy closes at nine tonight."

    /// Six words at 175 words per minute take about two seconds; espeak adds short edges. Speech
    /// must reach well above −30 dBFS in some 10 ms frame.
    @Test func synthesisIsAudibleSpeechAtTheDeclaredRate() throws {
        let audio = try EspeakSynthesizer.shared.synthesize(Self.sentence, sampleRate: 16_000)
        #expect(audio.sampleRate == 16_000)
        #expect(audio.channels == 1)
        #expect(audio.duration > .milliseconds(1_200) && audio.duration < .milliseconds(3_500))
        let loudest = try LevelMeter().levels(of: audio).map(\.levelDBFS).max() ?? Level.floor
        #expect(loudest > -30)
    }

    @Test func streamDeliversNativeRateChunksThatAddUpToTheUtterance() throws {
        var chunks: [AudioChunk] = []
        try EspeakSynthesizer.shared.stream(Self.sentence) { chunks.append($0) }
        #expect(chunks.count > 3)
        #expect(chunks.allSatisfy { $0.sampleRate == EspeakSynthesizer.shared.nativeSampleRate })
        // Another call, so the length may differ by what espeak carries over (see EspeakSynthesizer):
        // tens of milliseconds, where a lost or repeated chunk would be ~60 ms or more each.
        let native = try EspeakSynthesizer.shared.synthesize(Self.sentence, sampleRate: EspeakSynthesizer.shared.nativeSampleRate)
        let streamed = chunks.reduce(0) { $0 + $1.frameCount }
        #expect(abs(streamed - native.frameCount) < native.frameCount / 10, "\(streamed) samples against \(native.frameCount)")
    }

    /// The modelled voices' source: a fresh engine per text, so the same text is the same waveform
    /// whatever the process spoke before it (the in-process engine's carry-over is up to ~50 ms).
    @Test func theCommandGivesOneWaveformPerTextWhateverWasSpokenBefore() throws {
        let first = try EspeakCommand.synthesize(Self.sentence, sampleRate: 16_000)
        _ = try EspeakSynthesizer.shared.synthesize("Something else entirely, and rather longer than the sentence itself.")
        _ = try EspeakCommand.synthesize("And another text in between.", sampleRate: 16_000)
        let again = try EspeakCommand.synthesize(Self.sentence, sampleRate: 16_000)
        #expect(first == again)
        #expect(first.sampleRate == 16_000 && first.duration > .milliseconds(1_200) && first.duration < .milliseconds(3_500))
        // The same words, voice and rate as the library speaks them.
        let library = try EspeakSynthesizer.shared.synthesize(Self.sentence, sampleRate: 16_000)
        #expect(abs(library.frameCount - first.frameCount) < first.frameCount / 10, "\(library.frameCount) vs \(first.frameCount) samples")
    }

    @Test func aTextStartingWithADashIsSpokenNotReadAsAnOption() throws {
        let audio = try EspeakCommand.synthesize("-v is not a voice here", sampleRate: 16_000)
        #expect(audio.duration > .milliseconds(500))
    }

    /// The engine is one global instance: many threads at once must queue, not crash, and the
    /// fixed voice and rate give every caller the same speech.
    @Test func concurrentCallersShareOneEngine() async throws {
        let reference = try EspeakSynthesizer.shared.synthesize("Yes, that's right.")
        let results = try await withThrowingTaskGroup(of: AudioChunk.self) { group in
            for _ in 0..<6 {
                group.addTask { try EspeakSynthesizer.shared.synthesize("Yes, that's right.") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 6)
        // Each caller gets its own whole utterance: not cut short, not another caller's audio run
        // on into it (which would double it). The engine's carry-over moves the length by tens of
        // milliseconds, more after other texts, so the bound is a fifth of the utterance.
        for r in results {
            #expect(abs(r.frameCount - reference.frameCount) < reference.frameCount / 5 && r.sampleRate == 16_000,
                    "\(r.frameCount) samples against \(reference.frameCount)")
        }
        #expect(results.allSatisfy { $0.samples.contains { abs($0) > 0.1 } })
    }
}
