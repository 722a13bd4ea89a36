import EarshotCore
import EarshotStages
import Testing

/// AudioFixtures/scenarios/mid-turn-pause.yaml: turn 1 pauses for 730 ms between two clauses
/// ([2840, 3570) ms) and ends at 5600 ms. What each end-of-turn choice costs there, through the
/// real WebRTC VAD. That VAD has a hangover of its own inside the engine: on these fixtures it
/// calls 40 to 170 ms of a fading tail voiced after the manifests' energy rule has called it
/// silence, so each endpoint is expected up to 170 ms after the figure the settings give.
@Suite struct MidTurnPauseTests {
    static func endpoint(_ yaml: String) throws -> (early: Bool, afterUserEnd: Duration) {
        let pipeline = try EngineTestSupport.pipeline("mid-turn-pause", "  - stage: vad-webrtc\n" + yaml)
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [try EngineTestSupport.scenario("mid-turn-pause")]).run()
        let turn = result.turns[0]
        let mark = try #require(turn.marks[.endpoint])
        return (mark < turn.userEnd, mark - turn.userEnd)
    }

    static let vadTail = 170

    /// From `ms` to `ms` plus the VAD's own hangover.
    static func near(_ d: Duration, _ ms: Int) -> Bool {
        (Double(ms)...Double(ms + vadTail)).contains(d.milliseconds)
    }

    /// 800 ms of silence outlasts the pause: one end of turn, 800 ms after the speech.
    @Test func aPlainEndpointerWaitsOutThePause() throws {
        let (early, after) = try Self.endpoint("  - stage: endpointer\n")
        #expect(!early)
        #expect(Self.near(after, 800))
    }

    /// 500 ms does not: the turn is cut inside the pause and the agent answers half a question.
    @Test func aShortEndpointerCutsThePause() throws {
        let (early, after) = try Self.endpoint("  - stage: endpointer\n    silence_ms: 500\n")
        #expect(early)
        #expect(Self.near(after, 2_840 + 500 - 5_600))
    }

    /// The turn detector answers 200 ms + inference after the end when it judges right.
    @Test func aTurnDetectorThatJudgesRightIsFast() throws {
        let (early, after) = try Self.endpoint("""
              - stage: turn-detector
                inference: 40
                p_false_incomplete: 0
                p_false_complete: 0

            """)
        #expect(!early)
        #expect(Self.near(after, 240))
    }

    /// Judging the pause complete cuts the turn 240 ms into it.
    @Test func aFalseCompleteCutsThePause() throws {
        let (early, after) = try Self.endpoint("""
              - stage: turn-detector
                inference: 40
                p_false_incomplete: 0
                p_false_complete: 1

            """)
        #expect(early)
        #expect(Self.near(after, 2_840 + 240 - 5_600))
    }

    /// Judging the real end incomplete costs the full 3 s timeout.
    @Test func aFalseIncompleteCostsTheTimeout() throws {
        let (early, after) = try Self.endpoint("""
              - stage: turn-detector
                inference: 40
                p_false_incomplete: 1
                p_false_complete: 0

            """)
        #expect(!early)
        #expect(Self.near(after, 3_200))
    }
}
