import EarshotAudio
import EarshotCore
import EarshotStages
import Testing

@Suite struct WebRtcVadStageTests {
    static func frames(_ chunk: AudioChunk, ms: Int = 20) -> [AudioChunk] {
        let n = chunk.sampleRate * ms / 1000
        return stride(from: 0, to: chunk.samples.count - n + 1, by: n).map {
            AudioChunk(samples: Array(chunk.samples[$0..<($0 + n)]), sampleRate: chunk.sampleRate)
        }
    }

    static func verdicts(_ chunk: AudioChunk, mode: Int = 3, window: Int = 20, frameMs: Int = 20) throws -> [Bool] {
        let vad = try WebRtcVad(mode: mode, windowMilliseconds: window)
        return try frames(chunk, ms: frameMs).map { try vad.isVoiced($0) }
    }

    @Test func silenceIsNeverVoiced() throws {
        #expect(try Self.verdicts(.silence(.seconds(1))).filter { $0 }.isEmpty)
    }

    @Test func aHarmonicVoiceIsVoiced() throws {
        let voice = EngineTestSupport.voiced(totalMs: 1_000, turns: [[0..<1_000]]).audio
        #expect(try Self.verdicts(voice).allSatisfy { $0 })
    }

    /// what-time.wav: speech from 100 ms to 2560 ms (the manifests' energy rule). The VAD must
    /// find nothing in the lead-in and most of the speech voiced.
    @Test func aFixtureUtteranceIsVoicedWhereItsSpeechIs() throws {
        let audio = try EngineTestSupport.utterance("what-time")
        let v = try Self.verdicts(audio)
        #expect(v.prefix(5).allSatisfy { !$0 })
        let speech = v[5..<128]
        #expect(speech.filter { $0 }.count >= speech.count * 3 / 4)
    }

    /// Every rate and window the engine takes, and rates it does not (44.1 and 22.05 kHz are
    /// resampled), give the same picture of the utterance. The file ends 200 ms after the speech;
    /// the engine's own hangover may still call the first 170 ms of that voiced.
    @Test(arguments: [(8_000, 10), (16_000, 30), (32_000, 20), (48_000, 10), (44_100, 20), (22_050, 30)])
    func ratesAndWindows(rate: Int, window: Int) throws {
        let audio = try Resampler.resample(EngineTestSupport.utterance("what-time"), to: rate)
        let v = try Self.verdicts(audio, window: window)
        #expect(v.prefix(4).allSatisfy { !$0 })
        #expect(v[5..<128].filter { $0 }.count >= 90)
        #expect(v.suffix(1).allSatisfy { !$0 })
    }

    @Test func refusesWhatTheEngineCannotDo() {
        #expect(throws: WebRtcVadError.invalidMode(4)) { try WebRtcVad(mode: 4) }
        #expect(throws: WebRtcVadError.invalidWindow(25)) { try WebRtcVad(windowMilliseconds: 25) }
    }

    /// One utterance: one speechStarted near its start, one speechStopped near its end, all audio
    /// forwarded; the stage is real compute, so it is measured.
    @Test func theStageFindsOneUtterance() throws {
        let scenario = try EngineTestSupport.single("what-time", speechMs: 2_460, totalMs: 4_000)
        let probe = EngineProbe()
        let pipeline = Pipeline.chain("vad", [StageSpec("vad-webrtc") { try WebRtcVadStage() }, probe.spec])
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [scenario]).run()
        #expect(probe.audio.count == 200)
        #expect(probe.times(of: .speechStarted).count == 1)
        #expect(probe.times(of: .speechStopped).count == 1)
        // Where the events sit in the stream: the audio that came out before each.
        let started = try #require(probe.events.firstIndex { $0.event == .speechStarted })
        let stopped = try #require(probe.events.firstIndex { $0.event == .speechStopped })
        let before = { (i: Int) in probe.audio.filter { $0.at < probe.events[i].at }.count * 20 }
        #expect(abs(before(started) - 400) <= 60)
        #expect(abs(before(stopped) - 2_860) <= 120)
        #expect(result.stages.first { $0.stage == "vad-webrtc" }!.busy > .zero)
        #expect(try WebRtcVadStage().timing == .measured)
    }
}
