import EarshotCore
import EarshotStages
import Testing

@Suite struct DelayStageTests {
    static func toneScenario() -> Scenario {
        let rate = 16_000
        var samples = [Float](repeating: 0, count: 3 * rate)
        for i in rate..<(2 * rate) { samples[i] = 0.5 }
        let turn = ScenarioTurn(id: 1, kind: .turn, audioFile: "tone", offset: .seconds(1), speechStart: .seconds(1),
                                speechEnd: .seconds(2), reply: "x")
        return Scenario(name: "echo", audio: AudioChunk(samples: samples, sampleRate: rate), turns: [turn])
    }

    /// The first tone frame [1000, 1020) is emitted at 1020 ms; four fixed 30 ms delays bring its
    /// echo to playout at exactly 1140 ms.
    @Test func fixedDelaysAddUpExactly() throws {
        let pipeline = Pipeline.chain("echo", (0..<4).map { _ in StageSpec("delay") { DelayStage(delay: .fixed(.milliseconds(30))) } })
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [Self.toneScenario()]).run()
        #expect(result.turns[0].agentStart == .milliseconds(1140))
        // Turn 1 owns every frame from its speech start (1000 ms) to the end of the 3 s timeline.
        #expect(result.stages.map(\.framesIn) == [100, 100, 100, 100])
    }

    final class Probe: @unchecked Sendable {
        var origins: [RunTime] = []
    }

    final class Recorder: Stage {
        let name = "recorder"
        let consumes: FrameKinds = .audio
        let produces: FrameKinds = []
        let probe: Probe
        init(_ probe: Probe) { self.probe = probe }
        func receive(_ frame: Frame, context: StageContext) { probe.origins.append(frame.origin) }
    }

    @Test func framesKeepTheirOrderWhateverTheDraws() throws {
        let probe = Probe()
        let pipeline = Pipeline.chain("d", [
            StageSpec("delay") { DelayStage(delay: .uniform(.zero, .milliseconds(200))) },
            StageSpec("recorder") { Recorder(probe) },
        ])
        _ = try VirtualRuntime(pipeline: pipeline, scenarios: [Self.toneScenario()]).run()
        #expect(probe.origins.count == 150)
        #expect(probe.origins == probe.origins.sorted())
    }
}
