import EarshotCore
import Foundation
import Synchronization
import Testing

/// A `RunStop` keeps what finished: whole sessions on the virtual clock, final turns in real time.
@Suite struct RunStopTests {
    static let scenario = Synthetic.scenario(totalMs: 3000, turns: [(.turn, 200, 600), (.turn, 1500, 1900)])

    /// One worker, batches of two: the stop asked for while the first batch is handed over leaves
    /// exactly its two sessions.
    @Test func aVirtualRunEndsTheBatchesItStarted() throws {
        var c = RunConfiguration()
        c.sessionsPerScenario = 10
        let stop = RunStop()
        let handed = Mutex<[Int]>([])
        let result = try VirtualRuntime(pipeline: TestPipelines.cascade(), scenarios: [Self.scenario], configuration: c,
                                        workers: 1, batchSize: 2, stop: stop, sessions: { finished in
            handed.withLock { $0 += Set(finished.turns.map(\.session)).sorted() }
            stop.request()
        }).run()
        #expect(result.interrupted)
        #expect(result.turns.isEmpty, "rows handed over are not kept in the result")
        #expect(handed.withLock { $0 } == [0, 1])
    }

    /// Batches finish out of order on three workers; the rows still arrive in session order, each
    /// session once, and a run that is not stopped says so.
    @Test func finishedSessionsArriveInOrder() throws {
        var c = RunConfiguration()
        c.sessionsPerScenario = 23
        let handed = Mutex<[Int]>([])
        let result = try VirtualRuntime(pipeline: TestPipelines.cascade(), scenarios: [Self.scenario], configuration: c,
                                        workers: 3, batchSize: 2, sessions: { finished in
            handed.withLock { $0 += Set(finished.turns.map(\.session)).sorted() }
        }).run()
        #expect(!result.interrupted)
        #expect(handed.withLock { $0 } == Array(0..<23))
    }

    /// Turn 1 (user ends at 0.6 s, response timeout 0.8 s, turn 2 starts at 1.5 s) is final from
    /// 1.5 s; turn 2 only at the scenario's end, 3 s. Stopped about 2 s in, the run keeps turn 1,
    /// answered 510 ms after the user stopped (the chain's 500 ms and a 10 ms frame).
    @Test func aRealTimeRunKeepsTheTurnsThatFinished() throws {
        var c = RunConfiguration()
        c.responseTimeout = .milliseconds(800)
        let stop = RunStop()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(2000)) { stop.request() }
        let result = try RealtimeRuntime(pipeline: TestPipelines.cascade(), scenarios: [Self.scenario], configuration: c,
                                         stop: stop).run()
        #expect(result.interrupted)
        #expect(result.turns.map(\.turn) == [1])
        #expect(Set(result.stages.map(\.turn)) == [1])
        // Under ThreadSanitizer every hop is about ten times slower: the timing is the plain run's to check.
        if !RealtimeCalibrationTests.underThreadSanitizer { #expect(result.turns.first?.outcome == .responded) }
    }
}
