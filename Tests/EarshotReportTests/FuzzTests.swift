import EarshotCore
import EarshotTestSupport
import Foundation
import Testing
@testable import EarshotReport

/// The readers of output folders and baselines, fed a fixed number of mutants of real ones:
/// never a trap, every refusal an `InputError` (exit 2).
@Suite struct FuzzTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("HostileCorpus")
    static let iterations = Fuzzing.iterations(5_000)

    static func bytes(_ path: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: corpus.appendingPathComponent(path).path) ?? Data())
    }

    func fuzz(_ seeds: [[UInt8]], seed: UInt64, _ read: ([UInt8]) throws -> Void) {
        let mutator = Mutator(seeds: seeds, seed: Fuzzing.seed(seed))
        for i in 0..<Self.iterations {
            do { try read(mutator.next()) } catch {
                #expect(error is InputError, "mutant \(i): \(type(of: error)) \(error)")
            }
        }
    }

    @Test func turnsTables() {
        fuzz([Self.bytes("runs/good/turns.csv"), Self.bytes("runs/shard-1-of-2/turns.csv")], seed: 21) { b in
            _ = try CSVTable(file: "turns.csv", bytes: b, columns: ReportSchema.turnColumns).rows.map(TurnRow.init(record:))
        }
    }

    @Test func stagesTables() {
        fuzz([Self.bytes("runs/good/stages.csv")], seed: 22) { b in
            _ = try CSVTable(file: "stages.csv", bytes: b, columns: ReportSchema.stageColumns).rows.map(StageRow.init(record:))
        }
    }

    @Test func baselines() {
        fuzz([Self.bytes("baselines/good.csv"), Self.bytes("baselines/empty-p95.csv")], seed: 23) { b in
            _ = try CSVTable(file: "summary.csv", bytes: b, columns: ReportSchema.summaryColumns).rows.map(SummaryRow.init(record:))
        }
    }

    @Test func runInfo() {
        fuzz([Self.bytes("runs/good/run.json"), Self.bytes("runs/shard-1-of-2/run.json")], seed: 24) { b in
            _ = try ReportReader.info(from: Data(b), name: "run.json")
        }
    }
}
