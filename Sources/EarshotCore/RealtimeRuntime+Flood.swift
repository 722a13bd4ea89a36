import Dispatch
import Foundation

extension RealtimeRuntime {
    /// Pushes `frames` copies of `frame` through one session of `pipeline` as fast as it will take
    /// them, with at most `inFlight` between the source and playout, and returns the harness's
    /// figures (`hop`, `sourceToSink`, `wall`). This is the runtime's throughput ceiling and its
    /// back-to-back hop cost, with no pacing in the way; benchmarks use it, runs do not.
    public static func flood(pipeline: Pipeline, frame: AudioChunk, frames: Int, inFlight: Int,
                             configuration: RunConfiguration = RunConfiguration()) throws -> HarnessStats {
        let topology = pipeline.topology()
        let scenario = Scenario(name: "flood", audio: frame, turns: [])
        let timeline = SourceTimeline(scenario: scenario, frameDuration: frame.duration)
        let pool = ExecutorPool(count: 1)
        let control = RunControl()
        let ledger = SessionLedger(design: pipeline.name, session: 0, scenario: scenario, timeline: timeline,
                                   configuration: configuration)
        let session = RealtimeSession(ledger: ledger, stageCount: topology.specs.count, executor: 0, pool: pool,
                                      control: control, recordsStats: configuration.recordsHarnessStats)
        try session.build(topology: topology, seed: configuration.seed)
        let slots = DispatchSemaphore(value: inFlight)
        session.onPlayout = { slots.signal() }
        session.t0 = MonotonicClock.now()
        let start = ContinuousClock.now
        for _ in 0..<frames {
            slots.wait()
            session.sourceFrame(0, at: MonotonicClock.now())
        }
        session.sourceEnded()
        control.done.wait()
        var stats = HarnessStats()
        pool.queues[0].sync { stats.merge(pool.stats[0].value) }
        stats.framesSent = frames
        stats.wall = ContinuousClock.now - start
        return stats
    }
}
