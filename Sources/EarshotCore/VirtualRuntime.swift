import Dispatch
import Foundation
import Synchronization

/// Runs a pipeline over scenarios on a virtual clock: a deterministic discrete-event simulation.
///
/// Frames and timed work are events ordered by (time, sequence). Delivering a frame costs no
/// virtual time; a modelled stage's delays are charged exactly; a `.measured` stage is charged the
/// wall time its call took and stays busy, with frames queueing behind it, until that time has
/// passed; outside work (`StageInbox`, `perform`) is charged the wall time it took to answer.
/// With only modelled stages the same seed and inputs give identical results, every time.
///
/// Sessions never touch one another, so they run in batches, one batch at a time on each of
/// `workers` threads, each batch on a scheduler of its own: every core is busy, and memory follows
/// `workers × batchSize` sessions, not the whole run — a batch's stages are released when it ends.
/// Results come back in session order, identical to running every session on one scheduler.
public final class VirtualRuntime: Sendable {
    let pipeline: Pipeline
    let scenarios: [Scenario]
    let configuration: RunConfiguration
    let workers: Int
    let batchSize: Int
    let progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?
    let stop: RunStop?
    let sessions: (@Sendable (SessionResults) -> Void)?

    /// `progress` hears, from a worker thread, how many sessions are done of how many, after each batch.
    /// `sessions`, when given, hears every finished session's rows, in session order, one call at a
    /// time, and the result then holds none: the caller keeps what it needs.
    public init(pipeline: Pipeline, scenarios: [Scenario], configuration: RunConfiguration = RunConfiguration(),
                workers: Int = ProcessInfo.processInfo.activeProcessorCount, batchSize: Int = 8,
                progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil, stop: RunStop? = nil,
                sessions: (@Sendable (SessionResults) -> Void)? = nil) {
        precondition(!scenarios.isEmpty, "a run needs at least one scenario")
        self.pipeline = pipeline
        self.scenarios = scenarios
        self.configuration = configuration
        self.workers = max(1, workers)
        self.batchSize = max(1, batchSize)
        self.progress = progress
        self.stop = stop
        self.sessions = sessions
    }

    /// Runs every session to the end and returns what was measured. Throws if a stage cannot be made.
    public func run() throws -> RunResult {
        let wallStart = ContinuousClock.now
        let topology = pipeline.topology()
        let timelines = try topology.timelines(scenarios, frameDuration: configuration.frameDuration)
        // Sessions and batches are ranges, worked out when needed: ten million sessions cost nothing up front.
        let indices = configuration.sessions(scenarioCount: scenarios.count)
        // With as many sessions as scenarios every scenario runs; with fewer, those the sessions pick.
        let used = indices.count >= scenarios.count ? Array(timelines.indices) : indices.map { $0 % scenarios.count }
        let horizon = used.map { timelines[$0].duration.nanoseconds }.max() ?? 0
        let cutoff = horizon + configuration.drainTimeout.nanoseconds
        let size = batchSize, count = indices.count
        let batchCount = (count + size - 1) / size
        let block: @Sendable (Int) -> Range<Int> = { b in (b * size)..<min(b * size + size, count) }

        let handover = BatchHandover(sessions: sessions)
        let failure = Mutex<(any Error)?>(nil)
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(workers, batchCount)) { _ in
            // A batch's harness figures (three histograms, ~0.6 MB) merge into the worker's own at
            // once, so memory does not grow with the number of batches.
            var workerStats = HarnessStats()
            var workerConnections = LatencyHistogram()
            var workerFailedConnections = 0
            defer { handover.merge(workerStats, workerConnections, failedConnections: workerFailedConnections) }
            // Batches are taken in order and every one taken runs to its end, so a stop leaves
            // the first k batches done: whole sessions, in session order.
            while failure.withLock({ $0 == nil }), !(stop?.isRequested ?? false) {
                let b = next.add(1, ordering: .relaxed).oldValue
                guard b < batchCount else { return }
                do {
                    let batch = try VirtualBatch(
                        design: pipeline.name, sessions: block(b).map { (position: $0, index: indices.lowerBound + $0) },
                        scenarios: scenarios, timelines: timelines, topology: topology,
                        configuration: configuration, cutoff: cutoff)
                    var output = batch.run()
                    workerStats.merge(output.stats)
                    output.stats = HarnessStats()
                    for c in output.connections { workerConnections.record(c) }
                    output.connections = []
                    workerFailedConnections += output.failedConnections
                    handover.finished(b, output)
                    let finished = done.add(block(b).count, ordering: .relaxed).newValue
                    progress?(finished, indices.count)
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }

        return handover.result(design: pipeline.name, wall: ContinuousClock.now - wallStart, batchCount: batchCount)
    }
}

/// Where a virtual run's workers hand their finished batches over: a batch waits until every batch
/// before it has finished, then goes on in session order, to `sessions` as they come or into the
/// result; each worker's harness figures join at its end. Behind a pthread lock, which
/// ThreadSanitizer follows (it cannot see through a futex-based `Mutex`).
final class BatchHandover: @unchecked Sendable {
    private let lock = NSLock()
    private let sessions: (@Sendable (SessionResults) -> Void)?
    private var next = 0
    private var waiting: [Int: VirtualBatch.Output] = [:]
    private var turns: [TurnResult] = []
    private var stages: [StageTurnResult] = []
    private var stats = HarnessStats()
    private var connections = LatencyHistogram()
    private var failedConnections = 0

    init(sessions: (@Sendable (SessionResults) -> Void)?) {
        self.sessions = sessions
    }

    func finished(_ batch: Int, _ output: VirtualBatch.Output) {
        lock.withLock {
            waiting[batch] = output
            while let ready = waiting.removeValue(forKey: next) {
                next += 1
                if let sessions { sessions(SessionResults(turns: ready.turns, stages: ready.stages)) } else {
                    turns += ready.turns
                    stages += ready.stages
                }
            }
        }
    }

    func merge(_ workerStats: HarnessStats, _ workerConnections: LatencyHistogram, failedConnections workerFailed: Int) {
        lock.withLock {
            stats.merge(workerStats)
            connections.merge(workerConnections)
            failedConnections += workerFailed
        }
    }

    func result(design: String, wall: Duration, batchCount: Int) -> RunResult {
        lock.withLock {
            var total = stats
            total.wall = wall
            return RunResult(design: design, turns: turns, stages: stages, harness: total, interrupted: next < batchCount,
                             connections: connections, failedConnections: failedConnections)
        }
    }
}

/// A few sessions on one scheduler, run from their start to the cutoff on one thread.
final class VirtualBatch {
    typealias Action = EventHeap.Action

    struct Output {
        var turns: [TurnResult] = []
        var stages: [StageTurnResult] = []
        var stats = HarnessStats()
        var connections: [Duration] = []
        var failedConnections = 0
    }

    var queue = EventQueue()
    let mailbox = Mailbox()
    var sessions: [VirtualSession] = []
    let cutoff: Int64
    /// The virtual clock: the time of the event being handled.
    var clock: Int64 { queue.now }

    init(design: String, sessions: [(position: Int, index: Int)], scenarios: [Scenario], timelines: [SourceTimeline],
         topology: Pipeline.Topology, configuration: RunConfiguration, cutoff: Int64) throws {
        self.cutoff = cutoff
        for (i, s) in sessions.enumerated() {
            let scenario = s.index % scenarios.count
            let session = VirtualSession(batch: self, index: Int32(i), ledger: SessionLedger(
                design: design, session: s.index, scenario: scenarios[scenario], timeline: timelines[scenario],
                configuration: configuration))
            try session.build(topology: topology, seed: configuration.seed)
            self.sessions.append(session)
        }
    }

    func run() -> Output {
        for session in sessions {
            session.callOnEveryStage { $0.started(context: $1) }
            queue.push(time: session.ledger.timeline.due(0).nanoseconds, session: session.index, node: -1, .tick(0))
        }
        var output = Output()
        var lastHandled: Int64 = 0
        while true {
            if mailbox.isActive, !admitOutsideWork() { continue }
            guard let (time, event) = queue.pop(), time <= cutoff else { break }
            lastHandled = time
            output.stats.events += 1
            sessions[Int(event.session)].handle(event.action, node: Int(event.node), stats: &output.stats)
        }
        for session in sessions {
            session.callOnEveryStage { $0.finished(context: $1) }
            let r = session.ledger.results(records: session.nodes.records)
            output.turns += r.turns
            output.stages += r.stages
            output.connections += session.nodes.connections
            output.failedConnections += session.nodes.failedConnections
        }
        output.stats.simulated = .nanoseconds(lastHandled)
        return output
    }

    /// Files what outside work has posted as events, and says whether the next event may run:
    /// not while it lies past the time an open inbox has reached (that call waits for mail or for
    /// the wall clock to get there, then returns false to look again).
    private func admitOutsideWork() -> Bool {
        let (mail, horizon, offset) = mailbox.collect(now: queue.now)
        for m in mail {
            queue.push(time: m.time, session: m.session, node: m.node, .timer(m.work))
        }
        guard let horizon, let offset else { return true }
        let limit = min(queue.nextTime ?? .max, cutoff + 1)
        guard limit > horizon else { return true }
        mailbox.wait(untilWall: limit - offset)
        return false
    }
}

final class VirtualSession: SessionDriver {
    unowned(unsafe) let batch: VirtualBatch
    let index: Int32
    var ledger: SessionLedger
    var nodes: SessionNodes!
    var keyFrames: Set<Int> = []
    var busyUntil: [Int64] = []
    /// The node whose code is running, and for a measured one, when its call began on both clocks.
    var current = 0
    var measuring = false
    var callStartWall = ContinuousClock.now
    var callStartVirtual: Int64 = 0

    init(batch: VirtualBatch, index: Int32, ledger: SessionLedger) {
        self.batch = batch
        self.index = index
        self.ledger = ledger
    }

    func build(topology: Pipeline.Topology, seed: UInt64) throws {
        nodes = try SessionNodes(
            topology: topology, session: ledger.session, scenario: ledger.scenario, seed: seed, driver: self,
            measuresBusyTime: { $0.timing == .measured })
        keyFrames = ledger.keyFrames
        busyUntil = Array(repeating: 0, count: nodes.stages.count)
    }

    func callOnEveryStage(_ body: (any Stage, StageContext) -> Void) {
        for (node, ctx) in nodes.contexts.enumerated() {
            current = node
            body(nodes.stages[node], ctx)
        }
    }

    func now(node: Int) -> RunTime {
        if measuring && node == current {
            return RunTime(nanoseconds: callStartVirtual + (ContinuousClock.now - callStartWall).nanoseconds)
        }
        return RunTime(nanoseconds: batch.clock)
    }

    func emit(_ frame: Frame, from node: Int, at now: RunTime) {
        var f = frame
        f.emittedAt = now
        for n in nodes.next[node] {
            batch.queue.push(time: f.emittedAt.nanoseconds, session: index, node: Int32(n), .deliver(f))
        }
    }

    func schedule(after delay: Duration, node: Int, handle: Scheduled, _ work: @escaping () -> Void) {
        let at = now(node: node).nanoseconds + max(0, delay.nanoseconds)
        batch.queue.push(time: at, session: index, node: Int32(node), .timer(work))
    }

    func openPort(node: Int, holdsInput: Bool) -> any InboxPort {
        VirtualInboxPort(mailbox: batch.mailbox, at: now(node: node).nanoseconds, session: index, node: Int32(node)) { [self] in
            if holdsInput { nodes.release(node: node) { deliverNow($0, to: node) } }
        }
    }

    func runBlocking(node: Int, _ job: @escaping @Sendable () -> Void) {
        let start = ContinuousClock.now
        job()
        // The job's time is charged through its inbox's stamps, not again as the calling stage's busy time.
        if measuring && node == current { callStartWall += ContinuousClock.now - start }
    }

    func handle(_ action: consuming VirtualBatch.Action, node: Int, stats: inout HarnessStats) {
        switch consume action {
        case .tick(let k):
            let t = ledger.timeline
            let time = RunTime(nanoseconds: batch.clock)
            if keyFrames.contains(k) { ledger.sourceEmits[k] = time }
            let frame = t.frame(k, at: time)
            stats.framesSent += 1
            for n in nodes.entry {
                batch.queue.push(time: time.nanoseconds, session: index, node: Int32(n), .deliver(frame))
            }
            if k + 1 < t.frames.count {
                batch.queue.push(time: t.due(k + 1).nanoseconds, session: index, node: -1, .tick(k + 1))
            }
        case .deliver(let frame):
            if node == Pipeline.Topology.sink {
                deliverToPlayout(frame, stats: &stats)
            } else if busyUntil[node] > batch.clock {
                batch.queue.push(time: busyUntil[node], session: index, node: Int32(node), .deliver(frame))
            } else {
                deliverNow(frame, to: node)
            }
        case .timer(let work):
            if busyUntil[node] > batch.clock {
                batch.queue.push(time: busyUntil[node], session: index, node: Int32(node), .timer(work))
            } else {
                run(node: node, turn: nil) { work() }
            }
        }
    }

    private func deliverNow(_ frame: Frame, to node: Int) {
        let now = RunTime(nanoseconds: batch.clock)
        switch nodes.route(frame, to: node) {
        case .held: break
        case .passOn: emit(frame, from: node, at: now)
        case .receive: run(node: node, turn: frame.turn) { nodes.receive(frame, node: node, at: now) }
        }
    }

    private func run(node: Int, turn: Int?, _ body: () throws -> Void) {
        current = node
        let ctx = nodes.contexts[node]
        measuring = ctx.measuresBusyTime
        if measuring {
            callStartVirtual = batch.clock
            callStartWall = ContinuousClock.now
        }
        do {
            try body()
        } catch {
            ctx.fail(turn: turn ?? 0, reason: String(describing: error))
        }
        if measuring {
            let spent = ContinuousClock.now - callStartWall
            busyUntil[node] = batch.clock + spent.nanoseconds
            if let turn { ctx.record.addBusy(turn: turn, spent) }
            measuring = false
        }
    }

    func deliverToPlayout(_ frame: Frame, stats: inout HarnessStats) {
        let now = RunTime(nanoseconds: batch.clock)
        stats.sourceToSink.record(now - frame.origin)
        switch frame.payload {
        case .audio(let chunk): ledger.playout.play(chunk, turn: frame.turn, at: now)
        case .event(.interruption): ledger.playout.interrupt(at: now)
        default: break
        }
    }
}
