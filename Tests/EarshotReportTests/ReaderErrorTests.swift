import EarshotCore
import EarshotReport
import Foundation
import Testing

/// Bad input is one `InputError` line naming the file and, for CSV, the line.
@Suite struct ReaderErrorTests {
    /// A valid folder to break one file of.
    static func folder() throws -> URL {
        let dir = Fixtures.directory()
        try CSVReportWriter(directory: dir).write(Fixtures.report(millis: [100, 200, 300], gates: []))
        return dir
    }

    static func error(reading dir: URL, after edit: (URL) throws -> Void) throws -> InputError {
        try edit(dir)
        do {
            _ = try ReportReader.read(dir)
        } catch let e as InputError {
            #expect(!e.description.contains("\n"), "one line: \(e.description)")
            return e
        }
        Issue.record("no error")
        return InputError("none")
    }

    static func replace(_ file: String, in dir: URL, _ transform: (String) -> String) throws {
        let url = dir.appendingPathComponent(file)
        try transform(try Fixtures.text(url)).write(to: url, atomically: true, encoding: .utf8)
    }

    @Test func missingFolder() throws {
        let dir = Fixtures.directory().appendingPathComponent("nope")
        #expect(throws: InputError(file: dir.relativePath, "no such folder")) { try ReportReader.read(dir) }
    }

    @Test func missingFile() throws {
        let dir = try Self.folder()
        defer { Fixtures.cleanUp(dir) }
        let e = try Self.error(reading: dir) { try FileManager.default.removeItem(at: $0.appendingPathComponent("stages.csv")) }
        #expect(e.file?.hasSuffix("stages.csv") == true)
        #expect(e.message.hasPrefix("missing"))
    }

    static let readable = "versions \(ReportSchema.readable.lowerBound) to \(ReportSchema.readable.upperBound)"

    /// Version 2 lacked `agent_first_audio_ms` and nothing else: its folders still read, that mark absent.
    @Test func readsAVersionTwoFolder() throws {
        let dir = try Self.folder()
        defer { Fixtures.cleanUp(dir) }
        try Self.replace("run.json", in: dir) { $0.replacingOccurrences(of: "\"schema_version\" : \(ReportSchema.version)", with: "\"schema_version\" : 2") }
        let drop = try #require(ReportSchema.turnColumns.firstIndex(of: "agent_first_audio_ms"))
        try Self.replace("turns.csv", in: dir) { text in
            text.components(separatedBy: "\r\n").map { line in
                guard !line.isEmpty else { return line }
                var fields = line.components(separatedBy: ",")
                fields.remove(at: drop)
                if fields[0] == String(ReportSchema.version) { fields[0] = "2" }
                return fields.joined(separator: ",")
            }.joined(separator: "\r\n")
        }
        let report = try ReportReader.read(dir)
        #expect(!report.turns.isEmpty)
        #expect(report.turns.allSatisfy { $0.segments["agent_first_audio"] == nil })
        #expect(report.info.schemaVersion == ReportSchema.version)
    }

    @Test func wrongSchemaVersion() throws {
        let dir = try Self.folder()
        defer { Fixtures.cleanUp(dir) }
        let now = ReportSchema.version, other = ReportSchema.version + 1
        let e = try Self.error(reading: dir) {
            try Self.replace("run.json", in: $0) { $0.replacingOccurrences(of: "\"schema_version\" : \(now)", with: "\"schema_version\" : \(other)") }
        }
        #expect(e.file?.hasSuffix("run.json") == true)
        #expect(e.message == "schema_version \(other) is not supported: this earshot reads \(Self.readable)")
    }

    @Test func rowOfAnotherSchemaVersion() throws {
        let dir = try Self.folder()
        defer { Fixtures.cleanUp(dir) }
        let e = try Self.error(reading: dir) { dir in
            try Self.replace("turns.csv", in: dir) { text in
                var lines = text.components(separatedBy: "\r\n")
                lines[2] = "9" + lines[2].dropFirst()
                return lines.joined(separator: "\r\n")
            }
        }
        #expect(e.file?.hasSuffix("turns.csv") == true && e.line == 3)
        #expect(e.message == "schema_version \"9\" is not supported: this earshot reads \(Self.readable)")
    }

    /// A folder of schema 1 counted talked-over turns as answers: it is refused, not re-read under other rules.
    @Test func refusesAVersionOneFolder() throws {
        let dir = try Self.folder()
        defer { Fixtures.cleanUp(dir) }
        let e = try Self.error(reading: dir) {
            try Self.replace("run.json", in: $0) { $0.replacingOccurrences(of: "\"schema_version\" : \(ReportSchema.version)", with: "\"schema_version\" : 1") }
        }
        #expect(e.message == "schema_version 1 is not supported: this earshot reads \(Self.readable)")
    }

    @Test func unknownColumn() throws {
        let dir = try Self.folder()
        defer { Fixtures.cleanUp(dir) }
        let e = try Self.error(reading: dir) { try Self.replace("turns.csv", in: $0) { $0.replacingOccurrences(of: "user_end_ms", with: "user_stop_ms") } }
        #expect(e.file?.hasSuffix("turns.csv") == true && e.line == 1)
        #expect(e.message.hasPrefix("unknown column \"user_stop_ms\""))
    }

    @Test func unterminatedQuote() throws {
        let dir = try Self.folder()
        defer { Fixtures.cleanUp(dir) }
        let e = try Self.error(reading: dir) { dir in
            try Self.replace("turns.csv", in: dir) { text in
                var lines = text.components(separatedBy: "\r\n")
                lines[1] = lines[1].replacingOccurrences(of: "greeting", with: "\"greeting")
                return lines.joined(separator: "\r\n")
            }
        }
        #expect(e.line == 2)
        #expect(e.message == "quoted field never closed")
    }

    @Test func badValueNamesColumnAndLine() throws {
        let dir = try Self.folder()
        defer { Fixtures.cleanUp(dir) }
        // Third data row, fourth line: its user_end_ms is 4000.000, as every row's is.
        let e = try Self.error(reading: dir) { dir in
            try Self.replace("turns.csv", in: dir) { text in
                var lines = text.components(separatedBy: "\r\n")
                lines[3] = lines[3].replacingOccurrences(of: ",4000.000,", with: ",4 s,")
                return lines.joined(separator: "\r\n")
            }
        }
        #expect(e.line == 4)
        #expect(e.message == "user_end_ms: expected milliseconds like 12.345, within ±86400000, got \"4 s\"")
    }

    @Test func wrongFieldCount() throws {
        let dir = try Self.folder()
        defer { Fixtures.cleanUp(dir) }
        let e = try Self.error(reading: dir) { try Self.replace("stages.csv", in: $0) { $0 + "x,y\r\n" } }
        #expect(e.file?.hasSuffix("stages.csv") == true && e.line == 2)
    }

    @Test func inconsistentLatencyIsCaught() throws {
        let dir = try Self.folder()
        defer { Fixtures.cleanUp(dir) }
        let e = try Self.error(reading: dir) { try Self.replace("turns.csv", in: $0) { $0.replacingOccurrences(of: ",100.000,,40.000,", with: ",101.000,,40.000,") } }
        #expect(e.line == 2)
        #expect(e.message.hasPrefix("voice_to_voice_ms is 101.000"))
    }

    @Test func badBaseline() throws {
        let dir = Fixtures.directory()
        defer { Fixtures.cleanUp(dir) }
        let file = dir.appendingPathComponent("summary.csv")
        try "run_id,design,metric\r\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: InputError.self) { try Regression(baselineFile: file, tolerancePercent: 10) }
        #expect(throws: InputError.self) { try Regression(baselineFile: dir.appendingPathComponent("none.csv"), tolerancePercent: 10) }
    }

    @Test func quotedNewlinesKeepLineNumbersRight() throws {
        let dir = Fixtures.directory()
        defer { Fixtures.cleanUp(dir) }
        let turns = (0..<3).map { Fixtures.turn(scenario: "two\nlines", session: $0, micros: 1000) }
        try CSVReportWriter(directory: dir).write(RunReport(info: Fixtures.info(), turns: turns, stages: []))
        let e = try Self.error(reading: dir) { try Self.replace("turns.csv", in: $0) { $0.replacingOccurrences(of: ",2,1,turn,", with: ",2,1,turn?,") } }
        // Header on line 1; each record spans two lines, so session 2 starts on line 6.
        #expect(e.line == 6)
        #expect(e.message.hasPrefix("kind: expected one of turn, barge_in, backchannel"))
    }
}
