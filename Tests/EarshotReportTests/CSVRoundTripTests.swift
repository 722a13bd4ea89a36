import CSV
import EarshotCore
import EarshotReport
import Foundation
import Testing

@Suite struct CSVRoundTripTests {
    static let awkward = "say \"hi\", then\nwait, \"again\"\r\nend"
    static let scenarios = [
        TestPipeline.scenario(name: awkward, totalMs: 6000, turns: [(.turn, 500, 1500), (.turn, 3000, 4000)]),
        TestPipeline.scenario(name: "plain", totalMs: 6000, turns: [(.turn, 400, 1200), (.backchannel, 1500, 1700), (.turn, 3000, 3800)]),
    ]

    static func report(seed: UInt64 = 7, design: String = "cascade, \"v2\"") throws -> RunReport {
        let (result, config) = try TestPipeline.run(TestPipeline.pipeline(name: design), scenarios: scenarios, seed: seed, sessionsPerScenario: 3)
        return RunReport(info: Fixtures.info(configuration: config), runs: [result])
    }

    static func rows(_ url: URL) throws -> (header: [String], rows: [[String: String]]) {
        let reader = try CSVReader(string: try Fixtures.text(url), hasHeaderRow: true)
        var rows: [[String: String]] = []
        let header = reader.headerRow ?? []
        while let row = reader.next() {
            rows.append(Dictionary(uniqueKeysWithValues: zip(header, row)))
        }
        if let error = reader.error { throw error }
        return (header, rows)
    }

    @Test func awkwardNamesSurviveTheRealParserAndOurReader() throws {
        let dir = Fixtures.directory()
        defer { Fixtures.cleanUp(dir) }
        let report = try Self.report()
        try CSVReportWriter(directory: dir).write(report)

        let turns = try Self.rows(dir.appendingPathComponent("turns.csv"))
        #expect(turns.header == ReportSchema.turnColumns)
        #expect(turns.rows.count == report.turns.count)
        #expect(turns.rows.filter { $0["scenario"] == Self.awkward }.count == 6)
        #expect(turns.rows.allSatisfy { $0["design"] == "cascade, \"v2\"" && $0["run_id"] == "test-run" })

        let stages = try Self.rows(dir.appendingPathComponent("stages.csv"))
        #expect(stages.header == ReportSchema.stageColumns)
        #expect(Set(stages.rows.compactMap { $0["stage"] }) == ["endpointer", "tts, \"fast\""])
        #expect(stages.rows.filter { $0["scenario"] == Self.awkward }.count == 6 * 2)

        let summary = try Self.rows(dir.appendingPathComponent("summary.csv"))
        #expect(summary.header == ReportSchema.summaryColumns)

        let back = try ReportReader.read(dir)
        #expect(back.turns == report.turns)
        #expect(back.stages == report.stages)
        #expect(back.summary == report.summary)
        #expect(back.results == report.results)
        #expect(back.info == report.info)
    }

    @Test func readingBackAndWritingAgainGivesTheSameBytes() throws {
        let a = Fixtures.directory("a"), b = Fixtures.directory("b")
        defer { Fixtures.cleanUp(a); Fixtures.cleanUp(b) }
        try CSVReportWriter(directory: a).write(try Self.report())
        try CSVReportWriter(directory: b).write(try ReportReader.read(a))
        for file in ["turns.csv", "stages.csv", "summary.csv", "gates.csv", "run.json"] {
            #expect(try Data(contentsOf: a.appendingPathComponent(file)) == Data(contentsOf: b.appendingPathComponent(file)), "\(file)")
        }
    }

    @Test func sameSeedGivesByteIdenticalCSVs() throws {
        let one = try CSVReportWriter.files(try Self.report(seed: 11))
        let two = try CSVReportWriter.files(try Self.report(seed: 11))
        let other = try CSVReportWriter.files(try Self.report(seed: 12))
        for ((name, a), (_, b)) in zip(one, two) where name.hasSuffix(".csv") {
            #expect(a == b, "\(name)")
        }
        #expect(one[0].data != other[0].data, "a different seed should draw different delays")
    }

    @Test func cellsAreMillisecondsWithThreeDecimalsOrEmpty() throws {
        let report = RunReport(info: Fixtures.info(), turns: [
            Fixtures.turn(session: 0, micros: 250_500),
            Fixtures.turn(session: 1, micros: -1_250, outcome: .talkedOver),
            Fixtures.turn(session: 2, micros: nil, outcome: .missed),
        ], stages: [])
        let dir = Fixtures.directory()
        defer { Fixtures.cleanUp(dir) }
        try CSVReportWriter(directory: dir).write(report)
        let rows = try Self.rows(dir.appendingPathComponent("turns.csv")).rows
        let millis = /^-?[0-9]+\.[0-9]{3}$/
        for row in rows {
            for (column, cell) in row where column.hasSuffix("_ms") && !cell.isEmpty {
                #expect(cell.wholeMatch(of: millis) != nil, "\(column) = \(cell)")
            }
        }
        #expect(rows[0]["voice_to_voice_ms"] == "250.500")
        #expect(rows[0]["endpoint_ms"] == "100.200")
        #expect(rows[0]["playout_ms"] == "150.300")
        #expect(rows[0]["within_budget"] == "true")
        #expect(rows[1]["voice_to_voice_ms"] == "-1.250")
        #expect(rows[2]["agent_start_ms"] == "")
        #expect(rows[2]["voice_to_voice_ms"] == "")
        #expect(rows[2]["within_budget"] == "")
        #expect(rows[2]["budget_ms"] == "300.000")
        #expect(rows[0]["stt_final_ms"] == "")
    }

    /// In the file itself, not just in memory: the breakdown columns add up to the latency, and the
    /// latency is agent_start − user_end, to the microsecond.
    @Test func breakdownColumnsAddUpInTheFile() throws {
        let dir = Fixtures.directory()
        defer { Fixtures.cleanUp(dir) }
        try CSVReportWriter(directory: dir).write(try Self.report())
        let rows = try Self.rows(dir.appendingPathComponent("turns.csv")).rows
        func us(_ s: String?) -> Int64? {
            guard let s, !s.isEmpty else { return nil }
            return Int64(s.replacingOccurrences(of: ".", with: ""))
        }
        var answered = 0
        for row in rows {
            guard let v2v = us(row["voice_to_voice_ms"]) else { continue }
            answered += 1
            #expect(v2v == us(row["agent_start_ms"])! - us(row["user_end_ms"])!)
            let sum = ReportSchema.segments.compactMap { us(row["\($0)_ms"]) }.reduce(0, +)
            #expect(sum == v2v)
            #expect(us(row["endpoint_ms"]) != nil && us(row["tts_first_audio_ms"]) != nil)
        }
        #expect(answered == 15, "the responder answers backchannels too")
    }

    @Test func filesAreCRLFWithAHeaderAndAFinalLineBreak() throws {
        let files = try CSVReportWriter.files(Fixtures.report(millis: [1, 2, 3], gates: []))
        for (name, data) in files where name.hasSuffix(".csv") {
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.hasSuffix("\r\n"), "\(name)")
            #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "\(name): bare LF")
        }
        let turns = String(decoding: files[0].data, as: UTF8.self)
        #expect(turns.hasPrefix(ReportSchema.turnColumns.joined(separator: ",") + "\r\n"))
    }
}
