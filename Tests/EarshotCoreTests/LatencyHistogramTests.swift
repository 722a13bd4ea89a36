import EarshotCore
import Testing

@Suite struct LatencyHistogramTests {
    /// Nearest rank, by brute force over the sorted values.
    static func nearestRank(_ sorted: [Int64], _ p: Double) -> Int64 {
        sorted[max(1, Int((p / 100 * Double(sorted.count)).rounded(.up))) - 1]
    }

    /// Exact up to the limit, within HdrHistogram's 0.1% beyond it.
    @Test(arguments: [1, 2, 7, 100, 1001, LatencyHistogram.exactLimit + 1])
    func percentilesMatchNearestRank(n: Int) throws {
        let r = SeededRandom(seed: UInt64(n))
        // Voice-to-voice-like values in µs, some negative (talk-over).
        let values: [Int64] = (0..<n).map { _ in Int64(r.unit() * 1_500_000) - 200_000 }
        var h = LatencyHistogram()
        for v in values { h.record(.microseconds(v)) }
        let sorted = values.sorted()
        for p in [0.0, 25, 50, 75, 90, 95, 99, 100] {
            let got = try #require(h.percentile(p)).nanoseconds / 1000
            let want = Self.nearestRank(sorted, p)
            let allowed = n <= LatencyHistogram.exactLimit ? 0 : max(1, abs(want) / 1000)
            #expect(abs(got - want) <= allowed, "p\(p): \(got) vs \(want)")
        }
        #expect(h.min == .microseconds(sorted.first!))
        #expect(h.max == .microseconds(sorted.last!))
        #expect(h.mean == .nanoseconds(values.reduce(0, +) * 1000 / Int64(n)))
    }

    @Test func smallExactValuesComeBackExactly() {
        var h = LatencyHistogram()
        for ms in [510, 500, -680, 230] { h.record(.milliseconds(ms)) }
        #expect(h.percentile(25) == .milliseconds(-680))
        #expect(h.percentile(50) == .milliseconds(230))
        #expect(h.percentile(100) == .milliseconds(510))
    }

    @Test(arguments: [4000, LatencyHistogram.exactLimit + 4000])
    func mergingShardsEqualsOneHistogram(n: Int) {
        let r = SeededRandom(seed: 1)
        let values = (0..<n).map { _ in Duration.microseconds(Int64(r.unit() * 900_000) - 100_000) }
        var whole = LatencyHistogram()
        values.forEach { whole.record($0) }
        var merged = LatencyHistogram()
        for shard in 0..<4 {
            var h = LatencyHistogram()
            values.enumerated().filter { $0.offset % 4 == shard }.forEach { h.record($0.element) }
            merged.merge(h)
        }
        #expect(merged == whole)
        #expect(merged.percentile(95) == whole.percentile(95))
    }

    @Test func runMetricsCountOnlyAnsweredTurns() throws {
        let scenario = Synthetic.scenario(totalMs: 9000, turns: [(.turn, 1000, 2000), (.turn, 5000, 6000)])
        var steps = TestPipelines.cascade().steps
        steps.insert(.stage(StageSpec("failing") { FailingStage(failTurns: [1]) }), at: 1)
        let result = try VirtualRuntime(pipeline: Pipeline(name: "d", steps: steps), scenarios: [scenario]).run()
        let m = RunMetrics(turns: result.turns)
        #expect(m.outcomes["d"] == [.failed: 1, .responded: 1])
        let v2v = try #require(m.latencies[.init(design: "d", metric: "voice_to_voice")])
        #expect(v2v.count == 1)
        #expect(v2v.percentile(50) == .milliseconds(500))
        #expect(m.latencies[.init(design: "d", metric: "stt_final")]?.percentile(50) == .milliseconds(100))
    }
}

@Suite struct RunMetricsTalkOverTests {
    /// A talked-over turn counts in voice-to-voice (negative) but not in the breakdown segments,
    /// whose marks straddle user_end there.
    @Test func talkOverSegmentsStayOutOfTheSegmentStatistics() throws {
        let scenario = Synthetic.scenario(totalMs: 4000, turns: [(.turn, 1000, 2000)])
        let pipeline = Pipeline.chain("eager", [
            StageSpec("eager") {
                TestDelay("eager", consumes: .audio, produces: .audio, delay: .fixed(.milliseconds(300)), mark: .ttsFirstAudio) {
                    $0.turn == 1 && $0.emittedAt == .milliseconds(1020) ? .audio(Synthetic.chunk(ms: 100)) : nil
                }
            },
        ])
        let m = RunMetrics(turns: try VirtualRuntime(pipeline: pipeline, scenarios: [scenario]).run().turns)
        #expect(m.latencies[.init(design: "eager", metric: "voice_to_voice")]?.percentile(50) == .milliseconds(-680))
        #expect(m.latencies[.init(design: "eager", metric: "tts_first_audio")] == nil)
    }
}
