import EarshotAudio
import EarshotCore
import EarshotTestSupport
import EarshotStages
import EarshotWire
import Foundation
import Testing

/// For modelled designs the wall clock must reproduce the virtual clock: the same seed gives the
/// same draws, and real time adds only the harness's own jitter, which the runtime keeps out of
/// the model (timer work reads its deadline, playout hears a frame when it was handed over).
/// One session of a committed conversation, every turn within 5 ms of the virtual answer.
@Suite struct RealtimeMatchesVirtualTests {
    static let limit: Duration = .milliseconds(5)

    @Test(arguments: [("duplex-gradium", false), ("duplex-gradium-listening", false), ("cascade-cloud", false),
                      ("duplex-gradium", true), ("cascade-cloud", true)])
    func oneSessionMatchesTheVirtualRun(design: String, onEventLoops: Bool) throws {
        let scenario = try #require(DesignPresetTests.scenarios.first { $0.name == "barge-in" })
        var pipeline = try PipelineFile.load(design).pipeline
        // The executors a connector's sessions run on keep time as Dispatch's do.
        if onEventLoops, case .stage(var first) = pipeline.steps[0] {
            first.executors = { EventLoopExecutor.all() }
            pipeline.steps[0] = .stage(first)
        }
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
