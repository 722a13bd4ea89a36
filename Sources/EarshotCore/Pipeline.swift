/// How to make one stage for one session: a name and a factory.
///
/// Pipelines hold specs, not stages, because every session needs its own stage instances (stages
/// keep per-conversation state) and a run may have thousands of sessions.
public struct StageSpec: Sendable {
    public var name: String
    public var make: @Sendable () throws -> any Stage
    /// How the stage makes the user's audio its own, when that is the same for every session (a
    /// connector putting it on its line's rate). A stage that alone hears the source gets it
    /// converted so, once per scenario before the clock starts, instead of once per session per
    /// frame: a thousand callers of one scenario resample it once.
    public var sourceConversion: SourceConversion?
    /// Where sessions holding this stage run in real time, when not on the runtime's own
    /// executors: a stage that does its I/O on event loops has its whole session run on them, so
    /// the user's audio goes from the pacer to the socket, and the agent's back to playout, on one
    /// thread, with no hop between executor and event loop.
    public var executors: (@Sendable () -> [any Executor])?

    public init(_ name: String, sourceConversion: SourceConversion? = nil, executors: (@Sendable () -> [any Executor])? = nil,
                make: @escaping @Sendable () throws -> any Stage) {
        self.name = name
        self.sourceConversion = sourceConversion
        self.executors = executors
        self.make = make
    }
}

/// A whole-signal conversion of the scenario's audio (`StageSpec.sourceConversion`). It must keep
/// the timeline: sample k of the result sits at the time sample k of the input did, so the
/// scenario's ground truth holds for the converted audio.
public struct SourceConversion: Sendable {
    /// The rate the conversion delivers.
    public var sampleRate: Int
    public var convert: @Sendable (AudioChunk) throws -> AudioChunk

    public init(sampleRate: Int, convert: @escaping @Sendable (AudioChunk) throws -> AudioChunk) {
        self.sampleRate = sampleRate
        self.convert = convert
    }
}

/// A design under test: an ordered graph of stages between the source and playout.
///
/// A chain, plus parallel branches where a design needs one (a VAD beside an STT): a parallel step
/// gives every branch a copy of each frame and merges what they emit into the next step.
public struct Pipeline: Sendable {
    public enum Step: Sendable {
        case stage(StageSpec)
        case parallel([[StageSpec]])
    }

    public var name: String
    public var steps: [Step]

    public init(name: String, steps: [Step]) {
        self.name = name
        self.steps = steps
    }

    /// A straight chain of stages.
    public static func chain(_ name: String, _ stages: [StageSpec]) -> Pipeline {
        Pipeline(name: name, steps: stages.map { .stage($0) })
    }

    /// The graph: every stage spec with the nodes it feeds. `Topology.sink` stands for playout.
    struct Topology {
        static let sink = -1
        var specs: [StageSpec] = []
        var next: [[Int]] = []
        var entry: [Int] = []

        /// The conversion the source's audio gets: the entry stage's, when one stage alone hears the source.
        var sourceConversion: SourceConversion? {
            guard entry.count == 1, let node = entry.first, node != Topology.sink else { return nil }
            return specs[node].sourceConversion
        }

        /// Each scenario's source, cut into frames after the entry stage's conversion.
        func timelines(_ scenarios: [Scenario], frameDuration: Duration) throws -> [SourceTimeline] {
            let conversion = sourceConversion
            return try scenarios.map { scenario in
                // A rate with no whole number of samples per frame cannot be framed; the stage converts as the audio comes.
                guard let conversion, frameDuration.nanoseconds * Int64(conversion.sampleRate) % 1_000_000_000 == 0 else {
                    return SourceTimeline(scenario: scenario, frameDuration: frameDuration)
                }
                var converted = scenario
                converted.audio = try conversion.convert(scenario.audio)
                return SourceTimeline(scenario: converted, frameDuration: frameDuration)
            }
        }
    }

    func topology() -> Topology {
        var t = Topology()
        var tails: [Int]? = nil   // nil: the source feeds the next step
        func add(_ spec: StageSpec) -> Int {
            t.specs.append(spec)
            t.next.append([])
            return t.specs.count - 1
        }
        func connect(_ from: [Int]?, to node: Int) {
            if let from { for f in from { t.next[f].append(node) } } else { t.entry.append(node) }
        }
        for step in steps {
            switch step {
            case .stage(let spec):
                let n = add(spec)
                connect(tails, to: n)
                tails = [n]
            case .parallel(let branches):
                var newTails: [Int] = []
                for branch in branches where !branch.isEmpty {
                    var prev: [Int]? = tails
                    for spec in branch {
                        let n = add(spec)
                        connect(prev, to: n)
                        prev = [n]
                    }
                    newTails += prev ?? []
                }
                if !newTails.isEmpty { tails = newTails }
            }
        }
        if let tails { for f in tails { t.next[f].append(Topology.sink) } } else { t.entry = [Topology.sink] }
        return t
    }
}
