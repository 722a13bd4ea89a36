import Foundation

/// Runs a pipeline over scenarios on a virtual clock: a deterministic discrete-event simulation.
///
/// Frames and timed work are events ordered by (time, sequence). Delivering a frame costs no
/// virtual time; a modelled stage's delays are charged exactly; a `.measured` stage is charged the
/// wall time its call took and stays busy, with frames queueing behind it, until that time has
/// passed. With only modelled stages the same seed and inputs give identical results, every time.
public final class VirtualRuntime {
    typealias Action = EventHeap.Action

    let pipeline: Pipeline
    let scenarios: [Scenario]
    let configuration: RunConfiguration
    var queue = EventQueue()
    /// The virtual clock: the time of the event being handled.
    var clock: Int64 { queue.now }
    var sessions: [VirtualSession] = []

    public init(pipeline: Pipeline, scenarios: [Scenario], configuration: RunConfiguration = RunConfiguration()) {
        precondition(!scenarios.isEmpty, "a run needs at least one scenario")
        self.pipeline = pipeline
        self.scenarios = scenarios
        self.configuration = configuration
    }

    /// Runs every session to the end and returns what was measured. Throws if a stage cannot be made.
    public func run() throws -> RunResult {
        let wallStart = ContinuousClock.now
        let topology = pipeline.topology()
        let timelines = scenarios.map { SourceTimeline(scenario: $0, frameDuration: configuration.frameDuration) }
        var horizon: Int64 = 0
        for (i, index) in configuration.sessions(scenarioCount: scenarios.count).enumerated() {
            let s = index % scenarios.count
            let session = VirtualSession(runtime: self, index: Int32(i), ledger: SessionLedger(
                design: pipeline.name, session: index, scenario: scenarios[s], timeline: timelines[s],
                configuration: configuration))
            try session.build(topology: topology, seed: configuration.seed)
            sessions.append(session)
            horizon = max(horizon, timelines[s].duration.nanoseconds)
        }
        for session in sessions {
            for (node, ctx) in session.nodes.contexts.enumerated() {
                session.current = node
                session.nodes.stages[node].started(context: ctx)
            }
            queue.push(time: session.ledger.timeline.due(0).nanoseconds, session: session.index, node: -1, .tick(0))
        }
        let cutoff = horizon + configuration.drainTimeout.nanoseconds
        var stats = HarnessStats()
        var lastHandled: Int64 = 0
        while let (time, event) = queue.pop() {
            guard time <= cutoff else { break }
            lastHandled = time
            stats.events += 1
            sessions[Int(event.session)].handle(event.action, node: Int(event.node), stats: &stats)
        }
        for session in sessions {
            for (node, ctx) in session.nodes.contexts.enumerated() {
                session.current = node
                session.nodes.stages[node].finished(context: ctx)
            }
        }
        var turns: [TurnResult] = []
        var stages: [StageTurnResult] = []
        for session in sessions {
            let r = session.ledger.results(records: session.nodes.records)
            turns += r.turns
            stages += r.stages
        }
        stats.simulated = .nanoseconds(lastHandled)
        stats.wall = ContinuousClock.now - wallStart
        return RunResult(design: pipeline.name, turns: turns, stages: stages, harness: stats)
    }
}

final class VirtualSession: SessionDriver {
    unowned(unsafe) let runtime: VirtualRuntime
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

    init(runtime: VirtualRuntime, index: Int32, ledger: SessionLedger) {
        self.runtime = runtime
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

    func now(node: Int) -> RunTime {
        if measuring && node == current {
            return RunTime(nanoseconds: callStartVirtual + (ContinuousClock.now - callStartWall).nanoseconds)
        }
        return RunTime(nanoseconds: runtime.clock)
    }

    func emit(_ frame: Frame, from node: Int, at now: RunTime) {
        var f = frame
        f.emittedAt = now
        for n in nodes.next[node] {
            runtime.queue.push(time: f.emittedAt.nanoseconds, session: index, node: Int32(n), .deliver(f))
        }
    }

    func schedule(after delay: Duration, node: Int, _ work: @escaping () -> Void) {
        let at = now(node: node).nanoseconds + max(0, delay.nanoseconds)
        runtime.queue.push(time: at, session: index, node: Int32(node), .timer(work))
    }

    func handle(_ action: consuming VirtualRuntime.Action, node: Int, stats: inout HarnessStats) {
        switch consume action {
        case .tick(let k):
            let t = ledger.timeline
            let time = RunTime(nanoseconds: runtime.clock)
            if keyFrames.contains(k) { ledger.sourceEmits[k] = time }
            var frame = Frame(.audio(t.frames[k]), turn: t.turnOfFrame[k], origin: time)
            frame.emittedAt = time
            stats.framesSent += 1
            for n in nodes.entry {
                runtime.queue.push(time: time.nanoseconds, session: index, node: Int32(n), .deliver(frame))
            }
            if k + 1 < t.frames.count {
                runtime.queue.push(time: t.due(k + 1).nanoseconds, session: index, node: -1, .tick(k + 1))
            }
        case .deliver(let frame):
            if node == Pipeline.Topology.sink {
                deliverToPlayout(frame, stats: &stats)
            } else if busyUntil[node] > runtime.clock {
                runtime.queue.push(time: busyUntil[node], session: index, node: Int32(node), .deliver(frame))
            } else if !nodes.consumes[node].contains(frame.kind) {
                emit(frame, from: node, at: RunTime(nanoseconds: runtime.clock))
            } else {
                let ctx = nodes.contexts[node]
                ctx.record.noteInput(turn: frame.turn, at: RunTime(nanoseconds: runtime.clock))
                run(node: node, turn: frame.turn) {
                    try nodes.stages[node].receive(frame, context: ctx)
                }
            }
        case .timer(let work):
            if busyUntil[node] > runtime.clock {
                runtime.queue.push(time: busyUntil[node], session: index, node: Int32(node), .timer(work))
            } else {
                run(node: node, turn: nil) { work() }
            }
        }
    }

    private func run(node: Int, turn: Int?, _ body: () throws -> Void) {
        current = node
        let ctx = nodes.contexts[node]
        measuring = ctx.measuresBusyTime
        if measuring {
            callStartVirtual = runtime.clock
            callStartWall = ContinuousClock.now
        }
        do {
            try body()
        } catch {
            ctx.fail(turn: turn ?? 0, reason: String(describing: error))
        }
        if measuring {
            let spent = ContinuousClock.now - callStartWall
            busyUntil[node] = runtime.clock + spent.nanoseconds
            if let turn { ctx.record.addBusy(turn: turn, spent) }
            measuring = false
        }
    }

    func deliverToPlayout(_ frame: Frame, stats: inout HarnessStats) {
        let now = RunTime(nanoseconds: runtime.clock)
        stats.sourceToSink.record(now - frame.origin)
        switch frame.payload {
        case .audio(let chunk): ledger.playout.play(chunk, turn: frame.turn, at: now)
        case .event(.interruption): ledger.playout.interrupt(at: now)
        default: break
        }
    }
}
