import EarshotCore
import EarshotReport
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct WriterTests {
    /// Two designs, one failing its budget, a barge-in, a failed turn, names that need escaping.
    static let report: RunReport = {
        var turns: [TurnRow] = []
        for i in 0..<20 {
            turns.append(Fixtures.turn("cascade <&> \"|\"", scenario: "order, \"pizza\"\n<b>", session: i, micros: 700_000 + Int64(i) * 10_000))
            turns.append(Fixtures.turn("duplex", session: i, micros: 150_000 + Int64(i) * 3_000,
                                       stop: i % 4 == 0 ? .milliseconds(180 + Int64(i)) : nil))
        }
        turns.append(Fixtures.turn("duplex", session: 20, micros: nil, outcome: .failed))
        turns.append(Fixtures.turn("duplex", session: 21, micros: -40_000, outcome: .talkedOver))
        return RunReport(info: Fixtures.info(gates: [
            Gate(.voiceToVoice, .p90, budget: .milliseconds(300)), Gate(.stopLatency, .p95, budget: .milliseconds(250), design: "duplex"),
        ]), turns: turns, stages: [])
    }()

    final class XMLCounter: NSObject, XMLParserDelegate {
        var elements: [String: Int] = [:]
        var attributes: [String: [[String: String]]] = [:]
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements[name, default: 0] += 1
            self.attributes[name, default: []].append(attributes)
        }
    }

    @Test func junitParsesAsXMLWithACasePerDesignAndGate() throws {
        let xml = JUnitReportWriter.render(Self.report)
        let parser = XMLParser(data: Data(xml.utf8))
        let counter = XMLCounter()
        parser.delegate = counter
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(counter.elements["testsuites"] == 1)
        #expect(counter.elements["testsuite"] == 2)
        #expect(counter.elements["testcase"] == 4, "v2v p90 for each design, stop latency p95 for duplex, the failed turn")
        #expect(counter.elements["failure"] == 1)
        #expect(counter.elements["error"] == 1)
        let root = try #require(counter.attributes["testsuites"]?.first)
        #expect(root["tests"] == "4" && root["failures"] == "1" && root["errors"] == "1")
        let suites = counter.attributes["testsuite"] ?? []
        #expect(suites.map { $0["name"] } == ["earshot.cascade <&> \"|\"", "earshot.duplex"])
        let failure = try #require(counter.attributes["failure"]?.first)
        #expect(failure["message"] == "cascade <&> \"|\" voice_to_voice_ms p90 870.000 ms is over the limit (at most 300.000 ms) by 570.000 ms")
        #expect(counter.attributes["testcase"]?.first?["name"] == "voice_to_voice_ms p90 budget")
    }

    @Test func htmlIsOneSelfContainedFile() throws {
        let dir = Fixtures.directory()
        defer { Fixtures.cleanUp(dir) }
        let file = dir.appendingPathComponent("report.html")
        try HTMLReportWriter(file: file).write(Self.report)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["report.html"])
        let html = try Fixtures.text(file)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>\n"))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 4, "CDF, a waterfall per design, stop latency, outcomes")
        #expect(html.components(separatedBy: "<svg").count == html.components(separatedBy: "</svg>").count)
        for banned in ["http://", "https://", "<script", "<link", "src=", "@import", "url("] {
            #expect(!html.lowercased().contains(banned), "\(banned)")
        }
        #expect(!html.contains("<b>\n") && html.contains("order, &quot;pizza&quot;"), "names are escaped")
        #expect(html.contains("class=\"budget\""))
        #expect(html.contains("stop latency"))
        #expect(html.contains("FAIL"))
    }

    @Test func htmlWithoutAnswersStillRenders() {
        let report = RunReport(info: Fixtures.info(), turns: [Fixtures.turn(session: 0, micros: nil, outcome: .missed)], stages: [])
        let html = HTMLReportWriter(file: URL(fileURLWithPath: "unused")).render(report)
        #expect(html.contains("No turn was answered in time"))
        #expect(html.contains("No barge-in turns"))
    }

    @Test func markdownSummary() throws {
        let md = MarkdownReportWriter.render(Self.report)
        #expect(md.hasPrefix("## Earshot ❌ FAIL · run `test-run`"))
        #expect(md.contains("| cascade &lt;&> \"\\|\" | 20 | 20 | 0 | 0 | 0 | 0 | 0 | 20 | 790.000 | 880.000 | 890.000 | 890.000 | p90 ≤ 300.000 | ❌ |"))
        #expect(md.contains("| ✅ | duplex | stop_latency_ms | budget p95 |"))
        #expect(md.contains("<details><summary>1 failed turn</summary>"))
        // Every table row has as many cells as its header.
        for block in md.components(separatedBy: "\n\n") where block.hasPrefix("|") {
            let counts = Set(block.split(separator: "\n").map { $0.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count })
            #expect(counts.count == 1, "\(block)")
        }

        let dir = Fixtures.directory()
        defer { Fixtures.cleanUp(dir) }
        let file = dir.appendingPathComponent("step-summary.md")
        try "earlier step\n".write(to: file, atomically: true, encoding: .utf8)
        try MarkdownReportWriter(file: file, append: true).write(Self.report)
        #expect(try Fixtures.text(file) == "earlier step\n" + md)
    }

    /// Every outcome has its column: a design's outcome cells add up to its turns.
    @Test func markdownOutcomesAddUpToTheTurns() throws {
        let outcomes: [TurnOutcome] = [.responded, .missed, .talkedOver, .interrupted, .failed, .ignored]
        let turns = outcomes.enumerated().map { i, o in
            Fixtures.turn(session: i, micros: [.missed, .failed, .ignored].contains(o) ? nil : 100_000, outcome: o,
                          kind: o == .ignored ? .backchannel : o == .interrupted ? .bargeIn : .turn)
        }
        let md = MarkdownReportWriter.render(RunReport(info: Fixtures.info(), turns: turns, stages: []))
        let lines = md.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("| design | turns |") }).split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        let row = try #require(lines.first { $0.hasPrefix("| cascade |") }).split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        let columns = outcomes.map { $0.rawValue.replacingOccurrences(of: "_", with: " ") }
        let indices = columns.compactMap { header.firstIndex(of: $0) }
        #expect(indices.count == outcomes.count, "a column per outcome: \(header)")
        let sum = indices.compactMap { Int(row[$0]) }.reduce(0, +)
        #expect(row[1] == "6" && sum == 6)
    }

    @Test func terminalTableAndVerdict() throws {
        let text = TerminalReportWriter.render(Self.report)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let duplex = try #require(lines.firstIndex(of: "duplex  22 turns: 20 responded, 1 talked over, 1 failed"))
        #expect(lines[duplex + 1] == "  failed: stt: timed out after 5 s", "the reason is on the screen, under its design")
        #expect(lines.filter { $0.hasPrefix("  failed:") }.count == 1, "a design with no failed turn has no such line")
        #expect(lines.contains { $0.hasPrefix("  voice_to_voice_ms  20  ") && $0.hasSuffix("p90 300.000  PASS") })
        #expect(lines.contains("cascade <&> \"|\"  voice_to_voice_ms  p90  870.000  budget 300.000  FAIL (+570.000)"))
        #expect(!lines.contains { $0.hasPrefix("  stop_latency_ms     0") }, "a gate on duplex adds no empty row to cascade")
        #expect(lines.last == "")
        #expect(lines[lines.count - 2] == "FAIL: 1 of 3 checks failed (2 designs, 42 turns); first: cascade <&> \"|\" voice_to_voice_ms p90 (budget)")
        let passing = Fixtures.report(millis: [100], gates: [Gate(.voiceToVoice, .p50, budget: .milliseconds(300))])
        #expect(TerminalReportWriter.verdict(passing) == "PASS: 1 check within budget (1 design, 1 turns)")
    }

    @Test func gatesCSVHasARowPerResult() throws {
        let files = try CSVReportWriter.files(Self.report)
        let gates = String(decoding: try #require(files.first { $0.name == "gates.csv" }).data, as: UTF8.self)
        let lines = gates.split(separator: "\r\n")
        #expect(lines.count == 1 + 3)
        #expect(lines[0] == ReportSchema.gateColumns.joined(separator: ","))
        #expect(lines[2] == "\(ReportSchema.version),test-run,duplex,voice_to_voice_ms,budget,p90,201.000,300.000,,,-99.000,true")
    }
}
