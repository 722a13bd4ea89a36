/// One session's stage instances and their contexts, wired as the pipeline's topology says.
struct SessionNodes {
    let stages: [any Stage]
    /// The names the pipeline gives its stages (a spec's name): unique per role, unlike a stage type's name.
    let names: [String]
    let contexts: [StageContext]
    let consumes: [FrameKinds]
    let next: [[Int]]
    let entry: [Int]

    init(topology: Pipeline.Topology, session: Int, scenario: Scenario, seed: UInt64,
         driver: SessionDriver, measuresBusyTime: (any Stage) -> Bool) throws {
        let sessionRandom = SeededRandom(runSeed: seed, session: session)
        var occurrences: [String: Int] = [:]
        var stages: [any Stage] = []
        var contexts: [StageContext] = []
        let script = ScenarioScript(scenario)
        let speechEnds = Self.speechEnds(scenario)
        for (node, spec) in topology.specs.enumerated() {
            let stage = try spec.make()
            let n = occurrences[spec.name, default: 0]
            occurrences[spec.name] = n + 1
            stages.append(stage)
            contexts.append(StageContext(
                stageName: spec.name, session: session, script: stage.readsScript ? script : nil,
                phrases: stage.readsPhrases ? script.phrases : nil, speechEnds: speechEnds,
                random: sessionRandom.split("\(spec.name)#\(n)"), driver: driver, node: node,
                measuresBusyTime: measuresBusyTime(stage)))
        }
        self.stages = stages
        self.names = topology.specs.map(\.name)
        self.contexts = contexts
        self.consumes = stages.map(\.consumes)
        self.next = topology.next
        self.entry = topology.entry
    }

    /// Each turn's ground-truth end of speech, earliest first.
    static func speechEnds(_ scenario: Scenario) -> [(end: Duration, turn: Int)] {
        scenario.turns.map { (end: $0.speechEnd, turn: $0.id) }.sorted { $0.end < $1.end }
    }

    /// One stage on its own, fed by hand (`StageHarness`).
    init(stage: any Stage, context: StageContext) {
        stages = [stage]
        names = [context.stageName]
        contexts = [context]
        consumes = [stage.consumes]
        next = [[]]
        entry = [0]
    }

    var records: [(stage: String, record: StageRecord)] {
        zip(names, contexts).map { ($0, $1.record) }
    }

    /// The connection set-ups every stage of the session recorded.
    var connections: [Duration] { contexts.flatMap(\.record.connections) }
    var failedConnections: Int { contexts.reduce(0) { $0 + $1.record.failedConnections } }

    /// What the one delivery rule says of `frame` at `node`, under every clock.
    enum Route {
        /// The stage waits on outside work: the frame joined its backlog.
        case held
        /// The stage does not consume this kind: pass the frame on untouched.
        case passOn
        /// Hand the frame to the stage's `receive`.
        case receive
    }

    func route(_ frame: Frame, to node: Int) -> Route {
        let ctx = contexts[node]
        if ctx.holds > 0 {
            ctx.backlog.append(frame)
            return .held
        }
        return consumes[node].contains(frame.kind) ? .receive : .passOn
    }

    /// Calls the stage's `receive`; a throw fails the frame's turn with the error as the reason.
    func receive(_ frame: Frame, node: Int, at now: RunTime) {
        let ctx = contexts[node]
        ctx.record.noteInput(turn: frame.turn, at: now)
        do {
            try stages[node].receive(frame, context: ctx)
        } catch {
            ctx.fail(turn: frame.turn, reason: String(describing: error))
        }
    }

    /// Lets go of one hold on `node`'s input, then hands over what waited, in order, while no hold
    /// is back (a waiting frame may start new outside work).
    func release(node: Int, deliver: (Frame) -> Void) {
        let ctx = contexts[node]
        ctx.holds -= 1
        while ctx.holds == 0, !ctx.backlog.isEmpty { deliver(ctx.backlog.removeFirst()) }
    }
}
