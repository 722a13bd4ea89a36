import EarshotCore

extension HTMLReportWriter {
    /// Budget lines for a latency metric: the limits of its gates, or the run's per-turn budget.
    static func budgets(_ report: RunReport, metric: Metric) -> [(value: Double, label: String)] {
        var lines: [(value: Double, label: String)] = []
        for g in report.info.gates where g.metric == metric {
            guard !lines.contains(where: { $0.value == g.limit }) else { continue }
            let scope = g.design.map { " (\($0))" } ?? ""
            lines.append((g.limit, "\(g.percentile?.rawValue ?? "") budget \(SVGAxis.label(g.limit)) ms\(scope)"))
        }
        if lines.isEmpty, metric == .voiceToVoice, let b = report.info.budget {
            lines.append((Summary.milliseconds(b), "budget \(Field.milliseconds(b)) ms"))
        }
        return lines
    }

    /// Voice-to-voice CDF: a step curve per design on one chart, budget lines, gate percentiles.
    static func cdf(_ report: RunReport) -> String {
        let series = report.designs.map { d in
            (design: d, values: report.turns.filter { $0.design == d && $0.countsLatency }
                .compactMap(\.voiceToVoice).map(Summary.milliseconds).sorted())
        }
        guard series.contains(where: { !$0.values.isEmpty }) else {
            return "<p class=\"note\">No turn was answered in time: there is no latency to plot.</p>\n"
        }
        let budgets = budgets(report, metric: .voiceToVoice)
        let (width, height, left, right, top, bottom) = (1100.0, 380.0, 56.0, 1080.0, 34.0, 326.0)
        let all = series.flatMap(\.values)
        let x = SVGAxis(bulkOf: all, always: budgets.map(\.value) + [0], from: left, to: right)
        let y = { (f: Double) in bottom - f * (bottom - top) }
        var s = SVG.open(width: width, height: height, label: "voice-to-voice latency CDF per design")
        for f in [0.25, 0.5, 0.75, 1.0] { s += SVG.line(left, y(f), right, y(f), #"class="grid""#) }
        s += SVG.xAxis(x, y: bottom, top: top, label: "voice-to-voice latency, ms")
        if let note = x.beyondNote(all) { s += SVG.text(right, bottom + 34, note, anchor: "end", extra: #"class="muted""#) }
        s += SVG.line(left, top, left, bottom, #"class="axis""#)
        for f in [0.0, 0.25, 0.5, 0.75, 1.0] {
            s += SVG.text(left - 6, y(f) + 4, "\(Int(f * 100))%", anchor: "end", extra: #"class="tick""#)
        }
        for p in Set(report.info.gates.filter { $0.metric == .voiceToVoice }.compactMap(\.percentile)).sorted() {
            s += SVG.line(left, y(p.value / 100), right, y(p.value / 100), #"class="pline""#)
            s += SVG.text(left + 4, y(p.value / 100) - 3, p.rawValue, extra: #"class="muted""#)
        }
        for (i, b) in budgets.enumerated() {
            s += SVG.line(x(b.value), top - 8 - Double(i) * 14, x(b.value), bottom, #"class="budget""#)
            s += SVG.text(x(b.value) + 4, top - 10 - Double(i) * 14, b.label, extra: #"class="budgettext""#)
        }
        for (design, values) in series where !values.isEmpty {
            let n = values.count
            // Past a few thousand steps a curve is wider than its pixels: draw every k-th rank
            // (always the last), which keeps the file small and the picture the same.
            let ranks = n <= 2000 ? Array(1...n) : (1...2000).map { ($0 * n + 1999) / 2000 }
            var d = "M\(SVG.n(x.clamped(values[0]))) \(SVG.n(y(0)))"
            for (i, rank) in ranks.enumerated() {
                if i > 0 { d += "H\(SVG.n(x.clamped(values[rank - 1])))" }
                d += "V\(SVG.n(y(Double(rank) / Double(n))))"
            }
            d += "H\(SVG.n(right))"
            let color = color(design: design, in: report)
            s += #"<path d="\#(d)" fill="none" stroke="\#(color)" stroke-width="2"><title>\#(XMLText.escape(design))</title></path>"#
        }
        s += "</svg>\n"
        var legend = "<div class=\"legend\">"
        for (design, values) in series {
            let row = report.summary[design, .voiceToVoice]
            let stats = values.isEmpty ? "no answered turns"
                : "n \(values.count) · p50 \(row?.p50.map { Field.milliseconds($0) } ?? "–") · p95 \(row?.p95.map { Field.milliseconds($0) } ?? "–") · max \(row?.max.map { Field.milliseconds($0) } ?? "–") ms"
            legend += "<span><span class=\"swatch\" style=\"background:\(color(design: design, in: report))\"></span><b>\(XMLText.escape(design))</b> \(stats)</span>"
        }
        return legend + "</div>\n" + s
    }
}
