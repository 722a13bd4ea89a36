import EarshotCore

/// Packet loss with memory: the Gilbert–Elliott two-state model.
///
/// Losses on real paths come in bursts (a Wi-Fi retry storm, a cell handover, a queue
/// overflowing), which hurts a voice stream far more than the same rate spread evenly: Opus
/// FEC rebuilds one lost packet from the next, not five. The channel is either good or bad; each
/// packet is lost with the state's own probability, then the state moves on.
public struct GilbertElliott: Sendable, Equatable {
    /// Chance per packet of moving from good to bad (`p`).
    public var goodToBad: Double
    /// Chance per packet of moving from bad back to good (`r`); the mean bad run is `1 / r` packets.
    public var badToGood: Double
    /// Loss probability while good (`1 − k` in Elliott's notation).
    public var lossInGood: Double
    /// Loss probability while bad (`1 − h`).
    public var lossInBad: Double
    /// The state the next packet meets.
    public private(set) var isBad = false

    public init(goodToBad: Double, badToGood: Double, lossInGood: Double = 0, lossInBad: Double = 1) {
        precondition([goodToBad, badToGood, lossInGood, lossInBad].allSatisfy { (0...1).contains($0) },
                     "Gilbert–Elliott probabilities must be within 0...1")
        self.goodToBad = goodToBad
        self.badToGood = badToGood
        self.lossInGood = lossInGood
        self.lossInBad = lossInBad
    }

    /// No loss at all.
    public static let lossless = GilbertElliott(goodToBad: 0, badToGood: 1)

    /// Independent losses at `rate`: with p = rate and r = 1 − rate the next state no longer
    /// depends on the current one.
    public static func independent(rate: Double) -> GilbertElliott {
        GilbertElliott(goodToBad: rate, badToGood: 1 - rate)
    }

    /// Losses at a long-run `rate` arriving in bursts of `meanBurst` packets on average (the
    /// simple Gilbert model: every packet in the bad state is lost, none in the good one).
    /// A `meanBurst` of `1 / (1 − rate)` is the independent case; shorter is anti-bursty.
    public static func bursty(rate: Double, meanBurst: Double) -> GilbertElliott {
        precondition((0..<1).contains(rate), "loss rate must be within 0..<1")
        precondition(meanBurst >= 1, "a loss burst lasts at least one packet")
        guard rate > 0 else { return .lossless }
        let r = 1 / meanBurst
        return GilbertElliott(goodToBad: min(1, rate * r / (1 - rate)), badToGood: r)
    }

    /// Share of time in the bad state once the chain has forgotten where it started: p / (p + r).
    public var stationaryBadShare: Double {
        goodToBad + badToGood == 0 ? 0 : goodToBad / (goodToBad + badToGood)
    }

    /// The long-run loss rate: what a long enough run converges to.
    public var stationaryLossRate: Double {
        let bad = stationaryBadShare
        return (1 - bad) * lossInGood + bad * lossInBad
    }

    /// Decides the fate of one packet and moves the chain on. True means lost.
    public mutating func next(_ random: SeededRandom) -> Bool {
        let lost = random.chance(isBad ? lossInBad : lossInGood)
        isBad = random.chance(isBad ? 1 - badToGood : goodToBad)
        return lost
    }
}
