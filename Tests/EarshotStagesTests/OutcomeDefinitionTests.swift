import EarshotCore
import EarshotStages
import Testing

/// The outcome rules as a listener hears them, each on a committed fixture through a small
/// pipeline of modelled stages (virtual time, exact): an agent that stops for a backchannel has
/// not ignored it, `interrupted` only when the agent stopped, marks only from the attempt that was
/// heard, and a talked-over turn leaves the latency percentiles.
@Suite struct OutcomeDefinitionTests {
    /// A cascade with fixed delays: WebRTC VAD, an endpointer of `silenceMs`, then STT, LLM and TTS.
    static func cascade(silenceMs: Int, interruptions: Bool = true, ttfaMs: Int = 100) throws -> Pipeline {
        try EngineTestSupport.pipeline("fixed-cascade", """
              - stage: vad-webrtc
                start_ms: 200
                stop_ms: 200
                charge: free
              - stage: endpointer
                silence_ms: \(silenceMs)
                interruptions: \(interruptions)
              - stage: stt-parametric
                final_delay: 100
              - stage: llm-scripted
                ttft: 150
              - stage: tts-parametric
                ttfa: \(ttfaMs)

            """)
    }

    static func turns(_ pipeline: Pipeline, _ scenario: String) throws -> [TurnResult] {
        try VirtualRuntime(pipeline: pipeline, scenarios: [try EngineTestSupport.scenario(scenario)]).run().turns
    }

    /// backchannel.yaml: the reply to turn 1 is playing when the user says "mm hm" (turn 2). A
    /// cascade whose endpointer stops the agent on any speech cuts its reply there: turn 1 was
    /// interrupted and the backchannel was not ignored. "yeah" (turn 3) finds the agent quiet.
    @Test func aCascadeThatStopsForABackchannelHasNotIgnoredIt() throws {
        let turns = try Self.turns(try Self.cascade(silenceMs: 800), "backchannel")
        #expect(turns.map(\.outcome) == [.interrupted, .interrupted, .ignored])
        // The reply was cut well short: it went quiet while "mm hm" (6490–7170 ms) was being said.
        #expect(try #require(turns[0].agentStart) < turns[1].userEnd)
    }

    /// The same conversation through a duplex model that holds the floor: the backchannels are ignored.
    @Test func aDuplexModelThatTalksOnIgnoresTheBackchannels() throws {
        let pipeline = try PipelineFile.load("duplex-gradium").pipeline
        #expect(try Self.turns(pipeline, "backchannel").map(\.outcome) == [.responded, .ignored, .ignored])
    }

    /// barge-in.yaml with `interruptions: false`: the agent talks on through the barge-in, so
    /// turn 1 was not interrupted; the stop latency says how long it went on over the user.
    @Test func anAgentThatTalksThroughABargeInWasNotInterrupted() throws {
        let through = try Self.turns(try Self.cascade(silenceMs: 500, interruptions: false), "barge-in")
        #expect(through[0].outcome == .responded)
        let stop = try #require(through[1].stopLatency)
        #expect(stop > through[1].userEnd - through[1].userStart + .milliseconds(500), "\(stop)")
        // With interruptions on, the same reply is cut within the barge-in: interrupted.
        let stopped = try Self.turns(try Self.cascade(silenceMs: 500), "barge-in")
        #expect(stopped[0].outcome == .interrupted)
        #expect(try #require(stopped[1].stopLatency) < stopped[1].userEnd - stopped[1].userStart)
    }

    /// mid-turn-pause.yaml, turn 1 pauses 2840–3570 ms and ends at 5600 ms. A 300 ms endpointer
    /// cuts the pause; the user talks on before the first attempt's audio (a 400 ms TTS), so that
    /// attempt is dropped unheard and the reply comes from the second. Its breakdown holds the
    /// second attempt's marks only: fixed delays of 100 (STT), 150 (LLM) and 400 ms (TTS).
    @Test func marksComeFromTheAttemptThatWasHeard() throws {
        let turn = try #require(try Self.turns(try Self.cascade(silenceMs: 300, ttfaMs: 400), "mid-turn-pause").first)
        #expect(turn.outcome == .responded)
        let segments = Dictionary(uniqueKeysWithValues: turn.breakdown.map { ($0.name, $0.duration) })
        let endpoint = try #require(segments["endpoint"])
        #expect(endpoint > .milliseconds(300) && endpoint < .milliseconds(700), "\(segments)")
        #expect(segments["stt_final"] == .milliseconds(100))
        #expect(segments["llm_first_token"] == .milliseconds(150))
        #expect(segments["tts_first_audio"] == .milliseconds(400))
        #expect(segments.values.allSatisfy { $0 >= .zero }, "\(segments)")
    }

    /// The same cut with a 100 ms TTS: the first attempt is heard inside the pause, so the agent
    /// talked over the user. Its latency is kept in the row but pools nowhere, and only its first
    /// segment is negative.
    @Test func aTalkedOverTurnLeavesThePercentiles() throws {
        let turn = try #require(try Self.turns(try Self.cascade(silenceMs: 300), "mid-turn-pause").first)
        #expect(turn.outcome == .talkedOver && !turn.countsLatency)
        let v2v = try #require(turn.voiceToVoice)
        #expect(v2v < .zero)
        let durations = turn.breakdown.map(\.duration)
        #expect(durations.reduce(.zero, +) == v2v)
        #expect(durations.dropFirst().allSatisfy { $0 >= .zero }, "\(turn.breakdown)")
    }

    /// The TTS waits for a whole first sentence: the LLM's streaming up to it is its own segment,
    /// and `tts_first_audio` is the TTS's fixed 100 ms alone.
    @Test func theLLMsStreamingToTheFirstSentenceIsNotTheTTSs() throws {
        let turn = try #require(try Self.turns(try Self.cascade(silenceMs: 800), "basic-qa").first)
        let segments = Dictionary(uniqueKeysWithValues: turn.breakdown.map { ($0.name, $0.duration) })
        #expect(segments["tts_first_audio"] == .milliseconds(100))
        #expect(try #require(segments["llm_first_sentence"]) > .zero)
    }
}
