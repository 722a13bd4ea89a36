import EarshotCore

extension HTMLReportWriter {
    /// One strip per design: each barge-in's stop latency as a dot, p50 and p95 as ticks.
    static func stopLatency(_ report: RunReport) -> String {
        let series = report.designs.map { d in
            (design: d, values: report.turns.filter { $0.design == d }.compactMap(\.stopLatency).map(Summary.milliseconds))
        }
        guard series.contains(where: { !$0.values.isEmpty }) else {
            return "<p class=\"note\">No barge-in turns in this run.</p>\n"
        }
        let budgets = budgets(report, metric: .stopLatency)
        let (left, right, rowHeight, top) = (170.0, 780.0, 44.0, 24.0)
        let x = SVGAxis(covering: series.flatMap(\.values) + budgets.map(\.value) + [0], from: left, to: right)
        let bottom = top + Double(series.count) * rowHeight
        var s = "<p class=\"note\">From the user's barge-in onset to the end of the agent's last audible audio at playout.</p>\n"
        s += SVG.open(width: 1100, height: bottom + 44, label: "barge-in stop latency per design")
        s += SVG.xAxis(x, y: bottom, top: top, label: "stop latency, ms")
        for (i, (design, values)) in series.enumerated() {
            let y = top + Double(i) * rowHeight + rowHeight / 2
            let color = color(design: design, in: report)
            s += SVG.text(left - 8, y + 4, design, anchor: "end", extra: #"class="rowlabel""#)
            // Every dot up to 400; past that an even sample of ranks, so big runs stay light.
            let sorted = values.sorted()
            let dots = sorted.count <= 400 ? sorted : (1...400).map { sorted[($0 * sorted.count + 399) / 400 - 1] }
            for (j, v) in dots.enumerated() {
                // A fixed spread, not random: the same report draws the same picture.
                let dy = Double(j % 5 - 2) * 3
                s += #"<circle cx="\#(SVG.n(x(v)))" cy="\#(SVG.n(y + dy))" r="3.5" fill="\#(color)" fill-opacity="0.55"><title>\#(SVGAxis.label(v)) ms</title></circle>"#
            }
            let row = report.summary[design, .stopLatency]
            for (p, label) in [(row?.p50, "p50"), (row?.p95, "p95")] {
                guard let p else { continue }
                s += SVG.line(x(p), y - 10, x(p), y + 10, #"class="ptick""#)
                s += SVG.text(x(p), y - 12, label, anchor: "middle", extra: #"class="muted""#)
            }
            let stats = values.isEmpty ? "no barge-ins"
                : "n \(values.count) · p50 \(row?.p50.map { Field.milliseconds($0) } ?? "–") · p95 \(row?.p95.map { Field.milliseconds($0) } ?? "–") · max \(row?.max.map { Field.milliseconds($0) } ?? "–") ms"
            s += SVG.text(right + 14, y + 4, stats, extra: #"class="value""#)
        }
        for b in budgets {
            s += SVG.line(x(b.value), top - 14, x(b.value), bottom, #"class="budget""#)
            s += SVG.text(x(b.value) + 4, top - 6, b.label, extra: #"class="budgettext""#)
        }
        return s + "</svg>\n"
    }

    /// A 100% bar per design, split by outcome, with the counts.
    static func outcomeBars(_ report: RunReport) -> String {
        let counts = report.outcomes
        let present = TurnOutcome.allCases.filter { o in counts.values.contains { $0[o] != nil } }
        var legend = "<div class=\"legend\">"
        for o in present {
            legend += "<span><span class=\"swatch\" style=\"background:\(outcomeColors[o] ?? "#999")\"></span>\(o.rawValue)</span>"
        }
        legend += "</div>\n"
        let (left, right, rowHeight, top) = (170.0, 900.0, 28.0, 6.0)
        var s = SVG.open(width: 1100, height: top * 2 + Double(report.designs.count) * rowHeight, label: "turn outcomes per design")
        for (i, design) in report.designs.enumerated() {
            let y = top + Double(i) * rowHeight
            let c = counts[design] ?? [:]
            let total = Double(c.values.reduce(0, +))
            s += SVG.text(left - 8, y + 15, design, anchor: "end", extra: #"class="rowlabel""#)
            var at = left
            for o in present {
                guard let n = c[o], total > 0 else { continue }
                let w = Double(n) / total * (right - left)
                s += SVG.rect(at, y + 2, w, 18, fill: outcomeColors[o] ?? "#999", title: "\(o.rawValue): \(n)")
                if w > 26 { s += SVG.text(at + w / 2, y + 15, String(n), anchor: "middle", extra: #"class="barlabel""#) }
                at += w
            }
            let text = present.compactMap { o in c[o].map { "\($0) \(o.rawValue)" } }.joined(separator: " · ")
            s += SVG.text(right + 14, y + 15, text, extra: #"class="value""#)
        }
        return legend + s + "</svg>\n"
    }
}
