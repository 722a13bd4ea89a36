import EarshotAudio
import EarshotCore
import Foundation
import Testing

/// Bad manifests: each is the committed basic-qa with one edit, written to a scratch folder and
/// loaded against the committed utterances, so the expected line is found, not hard-coded.
@Suite struct FixtureManifestErrorTests {
    /// basic-qa.yaml with `old` replaced by `new` (once), and the 1-based line `new` lands on.
    static func edited(_ old: String, _ new: String) throws -> (yaml: String, line: Int) {
        let original = try String(contentsOf: CommittedFixtures.manifest("basic-qa"), encoding: .utf8)
        let range = try #require(original.range(of: old), "basic-qa.yaml has no '\(old)'")
        let yaml = original.replacingCharacters(in: range, with: new)
        let line = yaml[..<range.lowerBound].filter { $0 == "\n" }.count + 1
        return (yaml, line)
    }

    /// The error loading `yaml` as `name`.yaml throws, or nil (recorded) when it loads.
    static func loadError(_ yaml: String, name: String = "basic-qa") throws -> InputError? {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("earshot-manifest-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("\(name).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        return #expect(throws: InputError.self) {
            try Scenario.load(from: url, fixturesRoot: CommittedFixtures.root)
        }
    }

    @Test func theUneditedCopyLoads() throws {
        let (yaml, _) = try Self.edited("schema: 1", "schema: 1")
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("earshot-manifest-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("basic-qa.yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        let copy = try Scenario.load(from: url, fixturesRoot: CommittedFixtures.root)
        #expect(copy.turns == (try CommittedFixtures.scenario("basic-qa")).turns)
    }

    @Test func unknownKeyNamesItsLineAndTheKnownKeys() throws {
        let (yaml, line) = try Self.edited("speech_end_ms:", "speach_end_ms:")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.line == line)
        #expect(error.message.hasPrefix("unknown key 'speach_end_ms' (expected one of: id, kind, audio, at_ms,"))
        #expect(error.message.contains("speech_end_ms"))
        #expect(error.file?.hasSuffix("basic-qa.yaml") == true)
        #expect(error.description.hasSuffix("basic-qa.yaml:\(line): \(error.message)"))
    }

    @Test func unknownTopLevelKey() throws {
        let (yaml, line) = try Self.edited("sample_rate:", "rate: 16000\nsample_rate:")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.line == line)
        #expect(error.message.hasPrefix("unknown key 'rate'"))
    }

    @Test func wrongTypeNamesTheKeyAndValue() throws {
        let (yaml, line) = try Self.edited("at_ms: 500", "at_ms: soon")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.line == line)
        #expect(error.message == "at_ms must be a whole number, got 'soon'")
    }

    @Test func quotedNumberIsText() throws {
        let (yaml, line) = try Self.edited("sample_rate: 16000", "sample_rate: \"16000\"")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.line == line)
        #expect(error.message == "sample_rate must be a whole number, got the string \"16000\"")
    }

    @Test func listWhereTextBelongs() throws {
        let (yaml, line) = try Self.edited("kind: turn", "kind: [turn]")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.line == line)
        #expect(error.message == "kind must be text, got a list")
    }

    @Test func missingAudioFileNamesTheLine() throws {
        let (yaml, line) = try Self.edited("audio: utterances/book-table.wav", "audio: utterances/book-tabel.wav")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.line == line)
        #expect(error.message.hasPrefix("audio file 'utterances/book-tabel.wav' not found in "))
    }

    @Test func missingKeyPointsAtItsTurn() throws {
        let original = try Self.edited("  - id: 2\n", "  - id: 2\n")
        var lines = original.yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let turnLine = original.line
        // Turn 2's speech_start_ms, the first one after its id.
        let index = try #require(lines[turnLine...].firstIndex { $0.hasPrefix("    speech_start_ms:") })
        lines.remove(at: index)
        let error = try #require(try Self.loadError(lines.joined(separator: "\n")))
        #expect(error.line == turnLine)
        #expect(error.message == "turn 2 is missing key 'speech_start_ms'")
    }

    @Test func unknownKind() throws {
        let (yaml, line) = try Self.edited("kind: turn", "kind: interruption")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.line == line)
        #expect(error.message == "unknown kind 'interruption' (expected one of: turn, barge_in, backchannel)")
    }

    @Test func speechEndBeforeStart() throws {
        let scenario = try CommittedFixtures.scenario("basic-qa")
        let start = Int(scenario.turns[0].speechStart.nanoseconds / 1_000_000)
        let end = Int(scenario.turns[0].speechEnd.nanoseconds / 1_000_000)
        let (yaml, line) = try Self.edited("speech_end_ms: \(end)", "speech_end_ms: \(start - 10)")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.line == line)
        #expect(error.message == "speech_end_ms \(start - 10) is not after speech_start_ms \(start)")
    }

    @Test func turnsOutOfTimelineOrder() throws {
        let scenario = try CommittedFixtures.scenario("basic-qa")
        let second = Int(scenario.turns[1].offset.nanoseconds / 1_000_000)
        let (yaml, line) = try Self.edited("at_ms: \(second)", "at_ms: 100")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.line == line)
        #expect(error.message == "turn 2 at_ms 100 is before turn 1's 500: list turns in timeline order")
    }

    @Test func overlappingUtterances() throws {
        let scenario = try CommittedFixtures.scenario("basic-qa")
        let turn = scenario.turns[1]
        let at = Int(turn.offset.nanoseconds / 1_000_000)
        // Shift turn 2 (all its times) to start 100 ms after turn 1's file starts.
        let shift = at - Int(scenario.turns[0].offset.nanoseconds / 1_000_000) - 100
        var (yaml, line) = try Self.edited("at_ms: \(at)", "at_ms: \(at - shift)")
        for ms in [turn.speechStart, turn.speechEnd].map({ Int($0.nanoseconds / 1_000_000) }) {
            yaml = yaml.replacingOccurrences(of: ": \(ms)\n", with: ": \(ms - shift)\n")
        }
        let error = try #require(try Self.loadError(yaml))
        #expect(error.line == line)
        #expect(error.message.hasPrefix("turn 2 starts at \(at - shift) ms, before turn 1's audio ends at"))
    }

    @Test func sampleRateThatIsNotTheFilesRate() throws {
        let (yaml, _) = try Self.edited("sample_rate: 16000", "sample_rate: 8000")
        let (_, audioLine) = try Self.edited("audio: utterances/what-time.wav", "audio: utterances/what-time.wav")
        let (_, rateLine) = try Self.edited("sample_rate:", "sample_rate:")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.line == audioLine)
        #expect(error.message == "'utterances/what-time.wav' is 16000 Hz but sample_rate is 8000 (line \(rateLine))")
    }

    @Test func nameMustMatchTheFileName() throws {
        let (yaml, line) = try Self.edited("name: basic-qa", "name: basic-qa")
        let error = try #require(try Self.loadError(yaml, name: "basic-qa-copy"))
        #expect(error.line == line)
        #expect(error.message.hasPrefix("name 'basic-qa' does not match the file name"))
    }

    @Test func replyOnABackchannel() throws {
        let (yaml, line) = try Self.edited("    kind: turn\n", "    kind: backchannel\n")
        let error = try #require(try Self.loadError(yaml))
        // The first turn's reply line is where the fix goes.
        let replyLine = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated().first { $0.offset >= line && $0.element.hasPrefix("    reply:") }.map { $0.offset + 1 }
        #expect(error.line == replyLine)
        #expect(error.message == "a backchannel expects no reply: remove 'reply'")
    }

    @Test func unsupportedSchema() throws {
        let (yaml, line) = try Self.edited("schema: 1", "schema: 2")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.line == line)
        #expect(error.message.hasPrefix("unsupported schema 2"))
    }

    @Test func duplicateKey() throws {
        let (yaml, line) = try Self.edited("duration_ms:", "name: again\nduration_ms:")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.message == "duplicate key 'name'")
        #expect(error.line != nil && error.line! < line)
    }

    @Test func brokenYAMLNamesItsLine() throws {
        let (yaml, line) = try Self.edited("turns:\n", "turns:\n  - [unclosed\n")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.message.hasPrefix("not valid YAML"))
        #expect(error.line != nil && error.line! >= line + 1)
    }

    @Test func pauseOutsideTheSpeech() throws {
        let (yaml, line) = try Self.edited("    pauses: []\n", "    pauses: [[1, 2]]\n")
        let error = try #require(try Self.loadError(yaml))
        #expect(error.line == line)
        #expect(error.message.hasPrefix("pause [1, 2] must lie inside the speech"))
    }

    @Test func missingManifest() throws {
        let url = CommittedFixtures.scenarios.appendingPathComponent("no-such-scenario.yaml")
        let error = #expect(throws: InputError.self) {
            try Scenario.load(from: url, fixturesRoot: CommittedFixtures.root)
        }
        #expect(error?.message == "no such manifest")
        #expect(error?.line == nil)
    }
}
