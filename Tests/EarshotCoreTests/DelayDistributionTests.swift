import EarshotCore
import Testing

@Suite struct DelayDistributionTests {
    static func draws(_ d: DelayDistribution, _ n: Int = 20_000) -> [Double] {
        let r = SeededRandom(seed: 42)
        return (0..<n).map { _ in d.sample(r).milliseconds }
    }

    static func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
    static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }

    @Test func fixedIsExact() {
        #expect(Set(Self.draws(.fixed(.milliseconds(150)), 100)) == [150])
    }

    @Test func uniformStaysInItsBoundsWithTheRightMean() {
        let x = Self.draws(.uniform(.milliseconds(40), .milliseconds(90)))
        #expect(x.min()! >= 40 && x.max()! <= 90)
        #expect(abs(Self.mean(x) - 65) < 0.5)
    }

    @Test func normalIsTruncatedAtZero() {
        let x = Self.draws(.normal(mean: .milliseconds(10), standardDeviation: .milliseconds(20)))
        #expect(x.min()! == 0)
        let wide = Self.draws(.normal(mean: .milliseconds(300), standardDeviation: .milliseconds(20)))
        #expect(abs(Self.mean(wide) - 300) < 1)
    }

    @Test func logNormalHasItsMedian() {
        let x = Self.draws(.logNormal(median: .milliseconds(200), sigma: 0.6))
        #expect(abs(Self.median(x) - 200) < 5)
        #expect(abs(Self.mean(x) - DelayDistribution.logNormal(median: .milliseconds(200), sigma: 0.6).mean.milliseconds) < 5)
    }

    @Test func empiricalDrawsOnlyItsSamples() {
        let x = Self.draws(.empirical([.milliseconds(5), .milliseconds(7), .milliseconds(11)]))
        #expect(Set(x) == [5, 7, 11])
    }

    @Test func splitStreamsAreIndependentOfOrder() {
        let a = SeededRandom(seed: 9)
        let s1 = a.split("stt#0").next()
        _ = a.split("llm#0").next()
        #expect(a.split("stt#0").next() == s1)
        #expect(a.split("stt#1").next() != s1)
    }
}
