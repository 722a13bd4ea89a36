import EarshotCore
import Testing

@Suite struct VirtualCalibrationTests {
    /// endpoint 200 + STT 100 + LLM 150 + TTS 50 = 500 ms, plus the frame quantization: the
    /// endpointer sees the last speech sample only when its 20 ms frame is emitted, at the frame's end.
    @Test(arguments: [(2000, 0), (2010, 10), (2019, 1), (2001, 19)])
    func fixedCascadeGivesSumPlusQuantization(endMs: Int, quantizationMs: Int) throws {
        let scenario = Synthetic.scenario(totalMs: 4000, turns: [(.turn, 1000, endMs)])
        let result = try VirtualRuntime(pipeline: TestPipelines.cascade(), scenarios: [scenario]).run()
        let turn = try #require(result.turns.first)
        #expect(turn.userEnd == .milliseconds(Int64(endMs)))
        #expect(turn.voiceToVoice == .milliseconds(500 + quantizationMs))
        #expect(turn.outcome == .responded)
        let breakdown = turn.breakdown.map { "\($0.name)=\($0.duration.nanoseconds / 1_000_000)" }
        #expect(breakdown == ["endpoint=\(200 + quantizationMs)", "stt_final=100", "llm_first_token=150",
                              "tts_first_audio=50", "playout=0"])
        #expect(turn.breakdown.map(\.duration).reduce(.zero, +) == turn.voiceToVoice)
    }

    @Test func everyTurnOfEverySessionMeasuresTheSame() throws {
        let scenario = Synthetic.scenario(totalMs: 9000, turns: [(.turn, 1000, 2000), (.turn, 5000, 6010)])
        var config = RunConfiguration()
        config.sessionsPerScenario = 5
        let result = try VirtualRuntime(pipeline: TestPipelines.cascade(), scenarios: [scenario], configuration: config).run()
        #expect(result.turns.count == 10)
        #expect(Set(result.turns.map(\.session)) == Set(0..<5))
        for t in result.turns {
            #expect(t.voiceToVoice == .milliseconds(t.turn == 1 ? 500 : 510))
        }
    }

    @Test func noReplyIsMissed() throws {
        let scenario = Synthetic.scenario(totalMs: 4000, turns: [(.turn, 1000, 2000)])
        let result = try VirtualRuntime(pipeline: .chain("silent", [StageSpec("ep") { TestEndpointer(silence: .milliseconds(200)) }]),
                                        scenarios: [scenario]).run()
        #expect(result.turns.map(\.outcome) == [.missed])
        #expect(result.turns[0].voiceToVoice == nil)
    }
}
