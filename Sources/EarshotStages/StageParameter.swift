import EarshotCore

/// One documented parameter of a registered stage: what `earshot stages` prints and what the
/// pipeline loader checks a YAML value against.
public struct StageParameter: Sendable {
    public enum Kind: String, Sendable {
        /// Milliseconds, written as a number; read with `StageArguments.duration(_:)`.
        case milliseconds
        case number
        case integer
        case text
        case bool
        /// A delay distribution (see `DelayDistribution+YAML`): a number is a fixed delay in ms.
        case distribution
        /// A YAML mapping of names to text (`{api-key: $AZURE_KEY}`), kept in the file's order:
        /// HTTP headers and query parameters, where the user writes names the stage cannot list.
        case map
    }

    public var name: String
    public var kind: Kind
    /// The default; nil makes the parameter required.
    public var defaultValue: StageArgument?
    /// Inclusive bounds for numbers, milliseconds and integers.
    public var range: ClosedRange<Double>?
    /// Allowed values for text.
    public var choices: [String]?
    public var help: String

    public init(_ name: String, _ kind: Kind, default defaultValue: StageArgument? = nil, range: ClosedRange<Double>? = nil,
                choices: [String]? = nil, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.range = range
        self.choices = choices
        self.help = help
    }
}

/// A checked parameter value.
public enum StageArgument: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case text(String)
    case bool(Bool)
    case distribution(DelayDistribution)
    case map([Entry])

    /// One name and its text in a `.map` argument.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var description: String {
        switch self {
        case .number(let x): x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
        case .text(let s): s
        case .bool(let b): String(b)
        case .distribution(let d): d.description
        case .map(let entries): "{" + entries.map { "\($0.name): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

/// A stage's checked arguments: every declared parameter is present (given or defaulted) and of
/// its kind, so a stage's factory reads them without error handling.
public struct StageArguments: Sendable {
    public let values: [String: StageArgument]

    public init(_ values: [String: StageArgument]) { self.values = values }

    public func number(_ name: String) -> Double {
        guard case .number(let x)? = values[name] else { preconditionFailure("parameter '\(name)' is not a declared number") }
        return x
    }

    public func integer(_ name: String) -> Int { Int(number(name)) }

    public func duration(_ name: String) -> Duration { .milliseconds(clamping: number(name)) }

    public func text(_ name: String) -> String {
        guard case .text(let s)? = values[name] else { preconditionFailure("parameter '\(name)' is not declared text") }
        return s
    }

    public func bool(_ name: String) -> Bool {
        guard case .bool(let b)? = values[name] else { preconditionFailure("parameter '\(name)' is not a declared bool") }
        return b
    }

    public func map(_ name: String) -> [StageArgument.Entry] {
        guard case .map(let entries)? = values[name] else { preconditionFailure("parameter '\(name)' is not a declared map") }
        return entries
    }

    public func distribution(_ name: String) -> DelayDistribution {
        switch values[name] {
        case .distribution(let d)?: d
        case .number(let ms)?: .fixed(.milliseconds(clamping: ms))
        default: preconditionFailure("parameter '\(name)' is not a declared distribution")
        }
    }
}
