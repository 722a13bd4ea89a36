import EarshotCore
import Foundation
import Testing

/// The same known-answer chain as the virtual tests, on the wall clock. The tolerance is loose on
/// purpose — a shared 2-core machine can stall a thread for milliseconds — and the harness's real
/// precision is what `earshot-bench harness` reports.
@Suite struct RealtimeCalibrationTests {
    /// ThreadSanitizer slows every hop about tenfold; under it these tests check for races, with
    /// fewer sessions and a wider window, and the timing itself is checked by the plain runs.
    static let underThreadSanitizer: Bool = dlsym(dlopen(nil, RTLD_NOW), "__tsan_init") != nil
    static let tolerance: Duration = underThreadSanitizer ? .milliseconds(150) : .milliseconds(25)
    static let sessionsPerScenario = underThreadSanitizer ? 10 : 50

    @Test func fixedCascadeMatchesTheVirtualAnswer() throws {
        let scenario = Synthetic.scenario(totalMs: 2000, turns: [(.turn, 400, 910)])
        let result = try RealtimeRuntime(pipeline: TestPipelines.cascade(), scenarios: [scenario]).run()
        let turn = try #require(result.turns.first)
        let v2v = try #require(turn.voiceToVoice)
        // 500 ms of stage delays + 10 ms of frame quantization. Either way by the pacer's jitter: user_end
        // moves with the lateness of the frame that carried it, the endpoint with that of a later frame.
        #expect(v2v >= .milliseconds(510) - Self.tolerance)
        #expect(v2v <= .milliseconds(510) + Self.tolerance)
        #expect(turn.outcome == .responded)
        #expect(turn.breakdown.map(\.duration).reduce(.zero, +) == v2v)
        #expect(turn.breakdown.map(\.name) == ["endpoint", "stt_final", "llm_first_token", "tts_first_audio", "playout"])
        #expect(result.harness.framesSent == 100)
        #expect(result.harness.framesDropped == 0)
    }

    @Test func manySessionsAtOnceEachMeasureTheirOwnTurns() throws {
        let scenarios = [
            Synthetic.scenario(name: "a", totalMs: 1500, turns: [(.turn, 200, 600)]),
            Synthetic.scenario(name: "b", totalMs: 1500, turns: [(.turn, 300, 710)]),
        ]
        var config = RunConfiguration()
        config.sessionsPerScenario = Self.sessionsPerScenario
        let result = try RealtimeRuntime(pipeline: TestPipelines.cascade(), scenarios: scenarios, configuration: config).run()
        let sessions = 2 * Self.sessionsPerScenario
        #expect(result.turns.count == sessions)
        #expect(Set(result.turns.map(\.session)).count == sessions)
        #expect(result.harness.framesSent + result.harness.framesDropped == sessions * 75)
        for t in result.turns {
            let expected: Duration = .milliseconds(t.scenario == "a" ? 500 : 510)
            let v2v = try #require(t.voiceToVoice)
            #expect(v2v >= expected - Self.tolerance && v2v <= expected + Self.tolerance, "session \(t.session): \(v2v)")
        }
    }
}
