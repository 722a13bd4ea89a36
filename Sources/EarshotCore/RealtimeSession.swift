import Dispatch
import Synchronization

/// One session under the real-time runtime: its stages each on a serial queue targeting the
/// session's executor, frames hopping queue to queue, the run clock read from CLOCK_MONOTONIC.
final class RealtimeSession: SessionDriver, @unchecked Sendable {
    let ledger: UnsafeMutablePointer<SessionLedger>
    var nodes: SessionNodes!
    let queues: [DispatchQueue]
    let sinkQueue: DispatchQueue
    let executor: Int
    let pool: ExecutorPool
    let stats: ExecutorPool.Box
    /// Monotonic time of the session's timeline zero; set once, before the pacer starts.
    var t0: Int64 = 0
    let keyFrames: Set<Int>
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
        let target = pool.queues[executor]
        queues = (0..<stageCount).map { DispatchQueue(label: "earshot.s\(ledger.session).n\($0)", target: target) }
        sinkQueue = DispatchQueue(label: "earshot.s\(ledger.session).playout", target: target)
        keyFrames = ledger.keyFrames
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

    @inline(__always) func now(node: Int) -> RunTime { RunTime(nanoseconds: MonotonicClock.now() - t0) }

    func emit(_ frame: Frame, from node: Int, at now: RunTime) {
        var f = frame
        f.emittedAt = now
        for n in nodes.next[node] { hop(f, to: n) }
    }

    private func hop(_ frame: Frame, to node: Int) {
        inflight.add(1, ordering: .relaxed)
        let box = UncheckedBox((self, frame))
        if node == Pipeline.Topology.sink {
            sinkQueue.async { box.value.0.playout(box.value.1); box.value.0.release() }
        } else {
            queues[node].async { box.value.0.deliver(box.value.1, to: node); box.value.0.release() }
        }
    }

    /// The end of one unit of work; the last one of a session whose source has ended completes it.
    private func release() {
        if inflight.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { control.done.leave() }
    }

    private func deliver(_ frame: Frame, to node: Int) {
        let start = MonotonicClock.now()
        // Only stage-to-stage hops: a source frame's first hop wakes an idle executor, which the pacer's figures show.
        if recordsStats && !isEntry[node] { stats.value.hop.record(.nanoseconds(start - t0 - frame.emittedAt.nanoseconds)) }
        guard !control.cancelled.load(ordering: .relaxed) else { return }
        guard nodes.consumes[node].contains(frame.kind) else { return emit(frame, from: node, at: RunTime(nanoseconds: start - t0)) }
        let ctx = nodes.contexts[node]
        ctx.record.noteInput(turn: frame.turn, at: RunTime(nanoseconds: start - t0))
        do {
            try nodes.stages[node].receive(frame, context: ctx)
        } catch {
            ctx.fail(turn: frame.turn, reason: String(describing: error))
        }
        ctx.record.addBusy(turn: frame.turn, .nanoseconds(MonotonicClock.now() - start))
    }

    func schedule(after delay: Duration, node: Int, _ work: @escaping () -> Void) {
        inflight.add(1, ordering: .relaxed)
        // A strict one-shot timer: asyncAfter lets libdispatch add up to 10% of the delay as leeway.
        let timer = DispatchSource.makeTimerSource(flags: .strict, queue: queues[node])
        let box = UncheckedBox((self, work, timer))
        timer.setEventHandler {
            let (session, work, timer) = box.value
            timer.cancel()
            if !session.control.cancelled.load(ordering: .relaxed) { work() }
            session.release()
        }
        timer.schedule(deadline: MonotonicClock.deadline(MonotonicClock.now() + max(0, delay.nanoseconds)), leeway: .nanoseconds(0))
        timer.resume()
    }

    private func playout(_ frame: Frame) {
        let now = now(node: -1)
        if recordsStats { stats.value.sourceToSink.record(now - frame.origin) }
        switch frame.payload {
        case .audio(let chunk): ledger.pointee.playout.play(chunk, turn: frame.turn, at: now)
        case .event(.interruption): ledger.pointee.playout.interrupt(at: now)
        default: break
        }
        onPlayout?()
    }

    // MARK: Called on the pacer's queue

    func sourceFrame(_ k: Int, at monotonic: Int64) {
        let time = RunTime(nanoseconds: monotonic - t0)
        if keyFrames.contains(k) { sourceEmits[k] = time }
        let t = ledger.pointee.timeline
        var frame = Frame(.audio(t.frames[k]), turn: t.turnOfFrame[k], origin: time)
        frame.emittedAt = time
        for n in nodes.entry { hop(frame, to: n) }
    }

    func sourceDropped(_ k: Int, at monotonic: Int64) {
        if keyFrames.contains(k) { sourceEmits[k] = RunTime(nanoseconds: monotonic - t0) }
    }

    func sourceEnded() { release() }

    // MARK: After the run has drained

    func callOnEveryStage(_ body: @escaping (any Stage, StageContext) -> Void) {
        for (node, queue) in queues.enumerated() {
            let box = UncheckedBox((nodes.stages[node], nodes.contexts[node], body))
            queue.sync { box.value.2(box.value.0, box.value.1) }
        }
    }

    func results() -> (turns: [TurnResult], stages: [StageTurnResult]) {
        ledger.pointee.sourceEmits = sourceEmits
        return ledger.pointee.results(records: nodes.records)
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
