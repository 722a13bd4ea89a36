import CSV
import EarshotCore
@testable import EarshotReport
import Foundation
import Testing

@Suite struct SummaryTests {
    /// Deterministic spread-out values in µs, negatives included (talk-over), with ties.
    static func values(_ n: Int, seed: UInt64) -> [Int64] {
        var x = seed
        return (0..<n).map { _ in
            x = x &* 6364136223846793005 &+ 1442695040888963407
            return Int64((x >> 33) % 900_000) - 100_000 - Int64((x >> 20) % 2) * 7
        }
    }

    /// Reads summary.csv and turns.csv from the folder with the real CSV parser, recomputes every
    /// latency percentile by brute force over turns.csv, and compares the cells character for character.
    @Test(arguments: [1, 2, 7, 10, 20, 99, 100, 101, 257])
    func percentilesMatchBruteForceNearestRank(n: Int) throws {
        let turns = Self.values(n, seed: UInt64(n)).enumerated().map { i, us in
            Fixtures.turn(session: i, micros: us, outcome: us < 0 ? .talkedOver : .responded)
        } + [Fixtures.turn(session: n, micros: nil, outcome: .missed)]
        let dir = Fixtures.directory()
        defer { Fixtures.cleanUp(dir) }
        try CSVReportWriter(directory: dir).write(RunReport(info: Fixtures.info(), turns: turns, stages: []))

        let turnRows = try CSVRoundTripTests.rows(dir.appendingPathComponent("turns.csv")).rows
        let summaryRows = try CSVRoundTripTests.rows(dir.appendingPathComponent("summary.csv")).rows
        func micros(_ s: String) -> Int64 { Int64(s.replacingOccurrences(of: ".", with: ""))! }
        func ms(_ us: Int64) -> String {
            let sign = us < 0 ? "-" : ""
            let m = us.magnitude
            return sign + String(m / 1000) + "." + String(format: "%03d", Int(m % 1000))
        }
        for metric in ["voice_to_voice_ms", "endpoint_ms", "playout_ms"] {
            // Only answers that came after the user finished are pooled: a talked-over turn is no fast answer.
            let pooled = turnRows.filter { $0["outcome"] != "talked_over" }
            let sorted = pooled.compactMap { $0[metric] }.filter { !$0.isEmpty }.map(micros).sorted()
            let count = sorted.count
            guard count > 0 else {
                #expect(!summaryRows.contains { $0["metric"] == metric })
                continue
            }
            let row = try #require(summaryRows.first { $0["metric"] == metric })
            #expect(row["n"] == String(count))
            #expect(row["unit"] == "ms")
            for (column, p) in [("p25", 25), ("p50", 50), ("p75", 75), ("p90", 90), ("p95", 95), ("p99", 99)] {
                let rank = max(1, (p * count + 99) / 100)
                #expect(row[column] == ms(sorted[rank - 1]), "\(metric) \(column) n=\(n)")
            }
            #expect(row["max"] == ms(sorted.last!))
            let sum = sorted.reduce(0, +)
            let mean = (sum * 1000 / Int64(count) + (sum >= 0 ? 500 : -500)) / 1000
            #expect(row["mean"] == ms(mean), "\(metric) mean")
        }
        let answered = turnRows.count { $0["outcome"] == "responded" }
        let response = try #require(summaryRows.first { $0["metric"] == "response_rate" })
        #expect(response["n"] == String(n + 1))
        #expect(response["mean"] == String(format: "%.6f", Double(answered) / Double(n + 1)))
        #expect(response["p50"] == "")
    }

    /// The summary pools exactly the turns Core says count (`TurnResult.countsLatency`), at the
    /// report's precision.
    @Test func poolsTheTurnsCoreCounts() throws {
        let (result, config) = try TestPipeline.run(TestPipeline.pipeline(), scenarios: CSVRoundTripTests.scenarios, sessionsPerScenario: 10)
        let report = RunReport(info: Fixtures.info(configuration: config), runs: [result])
        var histogram = LatencyHistogram()
        for t in result.turns where t.countsLatency { histogram.record(Field.rounded(t.agentStart!) - Field.rounded(t.userEnd)) }
        let row = try #require(report.summary[result.design, .voiceToVoice])
        #expect(row.n == histogram.count && row.n == 40)
        for (p, value) in [(50.0, row.p50), (90, row.p90), (95, row.p95), (99, row.p99)] {
            #expect(value == histogram.percentile(p).map { Double(Int64(($0.milliseconds * 1000).rounded())) / 1000 }, "p\(p)")
        }
    }

    @Test func ratesCountTheRightTurns() {
        let turns = [
            Fixtures.turn(session: 0, micros: 100_000),
            Fixtures.turn(session: 1, micros: -5_000, outcome: .talkedOver),
            Fixtures.turn(session: 2, micros: nil, outcome: .missed),
            Fixtures.turn(session: 3, micros: nil, outcome: .failed),
            Fixtures.turn(session: 4, micros: nil, outcome: .ignored, kind: .backchannel),
            Fixtures.turn(session: 5, micros: 300_000, outcome: .responded, kind: .backchannel),
        ]
        let s = RunReport(info: Fixtures.info(gates: []), turns: turns, stages: []).summary
        // Only the answer after the user finished: not the talked-over turn, not the answered backchannel.
        #expect(s["cascade", .voiceToVoice]?.n == 1)
        #expect(s["cascade", .responseRate]?.n == 4)
        #expect(s["cascade", .responseRate]?.mean == 0.25)
        #expect(s["cascade", .talkedOverRate]?.mean == 0.25)
        #expect(s["cascade", .missedRate]?.mean == 0.25)
        #expect(s["cascade", .failedRate]?.n == 6)
        #expect(s["cascade", .backchannelIgnoredRate]?.mean == 0.5)
        #expect(s["cascade", .stopLatency] == nil, "no barge-ins, no row")
    }

    /// A turn whose latency does not count is held to no budget: a failed turn that still made a
    /// sound, a talked-over one, an answered backchannel. Only an answer after the user finished is.
    @Test func onlyCountedTurnsAreWithinBudgetOrNot() {
        let rows = [
            Fixtures.turn(session: 0, micros: 100_000, outcome: .failed),
            Fixtures.turn(session: 1, micros: -5_000, outcome: .talkedOver),
            Fixtures.turn(session: 2, micros: 100_000, outcome: .responded, kind: .backchannel),
            Fixtures.turn(session: 3, micros: 100_000, outcome: .interrupted),
            Fixtures.turn(session: 4, micros: 400_000),
        ]
        #expect(rows.map(\.withinBudget) == [nil, nil, nil, true, false])
    }

    /// WER sums errors over words across turns; an answer to a turn heard as nothing is counted
    /// and said on the screen, under its design.
    @Test func wordErrorsAndAnswersToNothingReachTheSummaryAndTheScreen() throws {
        var heard = Fixtures.turn(session: 0, micros: 100_000)
        heard.heard = "good evening"
        heard.wordErrors = WordErrors(edits: 1, words: 2)
        heard.answeredUnheard = false
        var unheard = Fixtures.turn(session: 1, micros: 120_000)
        unheard.heard = ""
        unheard.wordErrors = WordErrors(edits: 8, words: 8)
        unheard.answeredUnheard = true
        let report = RunReport(info: Fixtures.info(gates: []), turns: [heard, unheard, Fixtures.turn(session: 2, micros: 90_000)], stages: [])
        #expect(report.summary["cascade", .wordErrorRate]?.n == 10)
        #expect(report.summary["cascade", .wordErrorRate]?.mean == 0.9)
        #expect(report.summary["cascade", .answeredUnheardRate]?.mean == 0.5)
        #expect(TerminalReportWriter.render(report).contains(
            "  answered unheard: 1 of 2 answered turns had no words from the recogniser (answered_unheard in turns.csv)"))
        // And the columns read back as they were written.
        let dir = Fixtures.directory()
        defer { Fixtures.cleanUp(dir) }
        try CSVReportWriter(directory: dir).write(report)
        #expect(try ReportReader.read(dir).turns == report.turns)
    }

    /// Marks outside Mark.known have no column: their cut is left out and the columns still add up.
    @Test func unknownMarksFoldIntoTheNextSegment() throws {
        let (result, _) = try TestPipeline.run(TestPipeline.pipeline(), scenarios: CSVRoundTripTests.scenarios, sessionsPerScenario: 1)
        var t = try #require(result.turns.first { $0.agentStart != nil })
        let endpoint = try #require(t.marks[.endpoint])
        t.marks[Mark("vendor_cut")] = endpoint + .milliseconds(10)
        let row = TurnRow(t, runID: "r", budget: nil)
        let plain = TurnRow(try #require(result.turns.first { $0.agentStart != nil }), runID: "r", budget: nil)
        #expect(row.segments == plain.segments)
        #expect(row.breakdown.map(\.duration).reduce(.zero, +) == row.voiceToVoice)
    }
}
