import EarshotCore
import EarshotReport
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What CI systems read from the JUnit file: names they can track, times, failures and errors.
@Suite struct JUnitTests {
    static func parse(_ xml: String) -> WriterTests.XMLCounter {
        let parser = XMLParser(data: Data(xml.utf8))
        let counter = WriterTests.XMLCounter()
        parser.delegate = counter
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        return counter
    }

    static func caseNames(_ report: RunReport) -> [String] {
        parse(JUnitReportWriter.render(report)).attributes["testcase"]?.compactMap { $0["name"] } ?? []
    }

    /// A CI system tracks a case by its name: changing the budget must not make it a new test.
    @Test func caseNamesDoNotHoldTheLimit() {
        let tight = Fixtures.report(millis: [100, 200], gates: [Gate(.voiceToVoice, .p90, budget: .milliseconds(150))])
        let loose = Fixtures.report(millis: [100, 200], gates: [Gate(.voiceToVoice, .p90, budget: .milliseconds(500))])
        #expect(Self.caseNames(tight) == ["voice_to_voice_ms p90 budget"])
        #expect(Self.caseNames(loose) == Self.caseNames(tight))
        let failure = Self.parse(JUnitReportWriter.render(tight)).attributes["failure"]?.first?["message"] ?? ""
        #expect(failure.contains("at most 150.000 ms"), "the limit is in the message: \(failure)")
    }

    /// Regressions checked against a baseline are cases too, named without their tolerance.
    @Test func regressionsAreCases() {
        let base = Fixtures.report(millis: [100, 200], gates: [])
        let report = Fixtures.report(millis: [150, 300], gates: [Gate(.voiceToVoice, .p90, budget: .milliseconds(500))])
            .gated(by: [Gate(.voiceToVoice, .p90, budget: .milliseconds(500))],
                   regressions: [Regression(baseline: base.summary, tolerancePercent: 10, minSamples: 1, metrics: [.voiceToVoice])])
        #expect(Self.caseNames(report) == ["voice_to_voice_ms p90 budget", "voice_to_voice_ms p50 regression", "voice_to_voice_ms p95 regression"])
        let counter = Self.parse(JUnitReportWriter.render(report))
        #expect(counter.attributes["failure"]?.map { $0["type"] } == ["regression", "regression"])
    }

    /// A failed turn is an error (the harness or a stage broke), not a failed expectation.
    @Test func failedTurnsAreErrorsWithTheirReason() throws {
        let turns = [Fixtures.turn(session: 0, micros: 100_000), Fixtures.turn(session: 1, micros: nil, outcome: .failed)]
        let report = RunReport(info: Fixtures.info(), turns: turns, stages: [])
        let counter = Self.parse(JUnitReportWriter.render(report))
        let error = try #require(counter.attributes["error"]?.first)
        #expect(counter.elements["error"] == 1)
        #expect(error["type"] == "failed_turn" && error["message"] == "stt: timed out after 5 s")
        #expect(Self.caseNames(report) == ["voice_to_voice_ms p90 budget", "greeting session 1 turn 1"])
        #expect(counter.attributes["testsuite"]?.first?["errors"] == "1")
    }

    /// `time` is the design's wall time from run.json, in seconds; the root adds them up.
    @Test func timeIsTheDesignsWallTime() throws {
        var info = Fixtures.info()
        let harness = try JSONDecoder().decode(RunInfo.Harness.self, from: Data(#"{"events": 10, "simulated_ms": 9000, "wall_ms": 2500.5, "frames_sent": 3, "frames_dropped": 0}"#.utf8))
        info.harness = ["cascade": harness, "duplex": harness]
        let turns = [Fixtures.turn("cascade", session: 0, micros: 100_000), Fixtures.turn("duplex", session: 0, micros: 100_000)]
        let counter = Self.parse(JUnitReportWriter.render(RunReport(info: info, turns: turns, stages: [])))
        #expect(counter.attributes["testsuite"]?.map { $0["time"] } == ["2.501", "2.501"])
        #expect(counter.attributes["testsuites"]?.first?["time"] == "5.001")
        #expect(counter.attributes["testcase"]?.allSatisfy { $0["time"] == "0.000" } == true)
    }

    /// Exit 3 leaves one case whose error is the harness's message.
    @Test func harnessFailureIsOneErrorCase() throws {
        let counter = Self.parse(JUnitReportWriter.renderHarnessFailure("cascade: engine \"x\" died <signal 9>"))
        #expect(counter.elements["testcase"] == 1 && counter.elements["error"] == 1)
        let error = try #require(counter.attributes["error"]?.first)
        #expect(error["type"] == "harness" && error["message"] == "cascade: engine \"x\" died <signal 9>")
        #expect(counter.attributes["testsuites"]?.first?["errors"] == "1")
    }
}
