import EarshotAudio
import EarshotCore
import EarshotTestSupport
import EarshotStages
import Foundation
import Testing

/// For modelled designs the wall clock must reproduce the virtual clock: the same seed gives the
/// same draws, and real time adds only the harness's own jitter, which the runtime keeps out of
/// the model (timer work reads its deadline, playout hears a frame when it was handed over).
/// One session of a committed conversation, every turn within 5 ms of the virtual answer.
@Suite struct RealtimeMatchesVirtualTests {
    static let limit: Duration = .milliseconds(5)

    @Test(arguments: ["duplex-gradium", "duplex-gradium-listening", "cascade-cloud"])
    func oneSessionMatchesTheVirtualRun(design: String) throws {
        let scenario = try #require(DesignPresetTests.scenarios.first { $0.name == "barge-in" })
        let pipeline = try PipelineFile.load(design).pipeline
        let virtual = try VirtualRuntime(pipeline: pipeline, scenarios: [scenario]).run()
        guard let real = try WallClock.undisturbed(attempts: 2, {
            try RealtimeRuntime(pipeline: pipeline, scenarios: [scenario]).run()
        }) else { return }
        #expect(real.harness.framesDropped == 0)
        #expect(real.turns.map(\.outcome) == virtual.turns.map(\.outcome))
        for (r, v) in zip(real.turns, virtual.turns) {
            guard let rv = r.voiceToVoice, let vv = v.voiceToVoice else {
                #expect(r.voiceToVoice == nil && v.voiceToVoice == nil, "turn \(r.turn)")
                continue
            }
            #expect(abs((rv - vv).milliseconds) <= Self.limit.milliseconds,
                    "\(design) turn \(r.turn): real time \(rv), virtual \(vv)")
        }
    }
}
