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

    @Test func onlyAnsweredTurnsCountLatency() throws {
        let scenario = Synthetic.scenario(totalMs: 9000, turns: [(.turn, 1000, 2000), (.turn, 5000, 6000)])
        var steps = TestPipelines.cascade().steps
        steps.insert(.stage(StageSpec("failing") { FailingStage(failTurns: [1]) }), at: 1)
        let turns = try VirtualRuntime(pipeline: Pipeline(name: "d", steps: steps), scenarios: [scenario]).run().turns
        #expect(turns.map(\.outcome) == [.failed, .responded])
        #expect(turns.map(\.countsLatency) == [false, true])
        #expect(turns[1].voiceToVoice == .milliseconds(500))
        #expect(turns[1].breakdown.first { $0.name == "stt_final" }?.duration == .milliseconds(100))
    }
}

@Suite struct TalkOverTests {
    /// A talked-over turn keeps its negative voice-to-voice in its row but leaves the percentiles
    /// (it is no fast answer), and only its first segment may be negative: marks after the first
    /// audible audio (the uplink's, at the user's last frame) caused none of it.
    @Test func aTalkedOverTurnCountsNoLatencyAndOnlyItsFirstSegmentIsNegative() throws {
        let scenario = Synthetic.scenario(totalMs: 4000, turns: [(.turn, 1000, 2000)])
        let pipeline = Pipeline.chain("eager", [
            StageSpec("eager") {
                TestDelay("eager", consumes: .audio, produces: .audio, delay: .fixed(.milliseconds(300)), mark: .ttsFirstAudio) {
                    $0.turn == 1 && $0.emittedAt == .milliseconds(1020) ? .audio(Synthetic.chunk(ms: 100)) : nil
                }
            },
        ])
        let turn = try #require(try VirtualRuntime(pipeline: pipeline, scenarios: [scenario]).run().turns.first)
        #expect(turn.outcome == .talkedOver && !turn.countsLatency)
        #expect(turn.voiceToVoice == .milliseconds(-680))
        let segments = turn.breakdown
        #expect(segments.map(\.duration).reduce(.zero, +) == turn.voiceToVoice)
        #expect(segments.dropFirst().allSatisfy { $0.duration >= .zero }, "\(segments)")
    }
}
