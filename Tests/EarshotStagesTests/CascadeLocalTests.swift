import EarshotAudio
import EarshotCore
import EarshotStages
import Testing

/// The real on-box cascade end to end, behind Opus both ways.
@Suite struct CascadeLocalTests {
    /// The user cuts in while the reply plays: the VAD needs its 200 ms start, the endpointer
    /// interrupts, and the transport cuts cleanly — no stale codec look-ahead of the old reply
    /// leaks into the next one (which once stretched this to over two seconds).
    @Test func aBargeInStopsTheReplyWithinTheVadStartPlusTransport() throws {
        let pipeline = try PipelineFile.load("cascade-local").pipeline
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [try EngineTestSupport.scenario("barge-in")]).run()
        let barge = try #require(result.turns.first { $0.kind == .bargeIn })
        let stop = try #require(barge.stopLatency)
        #expect(stop >= .milliseconds(200) && stop < .milliseconds(400), "\(stop)")
        #expect(result.turns.allSatisfy { $0.outcome != .failed && $0.outcome != .missed })
    }
}
