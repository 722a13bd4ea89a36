import EarshotCore

/// What a stage type registers under its name: its role, its parameters, how to make one.
public struct StageDescriptor: Sendable {
    public enum Role: String, Sendable, CaseIterable {
        case vad, endpoint, stt, llm, tts, duplex, transport, utility
    }

    public var name: String
    public var role: Role
    public var summary: String
    public var parameters: [StageParameter]
    public var make: @Sendable (StageArguments) throws -> any Stage

    public init(name: String, role: Role, summary: String, parameters: [StageParameter] = [],
                make: @escaping @Sendable (StageArguments) throws -> any Stage) {
        self.name = name
        self.role = role
        self.summary = summary
        self.parameters = parameters
        self.make = make
    }

    /// The arguments with every default filled in.
    public var defaults: StageArguments {
        StageArguments(Dictionary(uniqueKeysWithValues: parameters.compactMap { p in p.defaultValue.map { (p.name, $0) } }))
    }
}
