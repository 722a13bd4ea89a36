import EarshotCore
import EarshotReport
import Foundation
import Testing

@Suite struct MergeTests {
    static let scenarios = CSVRoundTripTests.scenarios

    /// Four shards of a run of eight sessions per scenario (four sessions each, as `--shard i/4`
    /// makes them), written, read back and merged, give exactly the files one run of the same
    /// sixteen sessions gives.
    @Test func fourShardsEqualOneRun() throws {
        let pipelines = [TestPipeline.pipeline(name: "cascade"),
                         TestPipeline.pipeline(name: "duplex", reply: .uniform(.milliseconds(20), .milliseconds(60)))]
        let gates = [Gate(.voiceToVoice, .p90, budget: .milliseconds(300)), Gate(.responseRate, limit: 0.9)]

        func report(firstSession: Int, sessions: Int, count: Int? = nil) throws -> RunReport {
            var runs: [RunResult] = []
            var config = RunConfiguration()
            for p in pipelines {
                let (r, c) = try TestPipeline.run(p, scenarios: Self.scenarios, firstSession: firstSession, sessionsPerScenario: sessions,
                                                 sessionCount: count)
                runs.append(r)
                config = c
            }
            return RunReport(info: Fixtures.info(runID: "big-run", gates: gates, configuration: config), runs: runs)
        }

        let whole = try report(firstSession: 0, sessions: 8)
        let root = Fixtures.directory()
        defer { Fixtures.cleanUp(root) }
        var shards: [RunReport] = []
        for i in 0..<4 {
            let dir = root.appendingPathComponent("shard-\(i)")
            try CSVReportWriter(directory: dir).write(try report(firstSession: i * 4, sessions: 8, count: 4))
            shards.append(try ReportReader.read(dir))
        }
        // Merge order must not matter.
        let merged = try RunReport.merge([shards[2], shards[0], shards[3], shards[1]])

        #expect(merged.turns == whole.turns)
        #expect(merged.stages == whole.stages)
        #expect(merged.summary == whole.summary)
        #expect(merged.results == whole.results)
        #expect(merged.turns.count == 2 * 16 * 5 / 2)
        let a = try CSVReportWriter.files(merged), b = try CSVReportWriter.files(whole)
        for ((name, x), (_, y)) in zip(a, b) where name.hasSuffix(".csv") {
            #expect(x == y, "\(name) differs")
        }
        #expect(merged.info.configuration?.firstSession == 0)
        #expect(merged.info.configuration?.sessionsPerScenario == 8)
        #expect(merged.info.shards.count == 4)
        #expect(merged.info.harness["cascade"]?.events == shards.map { $0.info.harness["cascade"]!.events }.reduce(0, +))
    }

    @Test func overlappingShardsAreAnInputError() throws {
        let a = Fixtures.report(millis: [100, 200], gates: [])
        #expect(throws: InputError.self) { try RunReport.merge([a, a]) }
    }

    @Test func differentRunIDsNeedAName() throws {
        let a = RunReport(info: Fixtures.info(runID: "a"), turns: [Fixtures.turn(session: 0, micros: 1000, runID: "a")], stages: [])
        let b = RunReport(info: Fixtures.info(runID: "b"), turns: [Fixtures.turn(session: 1, micros: 2000, runID: "b")], stages: [])
        #expect(throws: InputError.self) { try RunReport.merge([a, b]) }
        let m = try RunReport.merge([a, b], runID: "both")
        #expect(m.summary.rows.allSatisfy { $0.runID == "both" })
        #expect(m.turns.map(\.runID) == ["a", "b"], "rows keep the run they came from")
        #expect(m.summary["cascade", .voiceToVoice]?.n == 2)
    }
}
