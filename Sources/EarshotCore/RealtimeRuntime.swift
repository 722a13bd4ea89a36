import Dispatch
import Foundation
import Synchronization

/// Runs a pipeline over scenarios in real time: sources paced at the audio's real rate by one
/// shared pacer, every stage on its own serial queue, the session's queues pinned to one executor.
public final class RealtimeRuntime {
    let pipeline: Pipeline
    let scenarios: [Scenario]
    let configuration: RunConfiguration
    let executorCount: Int
    let stop: RunStop?

    public init(pipeline: Pipeline, scenarios: [Scenario], configuration: RunConfiguration = RunConfiguration(),
                executors: Int = ProcessInfo.processInfo.activeProcessorCount, stop: RunStop? = nil) {
        self.stop = stop
        precondition(!scenarios.isEmpty, "a run needs at least one scenario")
        self.pipeline = pipeline
        self.scenarios = scenarios
        self.configuration = configuration
        self.executorCount = executors
    }

    public func run() throws -> RunResult {
        let frameNanos = configuration.frameDuration.nanoseconds
        guard frameNanos > 0, frameNanos % 1_000_000 == 0 else {
            throw InputError("real-time runs need a source frame of whole milliseconds, got \(configuration.frameDuration)")
        }
        let slotCount = Int(frameNanos / 1_000_000)
        let topology = pipeline.topology()
        let timelines = try topology.timelines(scenarios, frameDuration: configuration.frameDuration)
        let pool = topology.specs.lazy.compactMap(\.executors).first.map { ExecutorPool($0()) } ?? ExecutorPool(count: executorCount)
        let control = RunControl()
        
        // Set-up can take a while for thousands of sessions; the clock starts once it is done.
        var sessions: [RealtimeSession] = []
        var horizon: Int64 = 0
        for index in configuration.sessions(scenarioCount: scenarios.count) {
            let s = index % scenarios.count
            let ledger = SessionLedger(design: pipeline.name, session: index, scenario: scenarios[s],
                                       timeline: timelines[s], configuration: configuration)
            let session = RealtimeSession(
                ledger: ledger, stageCount: topology.specs.count, executor: pool.executor(forSession: index),
                pool: pool, control: control, recordsStats: configuration.recordsHarnessStats)
            try session.build(topology: topology, seed: configuration.seed)
            sessions.append(session)
            horizon = max(horizon, timelines[s].duration.nanoseconds)
        }
        // What stages prepare in `started` (voicing scripted replies, planning) happens before the
        // clock starts, so the start lead only has to cover handing the sources to the pacer.
        for session in sessions { session.start() }
        let wallStart = ContinuousClock.now
        let start = MonotonicClock.now() + configuration.startLead.nanoseconds
        let pacer = Pacer(start: start, slotCount: slotCount, staleLimit: configuration.staleFrameLimit)
        for (i, session) in sessions.enumerated() {
            // Spread sessions over the slots so each millisecond carries 1/slotCount of the frames.
            let t0 = start + Int64(i % slotCount) * 1_000_000 + configuration.arrival(ofSession: session.ledger.pointee.session).nanoseconds
            session.startClock(at: t0)
            let source = Pacer.Source(session: session, frameNanos: frameNanos,
                                      count: session.ledger.pointee.timeline.frames.count, t0: t0)
            pacer.queue.sync { pacer.add(source) }
        }
        pacer.resume()

        let lastArrival = sessions.last.map { configuration.arrival(ofSession: $0.ledger.pointee.session).nanoseconds } ?? 0
        let limit = start + Int64(slotCount) * 1_000_000 + lastArrival + horizon + configuration.drainTimeout.nanoseconds
        // Woken every 50 ms to look for a stop; the wait itself costs nothing.
        var stoppedAt: Int64?
        while control.done.wait(timeout: MonotonicClock.deadline(min(limit, MonotonicClock.now() + 50_000_000))) == .timedOut {
            if stop?.isRequested == true {
                stoppedAt = MonotonicClock.now()
                control.cancelled.store(true, ordering: .relaxed)
                // Work already running ends before results are read: every session queue targets an executor.
                for executor in pool.executors { executor.runAndWait {} }
                break
            }
            if MonotonicClock.now() >= limit {
                control.cancelled.store(true, ordering: .relaxed)
                _ = control.done.wait(timeout: .now() + .seconds(5))
                break
            }
        }
        var turns: [TurnResult] = []
        var stages: [StageTurnResult] = []
        var connections = LatencyHistogram()
        var failedConnections = 0
        for session in sessions {
            session.callOnEveryStage { stage, ctx in stage.finished(context: ctx) }
        }
        var stats = HarnessStats()
        pacer.queue.sync { stats.merge(pacer.stats) }
        for session in sessions {
            var r = pacer.queue.sync { session.results() }
            if let stoppedAt {
                let finished = session.ledger.pointee.turnsFinished(by: .nanoseconds(stoppedAt - session.t0))
                r.turns.removeAll { !finished.contains($0.turn) }
                r.stages.removeAll { !finished.contains($0.turn) }
            }
            turns += r.turns
            stages += r.stages
            for c in pacer.queue.sync(execute: { session.connections }) { connections.record(c) }
            failedConnections += pacer.queue.sync { session.failedConnections }
        }
        for e in pool.executors.indices { pool.executors[e].runAndWait { stats.merge(pool.stats[e].value) } }
        stats.wall = ContinuousClock.now - wallStart
        return RunResult(design: pipeline.name, turns: turns, stages: stages, harness: stats, interrupted: stoppedAt != nil,
                         connections: connections, failedConnections: failedConnections)
    }
}
