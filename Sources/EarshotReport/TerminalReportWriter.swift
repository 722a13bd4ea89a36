import EarshotCore
import Foundation

/// The table `earshot run` and `earshot check` print: per design, each latency's n, p50, p95,
/// p99, max, budget and verdict; then one line per gate result; then a one-line verdict.
///
///     cascade  40 turns: 37 responded, 2 missed, 1 failed
///       failed: stt: timed out after 5 s
///       metric              n      p50      p95      p99      max   budget  result
///       voice_to_voice_ms  38  812.400  901.200  950.000  950.000  300.000  FAIL
///
///     cascade  voice_to_voice_ms  p90  812.400  budget 300.000  FAIL (+512.400)
///     FAIL: 1 of 2 checks failed
public struct TerminalReportWriter: ReportWriter {
    public var output: FileHandle

    public init(output: FileHandle = .standardOutput) { self.output = output }

    public func write(_ report: RunReport) throws {
        try output.write(contentsOf: Data(Self.render(report).utf8))
    }

    public static func render(_ report: RunReport) -> String {
        var lines: [String] = []
        let outcomes = report.outcomes
        for design in report.designs {
            let counts = outcomes[design] ?? [:]
            let total = counts.values.reduce(0, +)
            let parts = TurnOutcome.allCases.compactMap { o in counts[o].map { "\($0) \(o.rawValue.replacingOccurrences(of: "_", with: " "))" } }
            lines.append("\(design)  \(total) turns" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", ")))
            // Why turns failed belongs on the screen, not only in turns.csv: it is usually set-up.
            let failures = report.turns.filter { $0.design == design }.compactMap(\.failure)
            if let first = failures.first {
                let others = Set(failures).count - 1
                lines.append("  failed: \(first)" + (others > 0 ? " (and \(others) other reason\(others == 1 ? "" : "s"); see turns.csv)" : ""))
            }
            // A reply to nothing has a fine latency: only this line says the recogniser heard no words.
            if let unheard = report.summary[design, .answeredUnheardRate], let rate = unheard.mean, rate > 0 {
                let n = Int((rate * Double(unheard.n)).rounded())
                lines.append("  answered unheard: \(n) of \(unheard.n) answered turns had no words from the recogniser (answered_unheard in turns.csv)")
            }
            var table = TextTable()
            table.append(["metric", "n", "p50", "p95", "p99", "max", "budget", "result"])
            for row in report.summary.rows where row.design == design && row.metric.isLatency {
                let ms = { (v: Double?) in v.map { Field.milliseconds($0) } ?? "-" }
                table.append([row.metric.name, String(row.n), ms(row.p50), ms(row.p95), ms(row.p99), ms(row.max),
                              row.budget.map { "\(row.gatePercentile?.rawValue ?? "") \(Field.milliseconds($0))" } ?? "-",
                              row.pass.map { $0 ? "PASS" : "FAIL" } ?? ""])
            }
            lines += table.render(indent: "  ") { (1...6).contains($0) }
            let rates = report.summary.rows.filter { $0.design == design && !$0.metric.isLatency }.compactMap { row in
                row.mean.map { "\(row.metric.name) \(String(format: "%.1f%%", $0 * 100)) of \(row.n)" + (row.pass == false ? " FAIL" : "") }
            }
            if !rates.isEmpty { lines.append("  " + rates.joined(separator: ", ")) }
            lines.append("")
        }
        if !report.results.isEmpty {
            var gates = TextTable()
            for r in report.results { gates.append(r.cells) }
            lines += gates.render { $0 == 3 }
            lines.append("")
        }
        lines.append(verdict(report))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The verdict without its leading `PASS: ` / `FAIL: `, for reports that show that part as a badge.
    static func verdictDetail(_ report: RunReport) -> String {
        let v = verdict(report)
        return v.firstIndex(of: ":").map { String(v[v.index($0, offsetBy: 2)...]) } ?? v
    }

    /// `PASS: 4 checks within budget (2 designs, 80 turns)` or `FAIL: 1 of 4 checks failed (…); first: cascade voice_to_voice_ms p95 (budget)`.
    public static func verdict(_ report: RunReport) -> String {
        let scope = "\(report.designs.count) design\(report.designs.count == 1 ? "" : "s"), \(report.tally.turnCount) turns"
            + (report.info.interrupted ? ", interrupted: the turns that finished" : "")
        let failed = report.results.filter { !$0.pass }
        if report.results.isEmpty { return "PASS: no gates set (\(scope))" }
        if failed.isEmpty {
            // Says which gates ran, so a regression step's PASS does not read as a budget's.
            let kinds = Set(report.results.map(\.check))
            let what = kinds == [.regression] ? "passed, no regression against the baseline"
                : kinds == [.budget] ? "within budget" : "within budget, no regression against the baseline"
            return "PASS: \(report.results.count) check\(report.results.count == 1 ? "" : "s") \(what) (\(scope))"
        }
        let first = failed[0]
        let worst = [first.design, first.metric.name, first.percentile?.rawValue].compactMap { $0 }.joined(separator: " ")
        return "FAIL: \(failed.count) of \(report.results.count) checks failed (\(scope)); first: \(worst) (\(first.kindWord))"
    }
}
