import EarshotCore
import Foundation

/// One self-contained HTML file: no scripts, no fonts or styles from elsewhere, charts as inline
/// SVG. Shows the verdict and checks, a summary table per design, the voice-to-voice CDF of every
/// design against the budget, a per-turn waterfall of the breakdown, stop latencies and outcomes.
public struct HTMLReportWriter: ReportWriter {
    public var file: URL
    /// Waterfall rows per design; a long run shows its first turns and says how many it left out.
    public var maxWaterfallTurns: Int

    public init(file: URL, maxWaterfallTurns: Int = 40) {
        self.file = file
        self.maxWaterfallTurns = maxWaterfallTurns
    }

    public func write(_ report: RunReport) throws {
        try OutputFile.write(Data(render(report).utf8), to: file)
    }

    static let designColors = ["#2563eb", "#dc2626", "#059669", "#9333ea", "#ea580c", "#0891b2", "#4d7c0f", "#be185d"]
    static let segmentColors: [String: String] = [
        "uplink": "#94a3b8", "endpoint": "#f59e0b", "stt_final": "#10b981", "llm_first_token": "#8b5cf6",
        "tts_first_audio": "#ec4899", "model_first_audio": "#06b6d4", "playout": "#475569",
    ]
    static let outcomeColors: [TurnOutcome: String] = [
        .responded: "#16a34a", .talkedOver: "#f59e0b", .interrupted: "#8b5cf6", .missed: "#dc2626",
        .failed: "#7f1d1d", .ignored: "#94a3b8",
    ]

    static func color(design: String, in report: RunReport) -> String {
        designColors[(report.designs.firstIndex(of: design) ?? 0) % designColors.count]
    }

    public func render(_ report: RunReport) -> String {
        let e = XMLText.escape
        var h = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Earshot report: \(e(report.info.runID))</title>
        <style>\(Self.css)</style>
        </head>
        <body>

        """
        h += header(report)
        h += checks(report)
        h += "<h2>Voice-to-voice latency</h2>\n"
        h += "<p class=\"note\">Cumulative distribution of <code>agent_start − user_end</code> over turns answered in time; negative means the agent started before the user finished. Dashed red: the budget.</p>\n"
        h += Self.cdf(report)
        h += summaryTables(report)
        h += "<h2>Per-turn breakdown</h2>\n"
        h += "<p class=\"note\">Each bar starts at the end of the user's speech (0) and ends when the agent's first audible audio reached playout; its segments run mark to mark and add up to the turn's latency. A faded segment runs backwards: its mark came before the previous one (before the user finished, for a talk-over).</p>\n"
        h += Self.segmentLegend(report)
        h += Self.waterfalls(report, maxTurns: maxWaterfallTurns)
        h += "<h2>Barge-in stop latency</h2>\n"
        h += Self.stopLatency(report)
        h += "<h2>Turn outcomes</h2>\n"
        h += Self.outcomeBars(report)
        h += failures(report)
        h += details(report)
        h += "</body>\n</html>\n"
        return h
    }

    private func header(_ report: RunReport) -> String {
        let e = XMLText.escape
        let info = report.info
        var facts = ["run <code>\(e(info.runID))</code>"]
        if let seed = info.seed { facts.append("seed \(seed)") }
        if let started = info.startedAt { facts.append("started \(e(RunInfo.formatDate(started)))") }
        facts.append("\(report.designs.count) design\(report.designs.count == 1 ? "" : "s"), \(report.tally.turnCount) turns, \(info.scenarios.count) scenario\(info.scenarios.count == 1 ? "" : "s")")
        if !report.hasEveryTurn {
            facts.append("charts drawn from the first \(RowSpool.rowsKept) turns and the failed ones; the summary counts all \(report.tally.turnCount)")
        }
        let verdict = report.passed ? "pass" : "fail"
        return """
        <h1>Earshot latency report</h1>
        <p class="facts">\(facts.joined(separator: " · "))</p>
        <div class="verdict \(verdict)"><b>\(report.passed ? "PASS" : "FAIL")</b> \(e(TerminalReportWriter.verdictDetail(report)))</div>

        """
    }

    private func checks(_ report: RunReport) -> String {
        guard !report.results.isEmpty else { return "" }
        let e = XMLText.escape
        var h = "<h2>Checks</h2>\n<table>\n<tr><th></th><th>design</th><th>metric</th><th>check</th><th class=\"num\">observed</th><th class=\"num\">limit</th><th class=\"num\">delta</th><th>detail</th></tr>\n"
        for r in report.results {
            let v = { (x: Double?) in x.map(r.format) ?? "–" }
            h += "<tr class=\"\(r.pass ? "pass" : "fail")\"><td>\(r.pass ? "PASS" : "FAIL")</td><td>\(e(r.design))</td><td>\(r.metric.name)</td><td>\(r.kind)</td>"
            h += "<td class=\"num\">\(v(r.observed))</td><td class=\"num\">\(v(r.limit))</td><td class=\"num\">\(r.delta.map(r.signed) ?? "–")</td><td>\(e(r.explanation))</td></tr>\n"
        }
        return h + "</table>\n"
    }

    private func summaryTables(_ report: RunReport) -> String {
        let e = XMLText.escape
        var h = "<h2>Summary</h2>\n<p class=\"note\">Milliseconds; nearest-rank percentiles. Rates are fractions of <i>n</i> turns.</p>\n"
        for design in report.designs {
            let color = Self.color(design: design, in: report)
            h += "<h3><span class=\"swatch\" style=\"background:\(color)\"></span>\(e(design))</h3>\n<table class=\"summary\">\n"
            h += "<tr><th>metric</th><th class=\"num\">n</th><th class=\"num\">mean</th><th class=\"num\">p25</th><th class=\"num\">p50</th><th class=\"num\">p75</th><th class=\"num\">p90</th><th class=\"num\">p95</th><th class=\"num\">p99</th><th class=\"num\">max</th><th class=\"num\">budget</th><th>result</th></tr>\n"
            for row in report.summary.rows where row.design == design {
                let v = { (x: Double?) in x.map { Field.value($0, unit: row.metric.unit) } ?? "" }
                let result = row.pass.map { $0 ? "<td class=\"passcell\">PASS</td>" : "<td class=\"failcell\">FAIL</td>" } ?? "<td></td>"
                let budget = row.budget.map { (row.gatePercentile.map { "\($0.rawValue) ≤ " } ?? "") + Field.value($0, unit: row.metric.unit) } ?? ""
                h += "<tr><td>\(row.metric.name)</td><td class=\"num\">\(row.n)</td><td class=\"num\">\(v(row.mean))</td><td class=\"num\">\(v(row.p25))</td><td class=\"num\">\(v(row.p50))</td><td class=\"num\">\(v(row.p75))</td><td class=\"num\">\(v(row.p90))</td><td class=\"num\">\(v(row.p95))</td><td class=\"num\">\(v(row.p99))</td><td class=\"num\">\(v(row.max))</td><td class=\"num\">\(budget)</td>\(result)</tr>\n"
            }
            h += "</table>\n"
        }
        return h
    }

    private func failures(_ report: RunReport) -> String {
        let failed = report.turns.filter { $0.outcome == .failed }
        guard !failed.isEmpty else { return "" }
        let e = XMLText.escape
        var h = "<h2>Failed turns</h2>\n<ul class=\"failures\">\n"
        for t in failed.prefix(100) {
            h += "<li><b>\(e(t.design))</b> · \(e(t.scenario)) · session \(t.session) turn \(t.turn): \(e(t.failure ?? "failed"))</li>\n"
        }
        if failed.count > 100 { h += "<li>… and \(failed.count - 100) more (turns.csv has them all)</li>\n" }
        return h + "</ul>\n"
    }

    private func details(_ report: RunReport) -> String {
        let e = XMLText.escape
        let info = report.info
        var rows: [(String, String)] = []
        if let c = info.configuration {
            rows.append(("configuration", "frame \(SVGAxis.label(c.frameMs)) ms, \(c.sessionsPerScenario) session(s) per scenario from #\(c.firstSession), response timeout \(SVGAxis.label(c.responseTimeoutMs)) ms, silence threshold \(SVGAxis.label(c.silenceThresholdDBFS)) dBFS"))
        }
        if let b = info.budget { rows.append(("per-turn budget", "\(Field.milliseconds(b)) ms")) }
        if !info.scenarios.isEmpty { rows.append(("scenarios", info.scenarios.joined(separator: ", "))) }
        for (k, v) in info.parameters.sorted(by: { $0.key < $1.key }) { rows.append((k, v)) }
        for design in info.harness.keys.sorted() {
            let hs = info.harness[design]!
            rows.append(("harness: \(design)", "\(hs.events) events, \(SVGAxis.label(hs.simulatedMs)) ms simulated in \(SVGAxis.label(hs.wallMs)) ms wall, \(hs.framesSent) frames sent, \(hs.framesDropped) dropped"))
        }
        if !info.versions.isEmpty { rows.append(("versions", info.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))) }
        if let m = info.machine { rows.append(("machine", "\(m.operatingSystem), \(m.architecture), \(m.processorCount) cores, \(m.memoryBytes >> 30) GiB")) }
        if !info.shards.isEmpty { rows.append(("merged from", info.shards.map(\.runID).joined(separator: ", "))) }
        guard !rows.isEmpty else { return "" }
        var h = "<h2>Run details</h2>\n<table class=\"details\">\n"
        for (k, v) in rows { h += "<tr><th>\(e(k))</th><td>\(e(v))</td></tr>\n" }
        return h + "</table>\n"
    }

    static let css = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1e293b;max-width:1140px;margin:24px auto;padding:0 16px}
    h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #e2e8f0;padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
    .facts,.note{color:#64748b;margin:4px 0 10px}code{font:12px ui-monospace,monospace;background:#f1f5f9;padding:1px 4px;border-radius:3px}
    .verdict{padding:10px 14px;border-radius:6px;margin:10px 0;font-size:15px}.verdict.pass{background:#dcfce7;color:#14532d}.verdict.fail{background:#fee2e2;color:#7f1d1d}
    table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}th,td{padding:3px 10px;border-bottom:1px solid #e2e8f0;text-align:left;vertical-align:top}th{color:#475569;font-weight:600}
    .num{text-align:right;font-variant-numeric:tabular-nums}tr.fail td:first-child,.failcell{color:#b91c1c;font-weight:700}tr.pass td:first-child,.passcell{color:#15803d;font-weight:700}
    .details th{white-space:nowrap}table.summary{width:100%}.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
    .legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:6px 0;font-size:13px}.legend span{white-space:nowrap}
    svg{display:block;margin:4px 0 12px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
    svg .axis{stroke:#475569;stroke-width:1}svg .grid{stroke:#e2e8f0;stroke-width:1}svg .tick{font-size:11px;fill:#475569}svg .label{font-size:12px;fill:#334155}
    svg .budget{stroke:#dc2626;stroke-width:1.5;stroke-dasharray:6 4}svg .budgettext{font-size:11px;fill:#b91c1c}svg .rowlabel{font-size:11px;fill:#334155}svg .value{font-size:11px;fill:#334155}
    svg .muted{font-size:11px;fill:#94a3b8}svg .failtext{font-size:11px;fill:#b91c1c}svg .pline{stroke:#94a3b8;stroke-width:1;stroke-dasharray:2 3}
    svg .ptick{stroke:#0f172a;stroke-width:2}svg .barlabel{fill:#fff;font-size:11px;font-weight:600}
    .failures{font-size:13px}
    """
}
