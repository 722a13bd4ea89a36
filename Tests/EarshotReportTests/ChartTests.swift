import EarshotCore
@testable import EarshotReport
import Foundation
import Testing

/// Chart layout checked on the SVG's numbers: what lies where, not how it looks.
@Suite struct ChartTests {
    /// `(x, y, text)` of every `<text>` with `class` in `svg`.
    static func texts(_ svg: String, class name: String) -> [(x: Double, y: Double, text: String)] {
        let pattern = #"<text x="([-0-9.]+)" y="([-0-9.]+)" text-anchor="[a-z]+" class="\#(name)">([^<]*)</text>"#
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)).map { m in
            let s = { (i: Int) in String(svg[Range(m.range(at: i), in: svg)!]) }
            return (Double(s(1))!, Double(s(2))!, s(3))
        }
    }

    static func viewWidth(_ svg: String) -> Double? {
        guard let r = svg.range(of: #"viewBox="0 0 ([0-9.]+) "#, options: .regularExpression) else { return nil }
        return Double(svg[r].dropFirst(#"viewBox="0 0 "#.count).dropLast())
    }

    /// 200 turns between 100 and 300 ms and one of a minute: 99 % of the turns must not be
    /// squashed into the first pixels.
    static let outlierReport: RunReport = {
        var turns = (0..<200).map { i in Fixtures.turn(session: i, micros: 100_000 + Int64(i) * 1000, stop: .milliseconds(150 + Int64(i % 50))) }
        turns.append(Fixtures.turn(session: 200, micros: 60_000_000, stop: .milliseconds(40_000)))
        return RunReport(info: Fixtures.info(), turns: turns, stages: [])
    }()

    @Test func axisCoversTheBulkZeroAndTheBudget() {
        let values = (0..<200).map { 100 + Double($0) } + [60_000]
        let axis = SVGAxis(bulkOf: values, always: [0, 500], from: 0, to: 1000)
        #expect(axis.lo == 0 && axis.hi >= 500 && axis.hi < 1000, "\(axis.lo)...\(axis.hi)")
        #expect(axis.beyond(values) == 1)
        #expect(axis.clamped(60_000) == 1000)
        #expect(axis.beyondNote(values) == "1 turn beyond the axis (up to 60000 ms), drawn at its edge")
        // A small run keeps its extremes on the axis: nothing is left out for nothing.
        let small = SVGAxis(bulkOf: [100, 120, 900], always: [0], from: 0, to: 1000)
        #expect(small.hi >= 900 && small.beyond([100, 120, 900]) == 0)
    }

    @Test func cdfLeavesOutliersAtTheEdgeAndSaysSo() throws {
        let svg = HTMLReportWriter.cdf(Self.outlierReport)
        #expect(svg.contains("1 turn beyond the axis (up to 60000 ms), drawn at its edge"))
        let ticks = Self.texts(svg, class: "tick").compactMap { Double($0.text) }
        #expect((ticks.max() ?? 0) < 1000, "the axis ends near the bulk, not at a minute: \(ticks)")
        // Every x in the curve lies within the plot (56...1080).
        let path = try #require(svg.range(of: #"<path d="[^"]*""#, options: .regularExpression).map { String(svg[$0]) })
        let xs = path.split(whereSeparator: { "MHV ".contains($0) }).compactMap { Double($0) }
        #expect(xs.allSatisfy { $0 <= 1080.05 }, "\(xs.max() ?? 0)")
    }

    @Test func stopLatencyLeavesOutliersAtTheEdge() {
        let svg = HTMLReportWriter.stopLatency(Self.outlierReport)
        #expect(svg.contains("1 turn beyond the axis (up to 40000 ms), drawn at its edge"))
    }

    /// The count line after each bar ends inside the chart, however many outcomes there are.
    @Test func outcomeLabelsFitInTheChart() throws {
        let outcomes: [TurnOutcome] = [.responded, .missed, .talkedOver, .interrupted, .failed, .ignored]
        var turns: [TurnRow] = []
        for (i, o) in outcomes.enumerated() {
            for j in 0..<(1000 + i) {
                turns.append(Fixtures.turn("a design with a long name", session: i * 2000 + j, micros: 100_000, outcome: o))
            }
        }
        let svg = HTMLReportWriter.outcomeBars(RunReport(info: Fixtures.info(), turns: turns, stages: []))
        let width = try #require(Self.viewWidth(svg))
        let values = Self.texts(svg, class: "value")
        #expect(!values.isEmpty)
        for v in values {
            #expect(v.x + SVG.textWidth(v.text) <= width, "\(v.text) ends at \(v.x + SVG.textWidth(v.text)), the chart at \(width)")
        }
        // The old layout put this line at 914 px in a 1100 px chart, where it ran off the edge.
        #expect(914 + SVG.textWidth(values[0].text) > 1100, "the case is one the old layout got wrong")
    }

    /// p50 and p95 a pixel apart: their labels must not print over each other.
    @Test func percentileLabelsDoNotOverlap() throws {
        let turns = (0..<40).map { i in
            Fixtures.turn(session: i, micros: 100_000, kind: .bargeIn, stop: .microseconds(200_000 + Int64(i)))
        }
        let svg = HTMLReportWriter.stopLatency(RunReport(info: Fixtures.info(), turns: turns, stages: []))
        let labels = Self.texts(svg, class: "muted").filter { ["p50", "p95"].contains($0.text) }
        #expect(labels.count == 2)
        let (a, b) = (labels[0], labels[1])
        let apartX = abs(a.x - b.x) >= SVG.textWidth("p95")
        let apartY = abs(a.y - b.y) >= 11
        #expect(apartX || apartY, "p50 at (\(a.x), \(a.y)), p95 at (\(b.x), \(b.y))")
    }
}
