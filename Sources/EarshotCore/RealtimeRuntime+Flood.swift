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
        // The window refills in halves: waking the injecting thread once per frame would measure
        // the kernel's context switches, not the pipeline.
        let half = max(1, inFlight / 2)
        let refill = DispatchSemaphore(value: 0)
        let arrived = UncheckedBox(Counter())
        session.onPlayout = {
            arrived.value.count += 1
            if arrived.value.count % half == 0 { refill.signal() }
        }
        session.startClock(at: MonotonicClock.now())
        let start = ContinuousClock.now
        var sent = 0
        while sent < frames {
            let batch = min(sent == 0 ? inFlight : half, frames - sent)
            for _ in 0..<batch { session.sourceFrame(0, at: MonotonicClock.now()) }
            sent += batch
            if sent < frames { refill.wait() }
        }
        session.sourceEnded()
        control.done.wait()
        var stats = HarnessStats()
        pool.executors[0].runAndWait { stats.merge(pool.stats[0].value) }
        stats.framesSent = frames
        stats.wall = ContinuousClock.now - start
        return stats
    }
}

/// Confined to the playout queue of the one flooded session.
final class Counter {
    var count = 0
}
