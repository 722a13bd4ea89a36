import EarshotCore
import EarshotReport
import Foundation
import Testing

/// `check --baseline`'s comparison: every metric and rate, each in the direction it improves,
/// with per-metric tolerances and a floor on samples.
@Suite struct RegressionTests {
    static let twentyAt100 = Fixtures.report(millis: Array(repeating: 100, count: 20), gates: []).summary

    static func one(_ results: [GateResult], _ metric: Metric, _ p: Percentile?) throws -> GateResult {
        try #require(results.first { $0.metric == metric && $0.percentile == p })
    }

    /// 100 ms then 80 ms: 20 % faster, beyond a 10 % tolerance: passes, and says the baseline is stale.
    @Test func anImprovementIsReportedWithTheRefreshCommand() throws {
        let run = Fixtures.report(millis: Array(repeating: 80, count: 20), gates: [])
            .gated(by: [], regressions: [Regression(baseline: Self.twentyAt100, tolerancePercent: 10,
                                                    refresh: "earshot baseline out/ --out base.csv")])
        #expect(run.exit == .success)
        let r = try Self.one(run.results, .voiceToVoice, .p95)
        #expect(r.pass && r.observed == 80 && r.limit == 110 && r.delta == -20)
        #expect(r.note == "faster than the baseline by 20.0 %: refresh it with `earshot baseline out/ --out base.csv`")
        #expect(r.description.hasSuffix("pass: faster than the baseline by 20.0 %: refresh it with `earshot baseline out/ --out base.csv`"))
        #expect(MarkdownReportWriter.render(run).contains(
            "| ✅ | cascade | voice_to_voice_ms | regression p95 | 80.000 | 110.000 | -20.000 (-20.0%) | faster than the baseline by 20.0 %: refresh it with `earshot baseline out/ --out base.csv` |"))
        #expect(JUnitReportWriter.render(run).contains(
            #"<testcase classname="earshot.cascade" name="voice_to_voice_ms p95 regression" time="0.000">"# + "\n"
            + "      <system-out>faster than the baseline by 20.0 %: refresh it with `earshot baseline out/ --out base.csv`</system-out>"))
        // Within tolerance is no news.
        let close = Fixtures.report(millis: Array(repeating: 95, count: 20), gates: [])
            .gated(by: [], regressions: [Regression(baseline: Self.twentyAt100, tolerancePercent: 10)])
        #expect(close.results.allSatisfy { $0.note == nil })
    }

    /// +12 % everywhere; 10 % allowed except endpoint, allowed 20 %: only endpoint passes.
    @Test func aPerMetricToleranceOverridesTheDefault() throws {
        let run = Fixtures.report(millis: Array(repeating: 112, count: 20), gates: [])
            .gated(by: [], regressions: [Regression(baseline: Self.twentyAt100, tolerancePercent: 10,
                                                    tolerances: [.segment("endpoint"): 20])])
        let endpoint = try Self.one(run.results, .segment("endpoint"), .p50)
        #expect(endpoint.pass && endpoint.baseline == 40 && endpoint.observed == 44.8 && endpoint.limit == 48)
        #expect(endpoint.description.contains("limit 48.000 (+20%)"))
        let playout = try Self.one(run.results, .segment("playout"), .p50)
        #expect(!playout.pass && playout.baseline == 60 && playout.limit == 66)
        #expect(try !Self.one(run.results, .voiceToVoice, .p50).pass)
    }

    /// Rates are compared too, in their own direction: a response rate falling from 1 to 0.75 is a
    /// regression (limit 0.9 at 10 %), a failed rate rising from 0 to 0.25 is one at any tolerance.
    @Test func ratesRegressTheWayTheyGetWorse() throws {
        var turns = (0..<16).map { Fixtures.turn(session: $0, micros: 100_000) }
        turns += (16..<20).map { Fixtures.turn(session: $0, micros: nil, outcome: .missed) }
        turns += (20..<26).map { Fixtures.turn(session: $0, micros: nil, outcome: .failed) }
        let run = RunReport(info: Fixtures.info(gates: []), turns: turns, stages: [])
            .gated(by: [], regressions: [Regression(baseline: Self.twentyAt100, tolerancePercent: 10)])
        let response = try Self.one(run.results, .responseRate, nil)
        #expect(!response.pass && response.baseline == 1 && response.limit == 0.9)
        #expect(response.observed == 16.0 / 26.0)
        #expect(response.description.contains("limit 0.900000 (-10%)"))
        let failed = try Self.one(run.results, .failedRate, nil)
        #expect(!failed.pass && failed.baseline == 0 && failed.limit == 0)
        let missed = try Self.one(run.results, .missedRate, nil)
        #expect(!missed.pass && missed.baseline == 0)
        #expect(try Self.one(run.results, .voiceToVoice, .p50).pass, "the answered turns are as fast as before")
    }

    /// 0.1 ms then 0.5 ms is +400 %, and wall-clock noise: a latency may always move by a millisecond.
    @Test func aLatencyMayAlwaysMoveByAMillisecond() throws {
        let baseline = Fixtures.report(millis: Array(repeating: 0.1, count: 20), gates: []).summary
        let noise = Fixtures.report(millis: Array(repeating: 0.5, count: 20), gates: [])
            .gated(by: [], regressions: [Regression(baseline: baseline, tolerancePercent: 10)])
        let r = try Self.one(noise.results, .voiceToVoice, .p50)
        #expect(r.pass && r.limit == 1.1)
        let real = Fixtures.report(millis: Array(repeating: 1.2, count: 20), gates: [])
            .gated(by: [], regressions: [Regression(baseline: baseline, tolerancePercent: 10)])
        #expect(try !Self.one(real.results, .voiceToVoice, .p50).pass)
    }

    /// Five values are too few to judge a p95 by: skipped with a note, not failed.
    @Test func tooFewSamplesAreSkippedWithANote() throws {
        let run = Fixtures.report(millis: Array(repeating: 500, count: 5), gates: [])
            .gated(by: [], regressions: [Regression(baseline: Self.twentyAt100, tolerancePercent: 10, minSamples: 10)])
        let r = try Self.one(run.results, .voiceToVoice, .p95)
        #expect(r.pass && r.limit == nil && r.baseline == 100)
        #expect(r.note == "skipped: 5 value(s) in the run, 20 in the baseline, fewer than --min-samples 10")
        #expect(run.exit == .success)
        let strict = Fixtures.report(millis: Array(repeating: 500, count: 5), gates: [])
            .gated(by: [], regressions: [Regression(baseline: Self.twentyAt100, tolerancePercent: 10, minSamples: 5)])
        #expect(strict.exit == .gateFailed)
    }

    /// A metric the baseline measured and the run did not fails; one only the run has is reported.
    @Test func aMetricGoneFromTheRunFails() throws {
        var baselineTurns = (0..<20).map { Fixtures.turn(session: $0, micros: 100_000) }
        baselineTurns += (20..<30).map { Fixtures.turn(session: $0, micros: 100_000, kind: .bargeIn, stop: .milliseconds(50)) }
        let baseline = RunReport(info: Fixtures.info(gates: []), turns: baselineTurns, stages: []).summary
        let run = Fixtures.report(millis: Array(repeating: 100, count: 30), gates: [])
            .gated(by: [], regressions: [Regression(baseline: baseline, tolerancePercent: 10)])
        let stop = try Self.one(run.results, .stopLatency, .p50)
        #expect(!stop.pass && stop.observed == nil && stop.note == "missing from the run")
        #expect(run.summary["cascade", .stopLatency]?.pass == false, "the gone metric keeps a failing summary row")
    }
}
