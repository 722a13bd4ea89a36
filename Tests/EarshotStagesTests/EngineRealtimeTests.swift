import EarshotCore
import EarshotStages
import Testing

/// The real engines together under the real-time runtime: several sessions at once, all sharing
/// the one espeak-ng instance, none crashing, every turn answered.
@Suite struct EngineRealtimeTests {
    @Test func severalSessionsShareTheEngines() throws {
        let cascade = try EngineTestSupport.pipeline("engines", """
              - stage: vad-webrtc
              - stage: endpointer
                silence_ms: 300
              - stage: stt-pocketsphinx
            """)
        let tail: [Pipeline.Step] = [
            .stage(StageSpec("scripted-replies") { EngineScriptedReplies() }),
            .stage(StageSpec("tts-espeak") { EspeakTTSStage() }),
        ]
        // "Yes, that's right." (1.29 s of speech) at 300 ms on a 2.6 s timeline.
        let scenario = try EngineTestSupport.single("yes-thats-right", speechMs: 1_290, totalMs: 2_600)
        var configuration = RunConfiguration()
        configuration.sessionsPerScenario = 4
        configuration.drainTimeout = .seconds(3)
        let result = try RealtimeRuntime(pipeline: Pipeline(name: "engines", steps: cascade.steps + tail),
                                         scenarios: [scenario], configuration: configuration).run()
        #expect(result.turns.count == 4)
        for turn in result.turns {
            #expect(turn.failure == nil)
            #expect(turn.outcome == .responded)
            let endpoint = try #require(turn.marks[.endpoint])
            let final = try #require(turn.marks[.sttFinal])
            let firstAudio = try #require(turn.marks[.ttsFirstAudio])
            #expect(endpoint - turn.userEnd > .milliseconds(250))
            #expect(final >= endpoint && firstAudio >= final)
            #expect(turn.agentStart! >= firstAudio)
        }
    }
}
