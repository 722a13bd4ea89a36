import EarshotCore
import EarshotStages
import Testing

@Suite struct EndpointerTests {
    /// Voice over [600, 1600) ms in 20 ms frames: the last voiced frame ends at 1600 ms.
    static let oneTurn = EngineTestSupport.voiced(totalMs: 4_000, turns: [[600..<1600]])

    static func run(stopMs: Int, silenceMs: Int, scenario: Scenario = oneTurn, interruptions: Bool = true) throws -> (RunResult, EngineProbe) {
        let probe = EngineProbe()
        let pipeline = Pipeline.chain("endpointer", [
            StageSpec("vad-energy") { EnergyVadStage(start: .milliseconds(60), stop: .milliseconds(stopMs)) },
            StageSpec("endpointer") { Endpointer(silence: .milliseconds(silenceMs), interruptions: interruptions) },
            probe.spec,
        ])
        return (try VirtualRuntime(pipeline: pipeline, scenarios: [scenario]).run(), probe)
    }

    /// The VAD's hangover (stop_ms) does not add to the silence: the speechStopped event sits where
    /// the voice ended, so the turn ends 800 ms after the last voiced frame whatever it is.
    @Test(arguments: [0, 20, 200, 500, 800])
    func endsExactlySilenceAfterTheLastVoicedFrame(stopMs: Int) throws {
        let (result, probe) = try Self.run(stopMs: stopMs, silenceMs: 800)
        #expect(result.turns[0].marks[.endpoint] == .milliseconds(2_400))
        #expect(probe.times(of: .endOfTurn) == [.milliseconds(2_400)])
        #expect(probe.times(of: .speechStarted) == [.milliseconds(660)])
    }

    /// A hangover longer than the silence is the only way the VAD delays the endpoint.
    @Test func aHangoverLongerThanTheSilenceDecides() throws {
        let (result, _) = try Self.run(stopMs: 1_000, silenceMs: 800)
        #expect(result.turns[0].marks[.endpoint] == .milliseconds(2_600))
    }

    /// The audio is forwarded, in order, and the end of turn follows the frame that completed it.
    @Test func forwardsAudioAndPlacesTheEventsInTheStream() throws {
        let (_, probe) = try Self.run(stopMs: 200, silenceMs: 300)
        #expect(probe.audio.count == 200)
        // speechStopped comes out with the held frames at 1800 ms; the end of turn with the frame
        // that ends at 1900 ms, 300 ms of audio after the voice stopped.
        #expect(probe.times(of: .speechStopped) == [.milliseconds(1_800)])
        #expect(probe.times(of: .endOfTurn) == [.milliseconds(1_900)])
    }

    /// Speech after an ended turn interrupts the agent; the event carries the new turn.
    @Test func speechAfterAnEndedTurnInterrupts() throws {
        let scenario = EngineTestSupport.voiced(totalMs: 4_000, turns: [[600..<1200], [2_000..<2_600]])
        let (_, probe) = try Self.run(stopMs: 200, silenceMs: 500, scenario: scenario)
        #expect(probe.events.filter { $0.event == .interruption }.map { [$0.at.nanoseconds / 1_000_000, Int64($0.turn)] } == [[2_060, 2]])
        let (_, quiet) = try Self.run(stopMs: 200, silenceMs: 500, scenario: scenario, interruptions: false)
        #expect(quiet.times(of: .interruption).isEmpty)
        #expect(quiet.times(of: .endOfTurn) == [.milliseconds(1_700), .milliseconds(3_100)])
    }

    /// Usable from pipeline YAML by its registered name, with its documented defaults.
    @Test func loadsFromYAMLWithItsDefaults() throws {
        let pipeline = try EngineTestSupport.pipeline("yaml-endpointer", """
              - stage: vad-energy
                start_ms: 60
              - stage: endpointer
            """)
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [Self.oneTurn]).run()
        #expect(result.turns[0].marks[.endpoint] == .milliseconds(2_400))
        let descriptor = try #require(StageRegistry.shared.descriptor(named: "endpointer"))
        #expect(descriptor.defaults.values["silence_ms"] == .number(800))
    }
}
