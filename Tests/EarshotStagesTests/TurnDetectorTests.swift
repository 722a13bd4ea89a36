import EarshotCore
import EarshotStages
import Testing

@Suite struct TurnDetectorTests {
    static func run(_ scenario: Scenario, pFalseIncomplete: Double = 0, pFalseComplete: Double = 0,
                    inference: DelayDistribution = .fixed(.milliseconds(40)), seed: UInt64 = 1) throws -> (RunResult, EngineProbe) {
        let probe = EngineProbe()
        let pipeline = Pipeline.chain("turn-detector", [
            StageSpec("vad-energy") { EnergyVadStage(start: .milliseconds(60), stop: .milliseconds(200)) },
            StageSpec("turn-detector") {
                TurnDetector(inference: inference, pFalseIncomplete: pFalseIncomplete, pFalseComplete: pFalseComplete)
            },
            probe.spec,
        ])
        var configuration = RunConfiguration()
        configuration.seed = seed
        return (try VirtualRuntime(pipeline: pipeline, scenarios: [scenario], configuration: configuration).run(), probe)
    }

    /// Voice over [600, 1600) ms: speech ends at 1600 ms.
    static let oneTurn = EngineTestSupport.voiced(totalMs: 6_000, turns: [[600..<1600]])

    @Test func aCompleteUtteranceEndsAfterTheVADStopAndTheInference() throws {
        let (result, probe) = try Self.run(Self.oneTurn)
        #expect(result.turns[0].marks[.endpoint] == .milliseconds(1_600 + 200 + 40))
        #expect(probe.times(of: .endOfTurn) == [.milliseconds(1_840)])
    }

    /// Judged incomplete every time: the user waits out the 3 s timeout after the 200 ms VAD stop.
    @Test func aFalseIncompleteWaitsForTheTimeout() throws {
        let (result, probe) = try Self.run(Self.oneTurn, pFalseIncomplete: 1)
        #expect(result.turns[0].marks[.endpoint] == .milliseconds(1_600 + 200 + 3_000))
        #expect(probe.times(of: .endOfTurn) == [.milliseconds(4_800)])
    }

    /// A 700 ms pause inside turn 1 ([600, 1200) then [1900, 2600)), in the scenario's ground truth.
    static let paused = EngineTestSupport.voiced(totalMs: 6_000, turns: [[600..<1200, 1_900..<2_600]])

    @Test func aPauseJudgedIncompleteDoesNotEndTheTurn() throws {
        let (_, probe) = try Self.run(Self.paused)
        #expect(probe.times(of: .endOfTurn) == [.milliseconds(2_600 + 240)])
        #expect(probe.times(of: .interruption).isEmpty)
    }

    /// Judged complete at the pause: a premature end of turn 240 ms into it; when the user goes
    /// on, the agent is interrupted, and the real end is found again later.
    @Test func aFalseCompleteEndsTheTurnInsideThePause() throws {
        let (result, probe) = try Self.run(Self.paused, pFalseComplete: 1)
        #expect(result.turns[0].marks[.endpoint] == .milliseconds(1_200 + 240))
        #expect(probe.times(of: .endOfTurn) == [.milliseconds(1_440), .milliseconds(2_840)])
        #expect(probe.times(of: .interruption) == [.milliseconds(1_960)])
    }

    /// A silence that starts inside a listed pause is a mid-turn pause; one at the end, or a
    /// little before it (the VAD may cut a fading syllable), is the end.
    @Test func groundTruthComesFromThePausesAndTheSpeechEnd() {
        let s = Self.paused
        #expect(!TurnDetector.isComplete(turn: 1, silenceStart: .milliseconds(1_200), script: ScenarioScript(s)))
        #expect(!TurnDetector.isComplete(turn: 1, silenceStart: .milliseconds(1_000), script: ScenarioScript(s)))
        #expect(TurnDetector.isComplete(turn: 1, silenceStart: .milliseconds(2_600), script: ScenarioScript(s)))
        #expect(TurnDetector.isComplete(turn: 1, silenceStart: .milliseconds(2_400), script: ScenarioScript(s)))
        #expect(TurnDetector.isComplete(turn: 7, silenceStart: .zero, script: ScenarioScript(s)))
    }

    /// Verdicts come from the stage's seeded stream: the same seed gives the same run; over many
    /// turns the error rate is what was asked for.
    @Test func verdictsFollowTheSeed() throws {
        let turns = (0..<40).map { k in [(500 + k * 1_500)..<(1_100 + k * 1_500)] }
        let scenario = EngineTestSupport.voiced(totalMs: 61_000, turns: turns)
        let (a, _) = try Self.run(scenario, pFalseIncomplete: 0.5, seed: 7)
        let (b, _) = try Self.run(scenario, pFalseIncomplete: 0.5, seed: 7)
        #expect(a.turns.map { $0.marks[.endpoint] } == b.turns.map { $0.marks[.endpoint] })
        #expect(a.turns.count == 40)
        // Each turn has 900 ms of silence before the next: a false incomplete runs into the next
        // turn's speech and has no endpoint of its own.
        let missed = a.turns.filter { $0.marks[.endpoint] == nil }.count
        #expect((10...30).contains(missed))
        #expect(a.turns.compactMap { t in t.marks[.endpoint].map { $0 - t.userEnd } }.allSatisfy { $0 == .milliseconds(240) })
    }
}
