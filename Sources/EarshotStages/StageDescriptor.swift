import EarshotCore

/// What a stage type registers under its name: its role, its parameters, how to make one.
public struct StageDescriptor: Sendable {
    public enum Role: String, Sendable, CaseIterable {
        case vad, endpoint, stt, llm, tts, duplex, transport, agent, utility
    }

    public var name: String
    public var role: Role
    public var summary: String
    public var parameters: [StageParameter]
    /// What a stage standing for a real component is told beyond the audio, given its
    /// arguments (a recogniser's grammar): knowledge that flatters its figures, so the run records
    /// it in run.json. Nil when it is told nothing.
    public var knowledge: @Sendable (StageArguments) -> String?
    public var make: @Sendable (StageArguments) throws -> any Stage
    /// The stage talks to something outside that runs on the wall clock (an agent over a socket):
    /// a virtual run would measure nothing true, so it is refused.
    public var needsRealTime: Bool
    /// The rate of the line the stage sends the user's audio on, given its arguments (a phone
    /// line's 8 kHz): a stage that alone hears the source gets it on that line already, converted
    /// once per scenario (`StageSpec.sourceConversion`). Nil: the stage takes the source as it is.
    public var lineRate: (@Sendable (StageArguments) -> Int)?
    /// The stage does its I/O on swift-nio's event loops: its sessions run there too (`StageSpec.executors`).
    public var runsOnEventLoops: Bool

    public init(name: String, role: Role, summary: String, parameters: [StageParameter] = [], needsRealTime: Bool = false,
                lineRate: (@Sendable (StageArguments) -> Int)? = nil, runsOnEventLoops: Bool = false,
                knowledge: @escaping @Sendable (StageArguments) -> String? = { _ in nil },
                make: @escaping @Sendable (StageArguments) throws -> any Stage) {
        self.needsRealTime = needsRealTime
        self.lineRate = lineRate
        self.runsOnEventLoops = runsOnEventLoops
        self.name = name
        self.role = role
        self.summary = summary
        self.parameters = parameters
        self.knowledge = knowledge
        self.make = make
    }

    /// The arguments with every default filled in.
    public var defaults: StageArguments {
        StageArguments(Dictionary(uniqueKeysWithValues: parameters.compactMap { p in p.defaultValue.map { (p.name, $0) } }))
    }
}
