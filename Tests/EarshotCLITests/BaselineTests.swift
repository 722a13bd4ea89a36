import Foundation
import Testing

/// The committed baseline (Reports/baseline) is what the current code produces: a change in the
/// numbers is a visible, deliberate baseline update, not a drift.
@Suite struct BaselineTests {
    static let baseline = CLI.root.appendingPathComponent("Reports/baseline/summary.csv")
    static let modelled = ["cascade-cloud", "duplex-moshi", "duplex-gradium"]

    static func rows(_ file: URL, design: String) throws -> [String] {
        let lines = try String(contentsOf: file, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        let column = try #require(lines.first?.split(separator: ",").firstIndex(of: "design"))
        return lines.filter { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            return cells.count > column && cells[column] == design
        }
    }

    @Test func theDefaultComparisonReproducesTheBaseline() throws {
        let out = CLI.temporaryFolder()
        let run = try CLI.run(["compare", "--seed", "1", "--run-id", "earshot-seed1", "--out", out, "--quiet"])
        #expect(run.status == 1, "the default designs miss the 300 ms budget; the verdict says so: \(run.stdout)\(run.stderr)")
        let summary = URL(fileURLWithPath: out).appendingPathComponent("summary.csv")
        for design in Self.modelled {
            let want = try Self.rows(Self.baseline, design: design)
            #expect(!want.isEmpty)
            #expect(try Self.rows(summary, design: design) == want, "\(design) moved: update Reports/baseline deliberately")
        }
        // Real engines are charged their wall time: voice-to-voice within 10% of the baseline, not to the
        // byte. Their sub-millisecond segments are left out: on a loaded machine one scheduling delay
        // makes a p95 of 13 values 0.2 ms one run and 10 ms the next. The designs are over budget, and
        // the regression gate does not say so again.
        let check = try CLI.run(["check", out, "--baseline", Self.baseline.path, "--tolerance", "10%", "--metric", "voice_to_voice"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(!check.stdout.contains("budget 300.000"))
    }
}
