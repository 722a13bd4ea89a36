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
    private var nodes: SessionNodes!
    /// What the stage emitted, in order, each stamped with its emission time.
    public private(set) var emitted: [Frame] = []
    private var clock: Int64 = 0
    private var timers = EventHeap()
    private let mailbox = Mailbox()
    /// The stage's scheduled work, to tell what is still due at `finish` from what was called off.
    private var scheduled: [Scheduled] = []

    public init(_ stage: any Stage, scenario: Scenario = Scenario(name: "harness", audio: .silence(.zero), turns: []),
                seed: UInt64 = 1) {
        self.stage = stage
        context = StageContext(stageName: stage.name, session: 0, script: stage.readsScript ? ScenarioScript(scenario) : nil,
                               phrases: stage.readsPhrases ? ScenarioScript(scenario).phrases : nil,
                               speechEnds: SessionNodes.speechEnds(scenario),
                               random: SeededRandom(runSeed: seed, session: 0).split("\(stage.name)#0"),
                               driver: self, node: 0, measuresBusyTime: false)
        nodes = SessionNodes(stage: stage, context: context)
        stage.started(context: context)
    }

    public var now: RunTime { RunTime(nanoseconds: clock) }

    /// Hands the stage one frame now. A frame of a kind it does not consume passes straight through,
    /// and one that reaches it while outside work holds its input waits, as in a run. A blocking
    /// job the frame starts (`perform`) has run to its end when this returns, and what it handed
    /// back has reached the stage, the clock moved on by the job's wall time; an open inbox's
    /// posts wait for `advance` or `settle`.
    public func feed(_ frame: Frame) throws {
        try deliver(frame)
        while admitMail() == nil, let time = timers.peekTime, time <= latestMail { runNext(at: time) }
    }

    private func deliver(_ frame: Frame) throws {
        var f = frame
        f.emittedAt = now
        switch nodes.route(f, to: 0) {
        case .held: break
        case .passOn: emitted.append(f)
        case .receive:
            context.record.noteInput(turn: f.turn, at: now)
            try stage.receive(f, context: context)
        }
    }

    public func feed(_ payload: Frame.Payload, turn: Int = 1) throws {
        try feed(Frame(payload, turn: turn, origin: now))
    }

    /// Moves the clock forward, running the stage's scheduled work that falls due, in order. While
    /// an inbox is open the clock keeps pace with the wall clock, as in a virtual run, so what
    /// outside work posts lands at the time it arrived.
    public func advance(by duration: Duration) {
        let target = clock + duration.nanoseconds
        while true {
            if let (horizon, offset) = admitMail() {
                let limit = min(timers.peekTime ?? .max, target)
                if limit > horizon {
                    mailbox.wait(untilWall: limit - offset)
                    continue
                }
            }
            guard let time = timers.peekTime, time <= target else { break }
            runNext(at: time)
        }
        clock = max(clock, target)
    }

    /// Runs outside work (`perform`, open inboxes) to its end, the clock keeping pace with the wall
    /// clock meanwhile, and then what it posted; scheduled work falls due on the way. Gives up
    /// after `limit` of wall time.
    public func settle(limit: Duration = .seconds(60)) {
        let deadline = MonotonicClock.now() + limit.nanoseconds
        while MonotonicClock.now() < deadline {
            if let (horizon, offset) = admitMail() {
                if let time = timers.peekTime, time <= horizon {
                    runNext(at: time)
                } else {
                    mailbox.wait(untilWall: min(timers.peekTime.map { $0 - offset } ?? deadline, deadline))
                }
                continue
            }
            // No inbox open: run what the mail brought, which may start more outside work.
            guard let time = timers.peekTime, time <= latestMail else { break }
            runNext(at: time)
        }
        clock = max(clock, latestMail)
    }

    private var latestMail: Int64 = 0

    /// Files posted mail as scheduled work; returns the open inboxes' horizon and offset, if any.
    private func admitMail() -> (Int64, Int64)? {
        guard mailbox.isActive else { return nil }
        let (mail, horizon, offset) = mailbox.collect(now: clock)
        for m in mail {
            latestMail = max(latestMail, m.time)
            timers.push(time: m.time, session: 0, node: 0, .timer(m.work))
        }
        guard let horizon, let offset else { return nil }
        return (horizon, offset)
    }

    private func runNext(at time: Int64) {
        guard let (_, event) = timers.pop() else { return }
        clock = time
        if case .timer(let work) = event.action { work() }
    }

    /// Marks the stage recorded, per turn.
    public var marks: [Int: [Mark: RunTime]] { context.record.marks }

    /// Connection set-ups the stage recorded, in order.
    public var connections: [Duration] { context.record.connections }

    /// Connections the stage tried and never set up.
    public var failedConnections: Int { context.record.failedConnections }

    /// Turns the stage failed, with the reason.
    public var failures: [Int: StageFailure] { context.record.failures }

    /// Calls the stage's `finished` hook and reports what was left over.
    public func finish() -> Leftovers {
        stage.finished(context: context)
        return Leftovers(pendingWork: scheduled.count { !$0.hasRun && !$0.isCancelled } + (mailbox.isActive ? 1 : 0), failures: context.record.failures.count)
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

    func schedule(after delay: Duration, node: Int, handle: Scheduled, _ work: @escaping () -> Void) {
        scheduled.removeAll { $0.hasRun || $0.isCancelled }
        scheduled.append(handle)
        timers.push(time: clock + max(0, delay.nanoseconds), session: 0, node: 0, .timer(work))
    }

    func openPort(node: Int, holdsInput: Bool) -> any InboxPort {
        VirtualInboxPort(mailbox: mailbox, at: clock, session: 0, node: 0) { [self] in
            if holdsInput { nodes.release(node: 0) { try? deliver($0) } }
        }
    }

    func runBlocking(node: Int, _ job: @escaping @Sendable () -> Void) { job() }
}
