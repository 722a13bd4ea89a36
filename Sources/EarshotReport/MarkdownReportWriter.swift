import EarshotCore
import Foundation

/// A GitHub-flavoured Markdown summary, fit for `$GITHUB_STEP_SUMMARY` (open it with `append: true`,
/// as other steps write there too): verdict, a table per design, the checks, the breakdown medians.
public struct MarkdownReportWriter: ReportWriter {
    public var file: URL
    public var append: Bool

    public init(file: URL, append: Bool = false) {
        self.file = file
        self.append = append
    }

    public func write(_ report: RunReport) throws {
        let data = Data(Self.render(report).utf8)
        if append { try OutputFile.append(data, to: file) } else { try OutputFile.write(data, to: file) }
    }

    public static func render(_ report: RunReport) -> String {
        let c = cell
        var md: [String] = []
        md.append("## Earshot \(report.passed ? "✅ PASS" : "❌ FAIL") · run `\(report.info.runID.replacingOccurrences(of: "`", with: "'"))`")
        md.append("")
        md.append(c(TerminalReportWriter.verdictDetail(report)) + (report.info.seed.map { " · seed \($0)" } ?? ""))
        md.append("")

        // Every outcome has a column, so a row's outcome cells add up to its turns.
        let kinds = TurnOutcome.allCases
        md.append("| design | turns | " + kinds.map { $0.rawValue.replacingOccurrences(of: "_", with: " ") }.joined(separator: " | ")
                  + " | n | p50 ms | p95 ms | p99 ms | max ms | budget | result |")
        md.append("|---|---:|" + String(repeating: "---:|", count: kinds.count) + "---:|---:|---:|---:|---:|---:|:---:|")
        let outcomes = report.outcomes
        for design in report.designs {
            let counts = outcomes[design] ?? [:]
            let row = report.summary[design, .voiceToVoice]
            let ms = { (v: Double?) in v.map { Field.milliseconds($0) } ?? "–" }
            let budget = row?.budget.map { "\(row?.gatePercentile?.rawValue ?? "") ≤ \(Field.milliseconds($0))" } ?? "–"
            let result = row?.pass.map { $0 ? "✅" : "❌" } ?? "–"
            let outcomeCells = kinds.map { String(counts[$0] ?? 0) }.joined(separator: " | ")
            md.append("| \(c(design)) | \(counts.values.reduce(0, +)) | \(outcomeCells) | \(row?.n ?? 0) | \(ms(row?.p50)) | \(ms(row?.p95)) | \(ms(row?.p99)) | \(ms(row?.max)) | \(budget) | \(result) |")
        }
        md.append("")
        md.append("Voice-to-voice latency = `agent_start − user_end`, over turns answered in time.")

        if !report.results.isEmpty {
            md.append("")
            md.append("### Checks")
            md.append("")
            md.append("| | design | metric | check | observed | limit | delta | note |")
            md.append("|:---:|---|---|---|---:|---:|---:|---|")
            for r in report.results {
                let v = { (x: Double?) in x.map(r.format) ?? "–" }
                let delta = r.delta.map { r.signed($0) + (r.check == .regression ? " (\(r.change ?? "–"))" : "") } ?? "–"
                    md.append("| \(r.pass ? "✅" : "❌") | \(c(r.design)) | \(r.metric.name) | \(r.kind) | \(v(r.observed)) | \(v(r.limit)) | \(delta) | \(c(r.note ?? "")) |")
            }
        }

        let segments = ReportSchema.segments.filter { s in report.designs.contains { report.summary[$0, .segment(s)] != nil } }
        if !segments.isEmpty {
            md.append("")
            md.append("### Where the time goes (p50 per segment, ms)")
            md.append("")
            md.append("| design | " + segments.joined(separator: " | ") + " | voice_to_voice |")
            md.append("|---|" + String(repeating: "---:|", count: segments.count + 1))
            for design in report.designs {
                let cells = (segments.map { Metric.segment($0) } + [.voiceToVoice]).map { m in
                    report.summary[design, m]?.p50.map { Field.milliseconds($0) } ?? "–"
                }
                md.append("| \(c(design)) | " + cells.joined(separator: " | ") + " |")
            }
            md.append("")
            md.append("Segment medians need not add up to the latency median; each turn's segments do add up to its latency.")
        }

        let failed = report.turns.filter { $0.outcome == .failed }
        if !failed.isEmpty {
            md.append("")
            md.append("<details><summary>\(failed.count) failed turn\(failed.count == 1 ? "" : "s")</summary>")
            md.append("")
            for t in failed.prefix(50) {
                md.append("- \(c(t.design)) · \(c(t.scenario)) · session \(t.session) turn \(t.turn): \(c(t.failure ?? "failed"))")
            }
            if failed.count > 50 { md.append("- … and \(failed.count - 50) more (turns.csv has them all)") }
            md.append("")
            md.append("</details>")
        }
        return md.joined(separator: "\n") + "\n"
    }

    /// Text safe inside a table cell: no pipes, no line breaks, no HTML.
    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: "\r\n", with: " ")
            .replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "\r", with: " ")
    }
}
