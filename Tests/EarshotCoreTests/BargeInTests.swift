import EarshotCore
import Testing

@Suite struct BargeInTests {
    static let scenario = Synthetic.scenario(totalMs: 6000, turns: [(.turn, 1000, 2000), (.bargeIn, 3000, 3400)])

    static func agent(paced: Bool, stopMs: Int) -> Pipeline {
        .chain("agent", [
            StageSpec("test-endpointer") { TestEndpointer(silence: .milliseconds(200), forwardsAudio: true) },
            StageSpec("test-agent") { TestAgent(replyMs: 3000, stopDelay: .milliseconds(Int64(stopMs)), paced: paced) },
        ])
    }

    /// The agent hears the onset when the frame holding it is emitted (one 20 ms frame after the
    /// onset, which sits on a frame boundary), then stops after its fixed delay: stop latency is
    /// exactly delay + 20 ms, whether it stops sending or playout drops its queued audio.
    @Test(arguments: [(true, 100), (false, 100), (true, 260), (false, 0)])
    func stopLatencyIsTheFixedDelayPlusOneFrame(paced: Bool, stopMs: Int) throws {
        let result = try VirtualRuntime(pipeline: Self.agent(paced: paced, stopMs: stopMs), scenarios: [Self.scenario]).run()
        let (first, barge) = (result.turns[0], result.turns[1])
        #expect(first.voiceToVoice == .milliseconds(200))
        #expect(first.outcome == .interrupted)
        #expect(barge.kind == .bargeIn)
        #expect(barge.stopLatency == .milliseconds(Int64(stopMs + 20)))
    }

    @Test func noStopLatencyWhenTheAgentWasAlreadySilent() throws {
        let quiet = Synthetic.scenario(totalMs: 8000, turns: [(.turn, 1000, 2000), (.bargeIn, 5000, 5400)])
        let pipeline = Pipeline.chain("short", [
            StageSpec("test-endpointer") { TestEndpointer(silence: .milliseconds(200), forwardsAudio: true) },
            StageSpec("test-agent") { TestAgent(replyMs: 1000, stopDelay: .milliseconds(100), paced: true) },
        ])
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [quiet]).run()
        #expect(result.turns[0].outcome == .responded)
        #expect(result.turns[1].stopLatency == nil)
    }
}
