import Dispatch
import Synchronization

/// One session under the real-time runtime: its stages each on a serial queue targeting the
/// session's executor, frames hopping queue to queue, the run clock read from CLOCK_MONOTONIC.
final class RealtimeSession: SessionDriver, @unchecked Sendable {
    let ledger: UnsafeMutablePointer<SessionLedger>
    var nodes: SessionNodes!
    let queues: [any SerialQueue]
    let sinkQueue: any SerialQueue
    let executor: Int
    let pool: ExecutorPool
    let stats: ExecutorPool.Box
    /// Monotonic time of the session's timeline zero; set once, before the pacer starts.
    var t0: Int64 = 0
    /// The key source frames in order, and the next one due: the pacer visits every frame in
    /// order, so one comparison per frame finds them.
    let keyFrames: [Int]
    var nextKeyFrame = 0
    /// Pacer-confined: emission times of the key source frames.
    var sourceEmits: [Int: RunTime] = [:]
    /// Work queued or running for this session, plus one held by the source until it ends.
    private let inflight = Atomic<Int>(1)
    private let control: RunControl
    let recordsStats: Bool
    /// Called on the playout queue after each frame; only `flood` sets it, before any frame flows.
    var onPlayout: (() -> Void)?

    init(ledger: SessionLedger, stageCount: Int, executor: Int, pool: ExecutorPool, control: RunControl, recordsStats: Bool = true) {
        self.ledger = .allocate(capacity: 1)
        self.ledger.initialize(to: ledger)
        self.executor = executor
        self.pool = pool
        self.stats = pool.stats[executor]
        self.control = control
        self.recordsStats = recordsStats
        let target = pool.executors[executor]
        queues = (0..<stageCount).map { target.makeQueue(label: "earshot.s\(ledger.session).n\($0)") }
        sinkQueue = target.makeQueue(label: "earshot.s\(ledger.session).playout")
        keyFrames = ledger.keyFrames.sorted()
        control.done.enter()
    }

    deinit {
        ledger.deinitialize(count: 1)
        ledger.deallocate()
    }

    private(set) var isEntry: [Bool] = []

    func build(topology: Pipeline.Topology, seed: UInt64) throws {
        isEntry = (0..<topology.specs.count).map { topology.entry.contains($0) }
        nodes = try SessionNodes(
            topology: topology, session: ledger.pointee.session, scenario: ledger.pointee.scenario, seed: seed,
            driver: self, measuresBusyTime: { _ in true })
    }

    /// Before the session's clock starts (while `started` runs) it reads zero. Inside a timer's
    /// work it reads the timer's deadline plus the time the work has taken so far: a modelled delay
    /// ends when the model says, and the dispatch timer's own lateness — the harness's, not the
    /// design's — is not passed on to what the work emits or schedules.
    @inline(__always) func now(node: Int) -> RunTime {
        RunTime(nanoseconds: monotonicNow() - t0)
    }

    /// The session's present on the monotonic clock: the wall clock, or inside a timer's work its deadline plus the work's time.
    @inline(__always) private func monotonicNow() -> Int64 {
        guard clockStarted else { return t0 }
        let wall = MonotonicClock.now()
        guard let timer = runningTimer else { return wall }
        return timer.deadline + (wall - timer.started)
    }

    /// The timer whose work is running now, if any: its deadline and when the work began. Touched only
    /// on the session's executor (every queue of the session targets it, so one block runs at a time).
    private var runningTimer: (deadline: Int64, started: Int64)?

    func emit(_ frame: Frame, from node: Int, at now: RunTime) {
        var f = frame
        f.emittedAt = now
        for n in nodes.next[node] { hop(f, to: n) }
    }

    private func hop(_ frame: Frame, to node: Int) {
        inflight.add(1, ordering: .relaxed)
        let box = UncheckedBox((self, frame))
        if node == Pipeline.Topology.sink {
            sinkQueue.run { box.value.0.playout(box.value.1); box.value.0.release() }
        } else {
            queues[node].run { box.value.0.deliver(box.value.1, to: node); box.value.0.release() }
        }
    }

    /// The end of one unit of work; the last one of a session whose source has ended completes it.
    private func release() {
        if inflight.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { control.done.leave() }
    }

    private func deliver(_ frame: Frame, to node: Int) {
        let start = MonotonicClock.now()
        if recordsStats {
            let waited = Duration.nanoseconds(start - t0 - frame.emittedAt.nanoseconds)
            if isEntry[node] { stats.value.sourceHop.record(waited) } else { stats.value.hop.record(waited) }
        }
        guard !control.cancelled.load(ordering: .relaxed) else { return }
        deliverNow(frame, to: node, at: start)
    }

    private func deliverNow(_ frame: Frame, to node: Int, at start: Int64) {
        switch nodes.route(frame, to: node) {
        case .held:
            break
        case .passOn:
            emit(frame, from: node, at: RunTime(nanoseconds: start - t0))
        case .receive:
            nodes.receive(frame, node: node, at: RunTime(nanoseconds: start - t0))
            nodes.contexts[node].record.addBusy(turn: frame.turn, .nanoseconds(MonotonicClock.now() - start))
        }
    }

    /// Runs `work` on `node`'s queue, counted as the session's work in flight.
    func enqueue(node: Int, _ work: @escaping () -> Void) {
        inflight.add(1, ordering: .relaxed)
        let job = UncheckedBox(work)
        queues[node].run { [self] in
            if !control.cancelled.load(ordering: .relaxed) { job.value() }
            release()
        }
    }

    func openPort(node: Int, holdsInput: Bool) -> any InboxPort {
        // An open inbox is work in flight: the session does not finish while outside work may still answer.
        inflight.add(1, ordering: .relaxed)
        return RealtimeInboxPort(session: self, node: node, holdsInput: holdsInput)
    }

    /// Called on `node`'s queue when a holding inbox closes.
    func releaseHold(node: Int) {
        nodes.release(node: node) { deliverNow($0, to: node, at: MonotonicClock.now()) }
    }

    func queue(node: Int) -> (any SerialQueue)? { queues[node] }

    func runBlocking(node: Int, _ job: @escaping @Sendable () -> Void) {
        BlockingPool.shared.async(job)
    }

    /// Ends the hold an open inbox has on the session's completion.
    func inboxClosed() { release() }

    func schedule(after delay: Duration, node: Int, handle: Scheduled, _ work: @escaping () -> Void) {
        inflight.add(1, ordering: .relaxed)
        // Work scheduled before the session's clock starts (in `started`) counts from its zero.
        guard clockStarted else { return beforeStart.append((delay, node, work)) }
        arm(after: delay, from: monotonicNow(), node: node, work)
    }

    private func arm(after delay: Duration, from base: Int64, node: Int, _ work: @escaping () -> Void) {
        let deadline = base + max(0, delay.nanoseconds)
        let job = UncheckedBox(work)
        queues[node].run(atUptime: deadline) { [self] in
            if !control.cancelled.load(ordering: .relaxed) {
                // A timer that fires before its deadline (never, by its executor's word) reads the wall clock.
                let started = MonotonicClock.now()
                runningTimer = started >= deadline ? (deadline, started) : nil
                job.value()
                runningTimer = nil
            }
            release()
        }
    }

    /// False while `started` runs, before the session's clock: its timers wait in `beforeStart`.
    private var clockStarted = false
    private var beforeStart: [(Duration, Int, () -> Void)] = []

    /// Calls every stage's `started` before the clock starts (what a stage prepares there is never
    /// timed); the clock then reads zero and timers scheduled there are kept for `startClock`.
    func start() {
        callOnEveryStage { stage, ctx in stage.started(context: ctx) }
    }

    /// Starts the session's clock at `t0` and arms what `started` scheduled, counted from `t0`.
    func startClock(at t0: Int64) {
        self.t0 = t0
        let pending = beforeStart
        beforeStart = []
        clockStarted = true
        for (delay, node, work) in pending { arm(after: delay, from: t0, node: node, work) }
    }

    private func playout(_ frame: Frame) {
        let now = now(node: -1)
        if recordsStats { stats.value.sourceToSink.record(now - frame.origin) }
        // Playout hears a frame when the last stage handed it over, as on the virtual clock: the hop
        // to the playout queue (microseconds, or the executor's backlog under load) is the harness's.
        let heard = frame.emittedAt
        switch frame.payload {
        case .audio(let chunk): ledger.pointee.playout.play(chunk, turn: frame.turn, at: heard)
        case .event(.interruption): ledger.pointee.playout.interrupt(at: heard)
        default: break
        }
        onPlayout?()
    }

    // MARK: Called on the pacer's queue

    func sourceFrame(_ k: Int, at monotonic: Int64) {
        let time = RunTime(nanoseconds: monotonic - t0)
        noteKeyFrame(k, at: time)
        let frame = ledger.pointee.timeline.frame(k, at: time)
        for n in nodes.entry { hop(frame, to: n) }
    }

    func sourceDropped(_ k: Int, at monotonic: Int64) {
        noteKeyFrame(k, at: RunTime(nanoseconds: monotonic - t0))
    }

    private func noteKeyFrame(_ k: Int, at time: RunTime) {
        guard nextKeyFrame < keyFrames.count, keyFrames[nextKeyFrame] == k else { return }
        sourceEmits[k] = time
        nextKeyFrame += 1
    }

    func sourceEnded() { release() }

    // MARK: After the run has drained

    func callOnEveryStage(_ body: @escaping (any Stage, StageContext) -> Void) {
        for (node, queue) in queues.enumerated() {
            let box = UncheckedBox((nodes.stages[node], nodes.contexts[node], body))
            queue.runAndWait { box.value.2(box.value.0, box.value.1) }
        }
    }

    /// Read, like `results`, once the session has drained.
    var connections: [Duration] { nodes.connections }
    var failedConnections: Int { nodes.failedConnections }

    func results() -> (turns: [TurnResult], stages: [StageTurnResult]) {
        ledger.pointee.sourceEmits = sourceEmits
        return ledger.pointee.results(records: nodes.records)
    }
}

/// An inbox under the real-time runtime: posts go straight onto the stage's queue.
final class RealtimeInboxPort: InboxPort, @unchecked Sendable {
    private let session: RealtimeSession
    private let node: Int
    private let holdsInput: Bool
    private let closed = Atomic<Bool>(false)

    init(session: RealtimeSession, node: Int, holdsInput: Bool) {
        self.session = session
        self.node = node
        self.holdsInput = holdsInput
    }

    func post(_ work: @escaping () -> Void) {
        guard !closed.load(ordering: .acquiring) else { return }
        session.enqueue(node: node, work)
    }

    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if holdsInput {
            let node = self.node
            session.enqueue(node: node) { [session] in session.releaseHold(node: node) }
        }
        session.inboxClosed()
    }
}

/// Carries a value into a Dispatch block. Audited use only: the value is touched on one serial
/// queue (its session's executor) or handed over with a happens-before edge (async, sync, group wait).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// What every session of a real-time run shares: the group that completes when all have drained,
/// and the flag that cuts off work past the drain timeout.
final class RunControl: Sendable {
    let done = DispatchGroup()
    let cancelled = Atomic<Bool>(false)
}
