import EarshotCore

extension HTMLReportWriter {
    static func segmentLegend(_ report: RunReport) -> String {
        let present = ReportSchema.segments.filter { name in report.turns.contains { $0.segments[name] != nil } }
        guard !present.isEmpty else { return "" }
        return "<div class=\"legend\">" + present.map {
            "<span><span class=\"swatch\" style=\"background:\(segmentColors[$0] ?? "#999")\"></span>\($0)</span>"
        }.joined() + "</div>\n"
    }

    /// Stacked bars per turn on one time axis shared by every design, so designs compare by eye.
    static func waterfalls(_ report: RunReport, maxTurns: Int) -> String {
        let shown = report.designs.map { d in
            (design: d, all: report.turns.filter { $0.design == d && $0.kind != .backchannel })
        }
        guard shown.contains(where: { !$0.all.isEmpty }) else { return "<p class=\"note\">No turns expecting a reply.</p>\n" }
        var extent: [Double] = []
        var latencies: [Double] = []
        for (_, turns) in shown {
            for t in turns.prefix(maxTurns) {
                var cum = 0.0
                for (_, d) in t.breakdown {
                    cum += Summary.milliseconds(d)
                    extent.append(cum)
                }
                if let v = t.voiceToVoice { latencies.append(Summary.milliseconds(v)) }
            }
        }
        let budgets = budgets(report, metric: .voiceToVoice)
        let (left, right, rowHeight, top) = (170.0, 1000.0, 18.0, 22.0)
        let x = SVGAxis(bulkOf: extent + latencies, always: budgets.map(\.value) + [0], from: left, to: right)
        var h = ""
        for (design, all) in shown where !all.isEmpty {
            let turns = Array(all.prefix(maxTurns))
            let bottom = top + Double(turns.count) * rowHeight + 4
            let height = bottom + 44
            h += "<h3><span class=\"swatch\" style=\"background:\(color(design: design, in: report))\"></span>\(XMLText.escape(design))"
            h += all.count > turns.count ? " <small class=\"note\">first \(turns.count) of \(all.count) turns</small></h3>\n" : "</h3>\n"
            var s = SVG.open(width: 1100, height: height, label: "per-turn latency breakdown for \(design)")
            s += SVG.xAxis(x, y: bottom, top: top - 6, label: "ms after the user stopped speaking")
            let mine = turns.compactMap(\.voiceToVoice).map(Summary.milliseconds)
            if let note = x.beyondNote(mine) { s += SVG.text(right, bottom + 34, note, anchor: "end", extra: #"class="muted""#) }
            s += SVG.line(x(0), top - 6, x(0), bottom, #"class="axis""#)
            s += SVG.text(x(0), top - 9, "user_end", anchor: "middle", extra: #"class="muted""#)
            for (i, t) in turns.enumerated() {
                let y = top + Double(i) * rowHeight
                let name = t.scenario.count > 16 ? String(t.scenario.prefix(15)) + "…" : t.scenario
                s += SVG.text(left - 8, y + 11, "\(name) s\(t.session) t\(t.turn)", anchor: "end", extra: #"class="rowlabel""#)
                guard let v2v = t.voiceToVoice else {
                    let why = t.outcome == .failed ? "failed: \(t.failure ?? "")" : "\(t.outcome.rawValue): no audible reply in time"
                    s += SVG.text(x(0) + 6, y + 11, why.count > 90 ? String(why.prefix(89)) + "…" : why,
                                  extra: t.outcome == .failed ? #"class="failtext""# : #"class="muted""#)
                    continue
                }
                var cum = 0.0
                let segments = t.breakdown.isEmpty ? [("voice_to_voice", v2v)] : t.breakdown
                for (name, d) in segments {
                    let ms = Summary.milliseconds(d)
                    let a = x.clamped(min(cum, cum + ms))
                    let b = x.clamped(max(cum, cum + ms))
                    s += SVG.rect(a, y + 2, max(b - a, 0.5), 12, fill: segmentColors[name] ?? "#cbd5e1",
                                  title: "\(name) \(Field.milliseconds(d)) ms", extra: ms < 0 ? #"fill-opacity="0.35""# : "")
                    cum += ms
                }
                let late = t.withinBudget == false
                let label = Field.milliseconds(v2v) + (t.outcome == .responded ? "" : " \(t.outcome.rawValue)")
                s += SVG.text(max(x.clamped(cum), x(0)) + 5, y + 11, label, extra: late ? #"class="failtext""# : #"class="value""#)
            }
            for b in budgets {
                s += SVG.line(x(b.value), top - 6, x(b.value), bottom, #"class="budget""#)
            }
            if let b = budgets.first {
                s += SVG.text(x(b.value) + 4, top - 9, b.label, extra: #"class="budgettext""#)
            }
            h += s + "</svg>\n"
        }
        return h
    }
}
