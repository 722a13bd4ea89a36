import EarshotCore
import Yams

/// One YAML mapping with its allowed keys: each accessor checks presence and type and says where.
///
/// Every YAML file Earshot reads (scenario manifests, pipelines, presets) goes through this, from
/// Yams' node API rather than Codable: Codable ignores unknown keys, and a misspelt key must be an
/// error with its line, not a silently missing value.
public struct YAMLFields {
    public let pairs: [String: (key: Node, value: Node)]
    public let file: String
    public let what: String
    public let line: Int

    public init(_ node: Node, file: String, what: String, allowed: [String]) throws {
        self.file = file
        self.what = what
        line = node.mark?.line ?? 1
        guard let mapping = node.mapping else {
            throw InputError(file: file, line: line, "\(what) must be a mapping of keys (\(allowed.joined(separator: ", "))), got \(Self.describe(node))")
        }
        var pairs: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            let name = key.scalar?.string ?? Self.describe(key)
            guard allowed.contains(name) else {
                throw InputError(file: file, line: key.mark?.line ?? line,
                                 "unknown key '\(name)' (expected one of: \(allowed.joined(separator: ", ")))")
            }
            pairs[name] = (key, value)
        }
        self.pairs = pairs
    }

    public func value(_ key: String) throws -> Node {
        guard let pair = pairs[key] else { throw InputError(file: file, line: line, "\(what) is missing key '\(key)'") }
        return pair.value
    }

    public func line(of key: String) -> Int { pairs[key]?.key.mark?.line ?? line }

    public func int(_ key: String) throws -> Located<Int> {
        let node = try value(key)
        guard let value = Self.integer(node) else {
            throw InputError(file: file, line: line(of: key), "\(key) must be a whole number, got \(Self.describe(node))")
        }
        return .init(value: value, line: line(of: key))
    }

    /// A whole number of milliseconds within 0 ... one day (`InputLimits`), so every time the
    /// manifest gives can be added to and turned into samples without overflow.
    public func milliseconds(_ key: String) throws -> Located<Int> {
        let ms = try int(key)
        guard (0...Int(InputLimits.longestMilliseconds)).contains(ms.value) else {
            throw InputError(file: file, line: ms.line, "\(key) must be within 0...\(Int(InputLimits.longestMilliseconds)) ms (one day), got \(ms.value)")
        }
        return ms
    }

    public func text(_ key: String) throws -> Located<String> {
        let node = try value(key)
        guard let scalar = node.scalar, !Self.isNull(node) else {
            throw InputError(file: file, line: line(of: key), "\(key) must be text, got \(Self.describe(node))")
        }
        return .init(value: scalar.string, line: line(of: key))
    }

    public func optionalText(_ key: String) throws -> Located<String>? {
        pairs[key] == nil ? nil : try text(key)
    }

    public func sequence(_ key: String) throws -> Located<[Node]> {
        let node = try value(key)
        guard let sequence = node.sequence else {
            throw InputError(file: file, line: line(of: key), "\(key) must be a list, got \(Self.describe(node))")
        }
        return .init(value: Array(sequence), line: line(of: key))
    }

    /// Plain decimal integers only: a quoted "500" is text, and 0x1F4 is not how anyone writes
    /// milliseconds.
    public static func integer(_ node: Node) -> Int? {
        guard let scalar = node.scalar, scalar.style == .plain else { return nil }
        return Int(scalar.string)
    }

    public static func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How a wrong value reads in a message: the text for a scalar, its shape otherwise.
    public static func describe(_ node: Node) -> String {
        switch node {
        case let .scalar(scalar):
            if isNull(node) { return "nothing" }
            return scalar.style == .plain ? "'\(scalar.string)'" : "the string \"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// Parses YAML text into its root node (nil for an empty document), with syntax errors as `InputError`s.
    public static func compose(_ yaml: String, file: String) throws -> Node? {
        do {
            return try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            switch error {
            case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
                throw InputError(file: file, line: mark.line, "not valid YAML: \(problem)")
            case let .duplicatedKeysInMapping(duplicates, context):
                let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
                throw InputError(file: file, line: context.mark.line, "duplicate key \(keys)")
            case let .reader(problem, offset, value, _):
                // The reader stops on bytes YAML forbids (a binary file): say which, on one line.
                let at = offset.map { " at byte \($0)" } ?? ""
                throw InputError(file: file, "not valid YAML: \(problem) (0x\(String(value, radix: 16))\(at))")
            default:
                throw InputError(file: file, "not valid YAML: \(String(describing: error).split(whereSeparator: \.isNewline).first ?? "")")
            }
        }
    }

    /// Whether the mapping has `key`.
    public func has(_ key: String) -> Bool { pairs[key] != nil }

    /// Every key present, in no particular order.
    public var keys: [String] { Array(pairs.keys) }
}

/// A value with the line it came from, so later checks still point at the line to fix.
public struct Located<Value> {
    public var value: Value
    public var line: Int
    public init(value: Value, line: Int) {
        self.value = value
        self.line = line
    }
}
