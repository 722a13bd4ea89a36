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
        /// The line of the `pauses` key: where a pause the list lacks is reported.
        var pausesLine: Int
        var reply: String?
        /// What the user says, when the manifest's author gave it.
        var text: String?
        /// Where the audio came from and how it was converted, for a person reading the manifest.
        var source: String?
    }

    static let schema = 1

    var file: String
    var name: Located<String>
    var description: String
    var sampleRate: Located<Int>
    var durationMs: Located<Int>
    var turns: [Turn]

    static let keys = ["schema", "name", "description", "sample_rate", "duration_ms", "turns"]
    static let turnKeys = ["id", "kind", "audio", "at_ms", "speech_start_ms", "speech_end_ms", "pauses", "reply", "text", "source"]

    /// - Parameter file: how messages name the manifest.
    init(yaml: String, file: String) throws {
        self.file = file
        guard let root = try YAMLFields.compose(yaml, file: file) else { throw InputError(file: file, line: 1, "empty manifest (expected keys: \(Self.keys.joined(separator: ", ")))") }
        let top = try YAMLFields(root, file: file, what: "the manifest", allowed: Self.keys)

        let schema = try top.int("schema")
        guard schema.value == Self.schema else {
            throw InputError(file: file, line: schema.line,
                             "unsupported schema \(schema.value) (this version of Earshot reads schema \(Self.schema))")
        }
        name = try top.text("name")
        guard !name.value.isEmpty else { throw InputError(file: file, line: name.line, "name must not be empty") }
        description = try top.optionalText("description")?.value ?? ""
        sampleRate = try top.int("sample_rate")
        guard (8_000...96_000).contains(sampleRate.value) else {
            throw InputError(file: file, line: sampleRate.line, "sample_rate must be within 8000...96000 Hz, got \(sampleRate.value)")
        }
        durationMs = try top.milliseconds("duration_ms")
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
        let fields = try YAMLFields(node, file: file, what: "turn \(number)", allowed: turnKeys)
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
        let at = try fields.milliseconds("at_ms")
        guard at.value >= 0 else { throw InputError(file: file, line: at.line, "at_ms must not be negative, got \(at.value)") }
        let start = try fields.milliseconds("speech_start_ms")
        guard start.value >= at.value else {
            throw InputError(file: file, line: start.line,
                             "speech_start_ms \(start.value) is before the turn's audio starts (at_ms \(at.value))")
        }
        let end = try fields.milliseconds("speech_end_ms")
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
                    speechEndMs: end, pauses: pauses, pausesLine: fields.line(of: "pauses"), reply: reply?.value,
                    text: try fields.optionalText("text")?.value, source: try fields.optionalText("source")?.value)
    }

    private static func pauses(_ fields: YAMLFields, speech: Range<Int>, file: String) throws -> [Located<Range<Int>>] {
        let list = try fields.sequence("pauses")
        var pauses: [Located<Range<Int>>] = []
        for node in list.value {
            let line = node.mark?.line ?? list.line
            let pair = node.sequence.map { Array($0) } ?? []
            guard pair.count == 2, let start = YAMLFields.integer(pair[0]), let end = YAMLFields.integer(pair[1]) else {
                throw InputError(file: file, line: line, "a pause is [start_ms, end_ms], got \(YAMLFields.describe(node))")
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
}

