import EarshotCore
import Foundation
import Yams

/// A scenario manifest as written (schema in AudioFixtures/README.md): shape, types and order
/// checked, audio not yet read. Values keep the line they came from, so the checks that need the
/// audio (the file exists, its rate, its length) still point at the line to fix.
///
/// Parsed from Yams nodes rather than decoded with Codable: Codable ignores unknown keys, and a
/// misspelt `speach_end_ms` must be an error, not a silently missing value.
struct ScenarioManifest {
    struct Located<Value> {
        var value: Value
        var line: Int
    }

    struct Turn {
        /// The line of the turn's first key: where "turn 2 is missing ..." points.
        var line: Int
        var id: Int
        var kind: ScenarioTurn.Kind
        var audio: Located<String>
        var atMs: Located<Int>
        var speechStartMs: Located<Int>
        var speechEndMs: Located<Int>
        var pauses: [Located<Range<Int>>]
        var reply: String?
    }

    static let schema = 1

    var file: String
    var name: Located<String>
    var description: String
    var sampleRate: Located<Int>
    var durationMs: Located<Int>
    var turns: [Turn]

    static let keys = ["schema", "name", "description", "sample_rate", "duration_ms", "turns"]
    static let turnKeys = ["id", "kind", "audio", "at_ms", "speech_start_ms", "speech_end_ms", "pauses", "reply"]

    /// - Parameter file: how messages name the manifest.
    init(yaml: String, file: String) throws {
        self.file = file
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw Self.inputError(error, file: file)
        }
        guard let root else { throw InputError(file: file, line: 1, "empty manifest (expected keys: \(Self.keys.joined(separator: ", ")))") }
        let top = try Fields(root, file: file, what: "the manifest", allowed: Self.keys)

        let schema = try top.int("schema")
        guard schema.value == Self.schema else {
            throw InputError(file: file, line: schema.line,
                             "unsupported schema \(schema.value) (this version of Earshot reads schema \(Self.schema))")
        }
        name = try top.text("name")
        guard !name.value.isEmpty else { throw InputError(file: file, line: name.line, "name must not be empty") }
        description = try top.optionalText("description")?.value ?? ""
        sampleRate = try top.int("sample_rate")
        guard sampleRate.value > 0 else {
            throw InputError(file: file, line: sampleRate.line, "sample_rate must be positive, got \(sampleRate.value)")
        }
        durationMs = try top.int("duration_ms")
        guard durationMs.value > 0 else {
            throw InputError(file: file, line: durationMs.line, "duration_ms must be positive, got \(durationMs.value)")
        }

        let turnNodes = try top.sequence("turns")
        guard !turnNodes.value.isEmpty else {
            throw InputError(file: file, line: turnNodes.line, "turns must list at least one turn")
        }
        var turns: [Turn] = []
        for (index, node) in turnNodes.value.enumerated() {
            let turn = try Self.turn(node, number: index + 1, file: file)
            if let previous = turns.last, turn.atMs.value < previous.atMs.value {
                throw InputError(file: file, line: turn.atMs.line,
                                 "turn \(turn.id) at_ms \(turn.atMs.value) is before turn \(previous.id)'s \(previous.atMs.value): list turns in timeline order")
            }
            turns.append(turn)
        }
        self.turns = turns
    }

    private static func turn(_ node: Node, number: Int, file: String) throws -> Turn {
        let fields = try Fields(node, file: file, what: "turn \(number)", allowed: turnKeys)
        let id = try fields.int("id")
        guard id.value == number else {
            throw InputError(file: file, line: id.line, "turn ids count 1, 2, 3... in order: expected \(number), got \(id.value)")
        }
        let kindText = try fields.text("kind")
        guard let kind = ScenarioTurn.Kind(rawValue: kindText.value) else {
            let known = ScenarioTurn.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw InputError(file: file, line: kindText.line, "unknown kind '\(kindText.value)' (expected one of: \(known))")
        }
        let audio = try fields.text("audio")
        guard !audio.value.isEmpty, !audio.value.hasPrefix("/") else {
            throw InputError(file: file, line: audio.line, "audio must be a path relative to the fixtures folder, got '\(audio.value)'")
        }
        let at = try fields.int("at_ms")
        guard at.value >= 0 else { throw InputError(file: file, line: at.line, "at_ms must not be negative, got \(at.value)") }
        let start = try fields.int("speech_start_ms")
        guard start.value >= at.value else {
            throw InputError(file: file, line: start.line,
                             "speech_start_ms \(start.value) is before the turn's audio starts (at_ms \(at.value))")
        }
        let end = try fields.int("speech_end_ms")
        guard end.value > start.value else {
            throw InputError(file: file, line: end.line,
                             "speech_end_ms \(end.value) is not after speech_start_ms \(start.value)")
        }
        let pauses = try self.pauses(fields, speech: start.value..<end.value, file: file)

        let reply = try fields.optionalText("reply")
        switch (kind, reply) {
        case (.backchannel, let reply?):
            throw InputError(file: file, line: reply.line, "a backchannel expects no reply: remove 'reply'")
        case (.turn, nil), (.bargeIn, nil):
            throw InputError(file: file, line: fields.line, "turn \(number) is missing key 'reply' (a \(kind.rawValue) expects one)")
        default:
            break
        }
        return Turn(line: fields.line, id: id.value, kind: kind, audio: audio, atMs: at, speechStartMs: start,
                    speechEndMs: end, pauses: pauses, reply: reply?.value)
    }

    private static func pauses(_ fields: Fields, speech: Range<Int>, file: String) throws -> [Located<Range<Int>>] {
        let list = try fields.sequence("pauses")
        var pauses: [Located<Range<Int>>] = []
        for node in list.value {
            let line = node.mark?.line ?? list.line
            let pair = node.sequence.map { Array($0) } ?? []
            guard pair.count == 2, let start = Fields.integer(pair[0]), let end = Fields.integer(pair[1]) else {
                throw InputError(file: file, line: line, "a pause is [start_ms, end_ms], got \(Fields.describe(node))")
            }
            guard speech.lowerBound < start, start < end, end < speech.upperBound else {
                throw InputError(file: file, line: line,
                                 "pause [\(start), \(end)] must lie inside the speech (\(speech.lowerBound)...\(speech.upperBound) ms) and end after it starts")
            }
            if let previous = pauses.last, start < previous.value.upperBound {
                throw InputError(file: file, line: line,
                                 "pause [\(start), \(end)] starts before the previous pause ends (\(previous.value.upperBound) ms)")
            }
            pauses.append(Located(value: start..<end, line: line))
        }
        return pauses
    }

    private static func inputError(_ error: YamlError, file: String) -> InputError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return InputError(file: file, line: mark.line, "not valid YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return InputError(file: file, line: context.mark.line, "duplicate key \(keys)")
        default:
            return InputError(file: file, "not valid YAML: \(error)")
        }
    }
}

/// One YAML mapping with its allowed keys: each accessor checks presence and type and says where.
private struct Fields {
    let pairs: [String: (key: Node, value: Node)]
    let file: String
    let what: String
    let line: Int

    init(_ node: Node, file: String, what: String, allowed: [String]) throws {
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

    func value(_ key: String) throws -> Node {
        guard let pair = pairs[key] else { throw InputError(file: file, line: line, "\(what) is missing key '\(key)'") }
        return pair.value
    }

    func line(of key: String) -> Int { pairs[key]?.key.mark?.line ?? line }

    func int(_ key: String) throws -> ScenarioManifest.Located<Int> {
        let node = try value(key)
        guard let value = Self.integer(node) else {
            throw InputError(file: file, line: line(of: key), "\(key) must be a whole number, got \(Self.describe(node))")
        }
        return .init(value: value, line: line(of: key))
    }

    func text(_ key: String) throws -> ScenarioManifest.Located<String> {
        let node = try value(key)
        guard let scalar = node.scalar, !Self.isNull(node) else {
            throw InputError(file: file, line: line(of: key), "\(key) must be text, got \(Self.describe(node))")
        }
        return .init(value: scalar.string, line: line(of: key))
    }

    func optionalText(_ key: String) throws -> ScenarioManifest.Located<String>? {
        pairs[key] == nil ? nil : try text(key)
    }

    func sequence(_ key: String) throws -> ScenarioManifest.Located<[Node]> {
        let node = try value(key)
        guard let sequence = node.sequence else {
            throw InputError(file: file, line: line(of: key), "\(key) must be a list, got \(Self.describe(node))")
        }
        return .init(value: Array(sequence), line: line(of: key))
    }

    /// Plain decimal integers only: a quoted "500" is text, and 0x1F4 is not how anyone writes
    /// milliseconds.
    static func integer(_ node: Node) -> Int? {
        guard let scalar = node.scalar, scalar.style == .plain else { return nil }
        return Int(scalar.string)
    }

    static func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How a wrong value reads in a message: the text for a scalar, its shape otherwise.
    static func describe(_ node: Node) -> String {
        switch node {
        case let .scalar(scalar):
            if isNull(node) { return "nothing" }
            return scalar.style == .plain ? "'\(scalar.string)'" : "the string \"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
