import EarshotCore
import EarshotReport
import Foundation
import Testing

/// Rows gathered from many runs into one table still say which run and which schema they are.
@Suite struct SchemaVersionTests {
    static func files(_ report: RunReport) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try CSVReportWriter.files(report).map { ($0.name, String(decoding: $0.data, as: UTF8.self)) })
    }

    @Test func everyRowCarriesTheSchemaVersion() throws {
        let stage = StageRow(runID: "test-run", design: "duplex", scenario: "greeting", session: 0, turn: 1, stage: "stt",
                             firstInput: .milliseconds(1), firstOutput: nil, busy: .zero, framesIn: 1, framesOut: 0)
        let report = RunReport(info: WriterTests.report.info, turns: WriterTests.report.turns, stages: [stage])
        for (name, text) in try Self.files(report) where name.hasSuffix(".csv") {
            let lines = text.split(separator: "\r\n")
            #expect(lines.first?.hasPrefix("schema_version,run_id,") == true, "\(name)")
            #expect(lines.count > 1 && lines.dropFirst().allSatisfy { $0.hasPrefix("\(ReportSchema.version),test-run,") }, "\(name)")
        }
    }

    /// `failure` is text in every run: quoted when empty, quoted when it looks like a number.
    @Test func failureIsAlwaysQuoted() throws {
        var numeric = Fixtures.turn(session: 2, micros: nil, outcome: .failed)
        numeric.failure = "500"
        let turns = [Fixtures.turn(session: 0, micros: 100_000), Fixtures.turn(session: 1, micros: nil, outcome: .failed), numeric]
        let text = try #require(try Self.files(RunReport(info: Fixtures.info(), turns: turns, stages: []))["turns.csv"])
        let rows = text.split(separator: "\r\n").dropFirst()
        let failure = try #require(ReportSchema.turnColumns.firstIndex(of: "failure"))
        #expect(rows.map { String($0.split(separator: ",", omittingEmptySubsequences: false)[failure]) }
                == ["\"\"", "\"stt: timed out after 5 s\"", "\"500\""])
        // And it reads back as it was.
        let dir = Fixtures.directory()
        defer { Fixtures.cleanUp(dir) }
        try CSVReportWriter(directory: dir).write(RunReport(info: Fixtures.info(), turns: turns, stages: []))
        #expect(try ReportReader.read(dir).turns.map(\.failure) == [nil, "stt: timed out after 5 s", "500"])
    }

    @Test func newRunIDsAreUniqueAndSortByTime() throws {
        let at = Date(timeIntervalSince1970: 1_700_000_000)
        let a = RunInfo.newRunID(startedAt: at), b = RunInfo.newRunID(startedAt: at)
        #expect(a != b)
        #expect(a.hasPrefix("20231114T221320Z-") && a.count == "20231114T221320Z-".count + 8)
        #expect(RunInfo.problem(withRunID: a) == nil)
        #expect(RunInfo.problem(withRunID: "") != nil && RunInfo.problem(withRunID: "a,b") != nil)
    }

    /// A merge lists its shards' start times as the top level writes its own: ISO 8601.
    @Test func shardStartTimesAreISO8601() throws {
        let a = RunReport(info: Fixtures.info(runID: "a"), turns: [Fixtures.turn(session: 0, micros: 1000, runID: "a")], stages: [])
        let b = RunReport(info: Fixtures.info(runID: "b"), turns: [Fixtures.turn(session: 1, micros: 2000, runID: "b")], stages: [])
        let merged = try RunReport.merge([a, b], runID: "both")
        let json = String(decoding: try merged.info.json(), as: UTF8.self)
        #expect(json.components(separatedBy: "\"started_at\" : \"2023-11-14T22:13:20.000Z\"").count - 1 == 3, "\(json)")
        let back = try JSONDecoder().decode(RunInfo.self, from: try merged.info.json())
        #expect(back.shards.map(\.startedAt) == [Fixtures.epoch, Fixtures.epoch])
        // Merges written before kept seconds since 2001; they still read.
        let old = #"{"run_id": "a", "started_at": 721692800, "turns": 1}"#
        #expect(try JSONDecoder().decode(RunInfo.Shard.self, from: Data(old.utf8)).startedAt == Fixtures.epoch)
    }
}
