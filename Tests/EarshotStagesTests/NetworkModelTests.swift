import EarshotAudio
import EarshotCore
import Testing

@Suite struct NetworkModelTests {
    static func lossRate(_ model: GilbertElliott, packets: Int, seed: UInt64) -> (rate: Double, meanBurst: Double) {
        var ge = model
        let random = SeededRandom(seed: seed)
        var lost = 0, bursts = 0, previous = false
        for _ in 0..<packets {
            let l = ge.next(random)
            if l { lost += 1; if !previous { bursts += 1 } }
            previous = l
        }
        return (Double(lost) / Double(packets), bursts == 0 ? 0 : Double(lost) / Double(bursts))
    }

    /// p = 0.05, r = 0.3: the chain is bad 0.05 / 0.35 = 14.29 % of the time and loses every bad
    /// packet. Over 200 000 packets the standard error, inflated by the burstiness
    /// ((1 + λ) / (1 − λ) with λ = 1 − p − r = 0.65), is about 0.17 %; the tolerance is 1 % (6σ).
    @Test func gilbertElliottConvergesToItsStationaryLossRate() {
        let ge = GilbertElliott(goodToBad: 0.05, badToGood: 0.3)
        #expect(abs(ge.stationaryLossRate - 0.05 / 0.35) < 1e-12)
        for seed: UInt64 in [1, 2, 3] {
            let measured = Self.lossRate(ge, packets: 200_000, seed: seed)
            #expect(abs(measured.rate - 0.05 / 0.35) < 0.01, "seed \(seed): \(measured.rate)")
            // Bad runs last 1 / r = 3.33 packets on average.
            #expect(abs(measured.meanBurst - 1 / 0.3) < 0.15, "seed \(seed): \(measured.meanBurst)")
        }
    }

    /// Loss in both states: 2 % while good, 50 % while bad, bad a fifth of the time → 11.6 %.
    @Test func lossInBothStatesWeighsByTimeInEach() {
        let ge = GilbertElliott(goodToBad: 0.05, badToGood: 0.2, lossInGood: 0.02, lossInBad: 0.5)
        #expect(abs(ge.stationaryLossRate - (0.8 * 0.02 + 0.2 * 0.5)) < 1e-12)
        let measured = Self.lossRate(ge, packets: 200_000, seed: 7)
        #expect(abs(measured.rate - 0.116) < 0.01)
    }

    @Test func burstyAndIndependentHelpersHitTheirRates() {
        let bursty = GilbertElliott.bursty(rate: 0.03, meanBurst: 3)
        #expect(abs(bursty.stationaryLossRate - 0.03) < 1e-12)
        let b = Self.lossRate(bursty, packets: 300_000, seed: 11)
        #expect(abs(b.rate - 0.03) < 0.005)
        #expect(abs(b.meanBurst - 3) < 0.25)
        // Independent losses: σ over 100 000 packets is 0.095 %.
        let independent = Self.lossRate(.independent(rate: 0.1), packets: 100_000, seed: 5)
        #expect(abs(independent.rate - 0.1) < 0.005)
        #expect(abs(independent.meanBurst - 1 / 0.9) < 0.05)
    }

    @Test func aFifoPathNeverReordersButAMultipathOneDoes() {
        let jitter = DelayDistribution.uniform(.zero, .milliseconds(60))
        for reorders in [false, true] {
            var net = NetworkModel(.init(delay: .milliseconds(30), jitter: jitter, reorders: reorders))
            let random = SeededRandom(seed: 3)
            let arrivals = (0..<1000).compactMap { net.transmit(at: .milliseconds(Int64($0) * 20), random: random) }
            #expect(arrivals.count == 1000)
            #expect(arrivals.allSatisfy { $0 >= .milliseconds(30) })
            let inOrder = zip(arrivals, arrivals.dropFirst()).allSatisfy { $0 <= $1 }
            #expect(inOrder == !reorders)
        }
    }

    @Test func sameSeedSamePath() {
        let config = NetworkModel.Configuration(delay: .milliseconds(20), jitter: .logNormal(median: .milliseconds(5), sigma: 0.8),
                                                loss: .bursty(rate: 0.05, meanBurst: 2))
        func path() -> [RunTime?] {
            var net = NetworkModel(config)
            let random = SeededRandom(seed: 9)
            return (0..<500).map { net.transmit(at: .milliseconds(Int64($0) * 20), random: random) }
        }
        #expect(path() == path())
    }
}
