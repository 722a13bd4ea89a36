import EarshotCore
import EarshotReport
import Foundation
import Testing

/// Connection set-ups reach run.json per design (`connect`), not the CSVs; they survive a write
/// and a read, and shards merge their counts and maxima.
@Suite struct ConnectTests {
    static func run(_ design: String, connectMs: [Double], failed: Int = 0) -> RunResult {
        var connections = LatencyHistogram()
        for ms in connectMs { connections.record(.microseconds(Int64(ms * 1000))) }
        return RunResult(design: design, turns: [], stages: [], harness: HarnessStats(), connections: connections, failedConnections: failed)
    }

    @Test func eachDesignsConnectionSetUpsAreSummedUpInRunJSONOnly() throws {
        let ms = (1...20).map(Double.init)
        let report = RunReport(info: Fixtures.info(), runs: [Self.run("network", connectMs: ms),
                                                            Self.run("local", connectMs: [])])
        let connect = try #require(report.info.connect["network"])
        #expect(connect == .init(n: 20, p50Ms: 10, p95Ms: 19, maxMs: 20))
        #expect(report.info.connect["local"] == nil, "a design that connected nowhere has no entry")

        let root = Fixtures.directory()
        defer { Fixtures.cleanUp(root) }
        try CSVReportWriter(directory: root).write(report)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("run.json"))) as? [String: Any]
        let written = try #require((json?["connect"] as? [String: Any])?["network"] as? [String: Double])
        #expect(written == ["n": 20, "p50_ms": 10, "p95_ms": 19, "max_ms": 20, "failed": 0])
        for file in ["turns.csv", "stages.csv", "summary.csv"] {
            #expect(!(try Fixtures.text(root.appendingPathComponent(file))).contains("connect"), "\(file)")
        }
        #expect(try ReportReader.read(root).info.connect == report.info.connect)
    }

    @Test func aRunWithoutConnectionsWritesNoConnectKey() throws {
        let report = RunReport(info: Fixtures.info(), runs: [Self.run("local", connectMs: [])])
        #expect(!String(decoding: try report.info.json(), as: UTF8.self).contains("\"connect\""))
    }

    @Test func shardsAddTheirCountsAndKeepTheLargestButNoPercentile() throws {
        let shards = [([3.0, 5.0], 1), ([4.0, 9.0], 2)].map { RunReport(info: Fixtures.info(), runs: [Self.run("network", connectMs: $0.0, failed: $0.1)]) }
        let merged = try RunReport.merge(shards)
        #expect(merged.info.connect["network"] == .init(n: 4, p50Ms: nil, p95Ms: nil, maxMs: 9, failed: 3))
    }

    /// Callers who never got through are counted even when nobody did: a run at load says how many.
    @Test func connectionsThatNeverOpenedAreCountedBesideTheSetUps() throws {
        let report = RunReport(info: Fixtures.info(), runs: [Self.run("refused", connectMs: [], failed: 5)])
        #expect(report.info.connect["refused"] == .init(n: 0, p50Ms: nil, p95Ms: nil, maxMs: nil, failed: 5))
        // A report from before the count existed reads back with none recorded, not zero.
        let old = try JSONDecoder().decode(RunInfo.Connect.self, from: Data(#"{"n":2,"p50_ms":1,"p95_ms":2,"max_ms":2}"#.utf8))
        #expect(old.failed == nil)
    }
}
