import EarshotCore
import EarshotTestSupport
import Foundation
import Testing

/// Work outside a stage's confinement — blocking jobs (`perform`) and inboxes fed from other
/// threads — and cancellable timers, under both clocks. Wall-time answers are known from below
/// (a job that sleeps 50 ms takes at least 50 ms) and bounded above by a slack for a busy machine.
@Suite struct OutsideWorkTests {
    static let slack: Duration = .milliseconds(40)

    @Test func cancelledScheduledWorkNeverRuns() throws {
        final class TwoTimers: Stage {
            let name = "two-timers"
            let consumes: FrameKinds = .event
            let produces: FrameKinds = .event
            func receive(_ frame: Frame, context: StageContext) {
                let first = context.schedule(after: .milliseconds(100)) { context.emit(.event(.custom("first")), turn: frame.turn) }
                context.schedule(after: .milliseconds(200)) { context.emit(.event(.custom("second")), turn: frame.turn) }
                first.cancel()
            }
        }
        let h = StageHarness(TwoTimers())
        try h.feed(.event(.endOfTurn))
        h.advance(by: .milliseconds(199))
        #expect(h.emitted.isEmpty)
        h.advance(by: .milliseconds(1))
        #expect(h.emitted.map(\.event) == [.custom("second")])
        #expect(h.emitted[0].emittedAt == .milliseconds(200))
        #expect(h.finish().isClean)
    }

    /// Each of turn 1's first two frames waits on a 50 ms blocking job; the second frame (20 ms after
    /// the first) waits behind the first job, so it passes one job later, the frames after it at
    /// once, in order; both jobs count as the stage's busy time.
    @Test func aBlockingJobIsChargedWhatItTookAndFramesWaitBehindIt() throws {
        let scenario = Synthetic.scenario(totalMs: 400, turns: [(.turn, 100, 300)])
        let times = PassTimes.Times()
        let pipeline = Pipeline.chain("jobs", [
            StageSpec("sleeper") { SleepingJobs(frames: 2, sleep: .milliseconds(50), turn: 1) },
            StageSpec("after") { PassTimes(turn: 1, into: times) },
        ])
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [scenario], workers: 1).run()
        let passed = times.value
        try #require(passed.count == 15)
        #expect(passed[1] - passed[0] >= .milliseconds(50) && passed[1] - passed[0] < .milliseconds(50) + Self.slack, "\(passed)")
        // The frames that waited pass as soon as the second job's inbox closes (its last post, microseconds later).
        #expect(passed[2] - passed[1] >= .zero && passed[2] - passed[1] < .milliseconds(1), "\(passed)")
        #expect(zip(passed, passed.dropFirst()).allSatisfy { $0 <= $1 })
        let rows = result.stages.filter { $0.stage == "sleeper" }
        let busy = rows.map(\.busy).reduce(Duration.zero, +)
        #expect(busy >= .milliseconds(100) && busy < .milliseconds(100) + Self.slack, "\(busy)")
        let record = try #require(rows.filter { $0.firstInput != nil }.min { $0.firstInput! < $1.firstInput! })
        // The stage's first output: the first job's result, 50 ms of wall time after the first frame.
        let firstIn = try #require(record.firstInput)
        let firstOut = try #require(record.firstOutput)
        #expect(firstOut - firstIn >= .milliseconds(50) && firstOut - firstIn < .milliseconds(50) + Self.slack, "\(firstOut - firstIn)")
        #expect(rows.map(\.framesOut).reduce(0, +) == rows.map(\.framesIn).reduce(0, +))
    }

    /// A thread posts 120 ms of wall time after the inbox opened; the stage hears it 120 ms of run
    /// clock later, and source frames go on reaching it meanwhile (an inbox that does not hold input).
    @Test func anInboxPostArrivesWhenItWasPostedAndFramesFlowMeanwhile() throws {
        let scenario = Synthetic.scenario(totalMs: 600, turns: [(.turn, 100, 300)])
        let pipeline = Pipeline.chain("inbox", [StageSpec("caller") { LateCaller(after: .milliseconds(120)) }])
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [scenario]).run()
        let rows = result.stages.filter { $0.stage == "caller" }
        let record = try #require(rows.filter { $0.firstInput != nil }.min { $0.firstInput! < $1.firstInput! })
        let opened = try #require(record.firstInput)
        let answered = try #require(record.firstOutput)
        #expect(answered - opened >= .milliseconds(120) && answered - opened < .milliseconds(120) + Self.slack, "\(answered - opened)")
        // Turn 1 runs from the first frame of its speech (100 ms) to the end of the scenario.
        #expect(record.framesIn == 25)
        #expect(result.turns.count == 1)
    }

    /// Sessions run in batches on several workers; the results are those of one scheduler for all.
    @Test func batchesAndWorkersDoNotChangeResults() throws {
        let scenarios = [
            Synthetic.scenario(name: "a", totalMs: 3000, turns: [(.turn, 200, 600), (.turn, 1600, 2100)]),
            Synthetic.scenario(name: "b", totalMs: 2000, turns: [(.turn, 300, 710)]),
            Synthetic.scenario(name: "c", totalMs: 2500, turns: [(.turn, 100, 900)]),
        ]
        let pipeline = TestPipelines.cascade(stt: .logNormal(median: .milliseconds(120), sigma: 0.4),
                                             llm: .uniform(.milliseconds(100), .milliseconds(400)))
        var configuration = RunConfiguration()
        configuration.sessionsPerScenario = 7
        configuration.seed = 42
        let one = try VirtualRuntime(pipeline: pipeline, scenarios: scenarios, configuration: configuration,
                                     workers: 1, batchSize: 1_000).run()
        let many = try VirtualRuntime(pipeline: pipeline, scenarios: scenarios, configuration: configuration,
                                      workers: 3, batchSize: 2).run()
        #expect(one.turns.count == 28)
        #expect(one.turns == many.turns)
        #expect(one.stages == many.stages)
        #expect(one.harness.events == many.harness.events)
        #expect(Set(one.turns.compactMap(\.voiceToVoice)).count > 10)
    }

    /// A stage whose `started` takes 300 ms (voicing replies, say) does not make the source late:
    /// `started` runs before the session's clock.
    @Test func realTimeStartedIsNotTimed() throws {
        let scenario = Synthetic.scenario(totalMs: 2000, turns: [(.turn, 400, 910)])
        var steps = TestPipelines.cascade().steps
        steps.insert(.stage(StageSpec("slow-start") { SlowStart(.milliseconds(300)) }), at: 0)
        guard let result = try WallClock.undisturbed({
            try RealtimeRuntime(pipeline: Pipeline(name: "slow-start", steps: steps), scenarios: [scenario]).run()
        }) else { return }
        #expect(result.harness.framesDropped == 0)
        let v2v = try #require(result.turns.first?.voiceToVoice)
        #expect(v2v >= .milliseconds(510) - RealtimeCalibrationTests.tolerance && v2v <= .milliseconds(510) + RealtimeCalibrationTests.tolerance, "\(v2v)")
    }

    /// Session 0 blocks for 400 ms in a job on every one of its first frames; session 1 shares its
    /// executor and still measures the known answer, with no frame dropped.
    @Test func realTimeOneSessionsBlockingJobDoesNotMoveAnother() throws {
        let scenario = Synthetic.scenario(totalMs: 2000, turns: [(.turn, 400, 910)])
        var steps = TestPipelines.cascade().steps
        steps.insert(.stage(StageSpec("blocker") { SleepingJobs(frames: 3, sleep: .milliseconds(400), session: 0) }), at: 0)
        var configuration = RunConfiguration()
        configuration.sessionsPerScenario = 2
        guard let result = try WallClock.undisturbed({
            try RealtimeRuntime(pipeline: Pipeline(name: "blocker", steps: steps), scenarios: [scenario],
                                configuration: configuration, executors: 1).run()
        }) else { return }
        #expect(result.harness.framesDropped == 0)
        let other = try #require(result.turns.first { $0.session == 1 }?.voiceToVoice)
        #expect(other >= .milliseconds(510) - RealtimeCalibrationTests.tolerance && other <= .milliseconds(510) + RealtimeCalibrationTests.tolerance, "\(other)")
    }
}

/// Makes each of the first `frames` frames it picks (of `session`, of `turn`, when given) wait on a
/// blocking job of `sleep`, then passes it on; passes every other frame on at once.
private final class SleepingJobs: Stage {
    let name = "sleeping-jobs"
    let consumes: FrameKinds = .all
    let produces: FrameKinds = .all
    let frames: Int
    let sleep: Duration
    let session: Int?
    let turn: Int?
    private var picked = 0
    init(frames: Int, sleep: Duration, session: Int? = nil, turn: Int? = nil) {
        self.frames = frames
        self.sleep = sleep
        self.session = session
        self.turn = turn
    }

    func receive(_ frame: Frame, context: StageContext) {
        guard session.map({ $0 == context.session }) ?? true, turn.map({ $0 == frame.turn }) ?? true, picked < frames else {
            return context.emit(frame)
        }
        picked += 1
        let sleep = self.sleep
        context.perform(for: frame.turn, { Thread.sleep(forTimeInterval: Double(sleep.nanoseconds) / 1e9) }) { _ in
            context.emit(frame)
        }
    }
}

/// Records when each frame of `turn` passed it.
private final class PassTimes: Stage {
    final class Times: @unchecked Sendable {
        var value: [RunTime] = []
    }
    let name = "pass-times"
    let consumes: FrameKinds = .all
    let produces: FrameKinds = .all
    let turn: Int
    let times: Times
    init(turn: Int, into times: Times) {
        self.turn = turn
        self.times = times
    }
    func receive(_ frame: Frame, context: StageContext) {
        if frame.turn == turn { times.value.append(context.now) }
        context.emit(frame)
    }
}

/// On turn 1's first frame opens an inbox that a thread of its own answers `after` later; emits the answer.
private final class LateCaller: Stage {
    let name = "caller"
    let consumes: FrameKinds = .audio
    let produces: FrameKinds = .text
    let after: Duration
    private var called = false
    init(after: Duration) { self.after = after }

    func receive(_ frame: Frame, context: StageContext) {
        guard frame.turn == 1, !called else { return }
        called = true
        let inbox = context.openInbox(of: String.self) { answer in
            context.emit(.text(TextChunk(answer, isFinal: true)), turn: frame.turn)
        }
        let after = self.after
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(after.nanoseconds) / 1e9)
            inbox.post("answer")
            inbox.close()
        }
    }
}

/// Sleeps in `started`; passes everything on.
private final class SlowStart: Stage {
    let name = "slow-start"
    let consumes: FrameKinds = .all
    let produces: FrameKinds = .all
    let sleep: Duration
    init(_ sleep: Duration) { self.sleep = sleep }
    func started(context: StageContext) { Thread.sleep(forTimeInterval: Double(sleep.nanoseconds) / 1e9) }
    func receive(_ frame: Frame, context: StageContext) { context.emit(frame) }
}
