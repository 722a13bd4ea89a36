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
        for (node, spec) in topology.specs.enumerated() {
            let stage = try spec.make()
            let n = occurrences[spec.name, default: 0]
            occurrences[spec.name] = n + 1
            stages.append(stage)
            contexts.append(StageContext(
                stageName: spec.name, session: session, scenario: scenario,
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

    var records: [(stage: String, record: StageRecord)] {
        zip(names, contexts).map { ($0, $1.record) }
    }
}
