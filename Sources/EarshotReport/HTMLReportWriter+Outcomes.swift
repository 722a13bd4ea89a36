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
        let statsText = series.map { design, values in
            let row = report.summary[design, .stopLatency]
            return values.isEmpty ? "no barge-ins"
                : "n \(values.count) · p50 \(row?.p50.map { Field.milliseconds($0) } ?? "–") · p95 \(row?.p95.map { Field.milliseconds($0) } ?? "–") · max \(row?.max.map { Field.milliseconds($0) } ?? "–") ms"
        }
        // The strip ends where the longest figures still fit inside the chart.
        let (width, left, rowHeight, top) = (1100.0, 170.0, 44.0, 24.0)
        let right = min(780, max(left + 300, width - 8 - 14 - (statsText.map { SVG.textWidth($0) }.max() ?? 0)))
        let all = series.flatMap(\.values)
        let x = SVGAxis(bulkOf: all, always: budgets.map(\.value) + [0], from: left, to: right)
        let bottom = top + Double(series.count) * rowHeight
        var s = "<p class=\"note\">From the user's barge-in onset to the end of the agent's last audible audio at playout.</p>\n"
        s += SVG.open(width: width, height: bottom + 44, label: "barge-in stop latency per design")
        s += SVG.xAxis(x, y: bottom, top: top, label: "stop latency, ms")
        if let note = x.beyondNote(all) { s += SVG.text(right, bottom + 34, note, anchor: "end", extra: #"class="muted""#) }
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
                s += #"<circle cx="\#(SVG.n(x.clamped(v)))" cy="\#(SVG.n(y + dy))" r="3.5" fill="\#(color)" fill-opacity="0.55"><title>\#(SVGAxis.label(v)) ms</title></circle>"#
            }
            let row = report.summary[design, .stopLatency]
            // Labels closer than their own width would print over each other: p95's goes below.
            let ticks = [(row?.p50, "p50"), (row?.p95, "p95")].compactMap { p, label in p.map { (x.clamped($0), label) } }
            let apart = ticks.count < 2 || abs(ticks[1].0 - ticks[0].0) >= SVG.textWidth("p95") + 4
            for (i, (px, label)) in ticks.enumerated() {
                s += SVG.line(px, y - 10, px, y + 10, #"class="ptick""#)
                s += SVG.text(px, i == 1 && !apart ? y + 21 : y - 12, label, anchor: "middle", extra: #"class="muted""#)
            }
            s += SVG.text(right + 14, y + 4, statsText[i], extra: #"class="value""#)
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
        let texts = report.designs.map { design in
            present.compactMap { o in counts[design]?[o].map { "\($0) \(o.rawValue)" } }.joined(separator: " · ")
        }
        // The bars end where the longest count line still fits; past a point the chart widens instead.
        let longest = texts.map { SVG.textWidth($0) }.max() ?? 0
        let (left, rowHeight, top) = (170.0, 28.0, 6.0)
        let right = min(900, max(left + 400, 1100 - 8 - 14 - longest))
        let width = max(1100, right + 14 + longest + 8)
        var s = SVG.open(width: width, height: top * 2 + Double(report.designs.count) * rowHeight, label: "turn outcomes per design")
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
            s += SVG.text(right + 14, y + 15, texts[i], extra: #"class="value""#)
        }
        return legend + s + "</svg>\n"
    }
}
