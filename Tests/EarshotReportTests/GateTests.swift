import EarshotCore
import EarshotReport
import Foundation
import Testing

@Suite struct GateTests {
    /// 1, 2, …, 100 ms: nearest-rank p95 is exactly 95 ms, p90 90 ms.
    static let oneToHundred = (1...100).map(Double.init)

    @Test func p95GatePassesAtItsValueAndFailsJustBelow() throws {
        let atBudget = Fixtures.report(millis: Self.oneToHundred, gates: [Gate(.voiceToVoice, .p95, budget: .milliseconds(95))])
        let r = try #require(atBudget.results.first)
        #expect(r.pass && r.observed == 95 && r.limit == 95 && r.delta == 0)
        #expect(atBudget.exit == .success)

        let under = Fixtures.report(millis: Self.oneToHundred, gates: [Gate(.voiceToVoice, .p95, budget: .microseconds(94_999))])
        let f = try #require(under.results.first)
        #expect(!f.pass && f.observed == 95 && f.limit == 94.999)
        #expect(f.description == "cascade  voice_to_voice_ms  p95  95.000  budget 94.999  FAIL (+0.001)")
        #expect(under.exit == .gateFailed)
        #expect(under.summary["cascade", .voiceToVoice]?.pass == false)
        #expect(under.summary["cascade", .voiceToVoice]?.gatePercentile == .p95)
    }

    @Test func theTerminalLineReadsLikeTheStyleGuide() {
        let r = Fixtures.report(millis: [812.4], gates: [Gate(.voiceToVoice, .p90, budget: .milliseconds(300))]).results[0]
        #expect(r.description == "cascade  voice_to_voice_ms  p90  812.400  budget 300.000  FAIL (+512.400)")
        let ok = Fixtures.report("duplex", millis: [204.1], gates: [Gate(.voiceToVoice, .p90, budget: .milliseconds(300))]).results[0]
        #expect(ok.description == "duplex  voice_to_voice_ms  p90  204.100  budget 300.000  pass")
    }

    /// Baseline p50 and p95 of 100 ms, now 112 ms: +12% fails at 10% tolerance and passes at 15%.
    @Test func regressionOfTwelvePercent() throws {
        let dir = Fixtures.directory()
        defer { Fixtures.cleanUp(dir) }
        try CSVReportWriter(directory: dir).write(Fixtures.report(millis: Array(repeating: 100, count: 20), gates: []))
        let baselineFile = dir.appendingPathComponent("summary.csv")
        let now = Fixtures.report(millis: Array(repeating: 112, count: 20), gates: [])

        let strict = now.gated(by: [], regressions: [try Regression(baselineFile: baselineFile, tolerancePercent: 10)])
        let v2v = strict.results.filter { $0.metric == .voiceToVoice }
        #expect(v2v.count == 2)
        #expect(v2v.allSatisfy { !$0.pass && $0.check == .regression && $0.baseline == 100 && $0.limit == 110 && $0.delta == 12 })
        #expect(strict.exit == .gateFailed)
        #expect(v2v[0].description == "cascade  voice_to_voice_ms  p50  112.000  regression: baseline 100.000 +12.0%  limit 110.000 (+10%)  FAIL (+12.000)")

        let loose = now.gated(by: [], regressions: [try Regression(baselineFile: baselineFile, tolerancePercent: 15)])
        #expect(loose.results.filter { $0.metric == .voiceToVoice }.allSatisfy { $0.pass && $0.limit == 115 })
        #expect(loose.exit == .success)
    }

    /// The baseline measured cascade; the run measured duplex only: duplex is new (reported, passes),
    /// cascade is gone (fails).
    @Test func aNewDesignIsReportedAndAMissingOneFails() throws {
        let baseline = Fixtures.report(millis: Array(repeating: 100, count: 10), gates: []).summary
        let now = Fixtures.report("duplex", millis: [500], gates: [])
            .gated(by: [], regressions: [Regression(baseline: baseline, tolerancePercent: 5)])
        #expect(now.results.map(\.design) == ["duplex", "cascade"])
        #expect(now.results.map(\.pass) == [true, false])
        #expect(now.results[0].description.contains("new design: not in the baseline"))
        #expect(now.results[1].description == "cascade  voice_to_voice_ms  p50  -  regression: baseline 100.000  FAIL (no values): in the baseline but missing from the run")
        #expect(now.exit == .gateFailed)
    }

    @Test func aGateWithNoValuesFails() {
        let report = Fixtures.report(millis: [100], gates: [Gate(.stopLatency, .p95, budget: .milliseconds(250))])
        #expect(report.results.count == 1)
        #expect(report.results[0].pass == false && report.results[0].observed == nil)
        #expect(report.summary["cascade", .stopLatency]?.n == 0, "the failing gate still gets its summary row")
        #expect(report.results[0].description.hasSuffix("FAIL (no values)"))
    }

    @Test func rateGatesFollowTheMetricsDirection() {
        let turns = [Fixtures.turn(session: 0, micros: 1000), Fixtures.turn(session: 1, micros: nil, outcome: .missed)]
        let report = RunReport(info: Fixtures.info(gates: [
            Gate(.responseRate, limit: 0.5), Gate(.responseRate, limit: 0.6), Gate(.missedRate, limit: 0.5),
        ]), turns: turns, stages: [])
        #expect(report.results.map(\.pass) == [true, false, true])
        #expect(report.results[1].description == "cascade  response_rate  -  0.500000  threshold min 0.600000  FAIL (-0.100000)")
    }

    @Test func gatesParseFromTheCommandLineForm() throws {
        #expect(try Gate(parsing: "p90:300") == Gate(.voiceToVoice, .p90, budget: .milliseconds(300)))
        #expect(try Gate(parsing: "stop_latency_ms:p95:250.5@duplex") == Gate(.stopLatency, .p95, budget: .microseconds(250_500), design: "duplex"))
        #expect(try Gate(parsing: "response_rate:0.95") == Gate(.responseRate, limit: 0.95))
        for bad in ["p91:300", "p90", "p90:-5", "p90:abc", "latency:p90:300", "response_rate:p50:1", "response_rate:1.5", "p90:300@"] {
            #expect(throws: InputError.self, "\(bad)") { try Gate(parsing: bad) }
        }
        let g = Gate(.stopLatency, .p95, budget: .microseconds(250_500), design: "duplex")
        #expect(g.spec == "stop_latency_ms:p95<=250.500@duplex")
        #expect(try Gate(parsing: g.spec) == g)
        #expect(try Gate(parsing: Gate(.responseRate, limit: 0.95).spec) == Gate(.responseRate, limit: 0.95))
    }

    /// k6-style thresholds: any latency (with or without `_ms`) at a percentile, any rate, each
    /// compared the way its metric improves.
    @Test func thresholdsReadK6Style() throws {
        #expect(try Gate(parsing: "voice_to_voice:p95<=300") == Gate(.voiceToVoice, .p95, budget: .milliseconds(300)))
        #expect(try Gate(parsing: "endpoint:p50<=200") == Gate(.segment("endpoint"), .p50, budget: .milliseconds(200)))
        #expect(try Gate(parsing: "stt_final_ms:p99<=150.5@cascade-local")
                == Gate(.segment("stt_final"), .p99, budget: .microseconds(150_500), design: "cascade-local"))
        #expect(try Gate(parsing: "p90<=250") == Gate(.voiceToVoice, .p90, budget: .milliseconds(250)))
        #expect(try Gate(parsing: "response_rate>=0.95") == Gate(.responseRate, limit: 0.95))
        #expect(try Gate(parsing: "talked_over_rate<=0.05@duplex") == Gate(.talkedOverRate, limit: 0.05, design: "duplex"))
        #expect(try Gate(parsing: "missed_rate<=0.02") == Gate(.missedRate, limit: 0.02))
        #expect(try Gate(parsing: "failed_rate==0") == Gate.noFailedTurns)
        #expect(try Gate(parsing: "design=cascade-local:voice_to_voice:p95<=300")
                == Gate(.voiceToVoice, .p95, budget: .milliseconds(300), design: "cascade-local"))
        #expect(try Gate(parsing: "design=duplex:response_rate>=0.9") == Gate(.responseRate, limit: 0.9, design: "duplex"))
        #expect(try Gate(parsing: "response_rate==1") == Gate(.responseRate, limit: 1))
        let wrongWay = ["response_rate<=0.95", "failed_rate>=0.1", "voice_to_voice:p95>=300", "failed_rate==0.5",
                        "voice_to_voice:p95<300", "endpoint<=200", "response_rate:p50>=0.9", "nonsense:p50<=1",
                        "endpoint:p42<=200", "response_rate>=2", "voice_to_voice:p95<=0", "voice_to_voice:p95<=", "<=300",
                        "design=:p95<=300", "design=a:p95<=300@b"]
        for bad in wrongWay {
            #expect(throws: InputError.self, "\(bad)") { try Gate(parsing: bad) }
        }
        let message = Self.message { try Gate(parsing: "response_rate<=0.95") }
        #expect(message.contains("response_rate is better larger: write response_rate>=value"), "\(message)")
    }

    static func message(_ body: () throws -> Gate) -> String {
        do { _ = try body(); return "" } catch { return "\(error)" }
    }

    /// Given no gate, the budget and no failed turns; a gate on a metric replaces that metric's default only.
    @Test func defaultsAreTheBudgetAndNoFailedTurns() throws {
        let defaults = Gate.defaults(budget: .milliseconds(300))
        #expect(defaults == [Gate(.voiceToVoice, .p95, budget: .milliseconds(300)), Gate(.failedRate, limit: 0)])
        let mine = [try Gate(parsing: "voice_to_voice:p99<=500"), try Gate(parsing: "response_rate>=0.9")]
        #expect(Gate.combining(mine, defaults: defaults) == mine + [Gate.noFailedTurns])
        let oneDesign = [try Gate(parsing: "failed_rate<=0.1@duplex")]
        #expect(Gate.combining(oneDesign, defaults: defaults) == oneDesign + defaults)

        // One failed turn of four fails the default gate, even with every latency within budget.
        let turns = [Fixtures.turn(session: 0, micros: 100_000), Fixtures.turn(session: 1, micros: 100_000),
                     Fixtures.turn(session: 2, micros: 100_000), Fixtures.turn(session: 3, micros: nil, outcome: .failed)]
        let report = RunReport(info: Fixtures.info(gates: defaults), turns: turns, stages: [])
        #expect(report.results.map(\.pass) == [true, false])
        #expect(report.results[1].description == "cascade  failed_rate  -  0.250000  threshold max 0.000000  FAIL (+0.250000)")
        #expect(report.exit == .gateFailed)
    }

    @Test func gatesOnOneDesignAndOnAMissingDesign() {
        let turns = [Fixtures.turn("cascade", session: 0, micros: 900_000), Fixtures.turn("duplex", session: 0, micros: 200_000)]
        let report = RunReport(info: Fixtures.info(gates: [
            Gate(.voiceToVoice, .p50, budget: .milliseconds(300), design: "duplex"),
            Gate(.voiceToVoice, .p50, budget: .milliseconds(300), design: "dupelx"),
        ]), turns: turns, stages: [])
        #expect(report.results.map(\.design) == ["duplex", "dupelx"])
        #expect(report.results.map(\.pass) == [true, false])
        #expect(JUnitReportWriter.render(report).contains(#"<testsuite name="earshot.dupelx" tests="1" failures="1""#))
    }

    @Test func exitCodes() {
        #expect(EarshotExit.allCases.map(\.rawValue) == [0, 1, 2, 3])
        #expect(EarshotExit(error: InputError(file: "x.csv", line: 2, "bad")) == .badInput)
        #expect(EarshotExit(error: CocoaError(.fileReadUnknown)) == .harnessFailed)
        #expect(EarshotExit(results: []) == .success)
    }
}
