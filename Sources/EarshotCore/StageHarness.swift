/// One stage on a hand-driven virtual clock, for tests: what swift-nio's `EmbeddedChannel` is to a
/// channel handler. Time moves only when the test says so, so every assertion is exact.
///
///     let h = StageHarness(DelayStage(delay: .fixed(.milliseconds(120))))
///     try h.feed(.audio(.silence(.milliseconds(20))))
///     h.advance(by: .milliseconds(119)); #expect(h.emitted.isEmpty)
///     h.advance(by: .milliseconds(1));   #expect(h.emitted.count == 1)
///     #expect(h.finish().isClean)
public final class StageHarness: SessionDriver {
    public let stage: any Stage
    public private(set) var context: StageContext!
    /// What the stage emitted, in order, each stamped with its emission time.
    public private(set) var emitted: [Frame] = []
    private var clock: Int64 = 0
    private var timers = EventHeap()

    public init(_ stage: any Stage, scenario: Scenario = Scenario(name: "harness", audio: .silence(.zero), turns: []),
                seed: UInt64 = 1) {
        self.stage = stage
        context = StageContext(stageName: stage.name, session: 0, scenario: scenario,
                               random: SeededRandom(runSeed: seed, session: 0).split("\(stage.name)#0"),
                               driver: self, node: 0, measuresBusyTime: false)
        stage.started(context: context)
    }

    public var now: RunTime { RunTime(nanoseconds: clock) }

    /// Hands the stage one frame now. A frame of a kind it does not consume passes straight through, as in a run.
    public func feed(_ frame: Frame) throws {
        var f = frame
        f.emittedAt = now
        guard stage.consumes.contains(f.kind) else { return emitted.append(f) }
        context.record.noteInput(turn: f.turn, at: now)
        try stage.receive(f, context: context)
    }

    public func feed(_ payload: Frame.Payload, turn: Int = 1) throws {
        try feed(Frame(payload, turn: turn, origin: now))
    }

    /// Moves the clock forward, running the stage's scheduled work that falls due, in order.
    public func advance(by duration: Duration) {
        let target = clock + duration.nanoseconds
        while let (time, event) = timers.peek(), time <= target {
            _ = timers.pop()
            clock = time
            if case .timer(let work) = event.action { work() }
        }
        clock = target
    }

    /// Marks the stage recorded, per turn.
    public var marks: [Int: [Mark: RunTime]] { context.record.marks }

    /// Turns the stage failed, with the reason.
    public var failures: [Int: StageFailure] { context.record.failures }

    /// Calls the stage's `finished` hook and reports what was left over.
    public func finish() -> Leftovers {
        stage.finished(context: context)
        return Leftovers(pendingWork: timers.count, failures: context.record.failures.count)
    }

    public struct Leftovers: Equatable, Sendable {
        /// Scheduled work that had not fallen due.
        public var pendingWork: Int
        public var failures: Int
        public init(pendingWork: Int, failures: Int) {
            self.pendingWork = pendingWork
            self.failures = failures
        }
        public var isClean: Bool { pendingWork == 0 && failures == 0 }
    }

    // MARK: SessionDriver

    func now(node: Int) -> RunTime { now }

    func emit(_ frame: Frame, from node: Int, at now: RunTime) {
        var f = frame
        f.emittedAt = now
        emitted.append(f)
    }

    func schedule(after delay: Duration, node: Int, _ work: @escaping () -> Void) {
        timers.push(time: clock + max(0, delay.nanoseconds), session: 0, node: 0, .timer(work))
    }
}
