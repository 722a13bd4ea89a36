import EarshotAudio
import EarshotCore
import Testing

@Suite struct JitterBufferTests {
    static func packet(_ seq: Int) -> EncodedPacket {
        EncodedPacket(payload: [UInt8(seq % 256)], sequence: seq, sampleCount: 320, sampleRate: 16_000)
    }

    /// Runs a buffer over packets sent every 20 ms with the given transit per packet (nil: lost);
    /// returns what each pull gave and when.
    static func play(_ transits: [Duration?], config: JitterBuffer.Configuration) -> (outputs: [(RunTime, JitterBuffer.Output)], buffer: JitterBuffer) {
        var jb = JitterBuffer(config)
        var arrivals: [(RunTime, Int)] = transits.enumerated().compactMap { i, t in t.map { (.milliseconds(Int64(i) * 20) + $0, i) } }
        arrivals.sort { $0.0 < $1.0 }
        var outputs: [(RunTime, JitterBuffer.Output)] = []
        var next = 0
        var guardCount = 0
        while guardCount < 10_000 {
            guardCount += 1
            let pullAt = jb.nextPlayout
            let arriveAt = next < arrivals.count ? arrivals[next].0 : nil
            // A packet arriving at the very instant of a pull is in time for it.
            if let a = arriveAt, pullAt.map({ a <= $0 }) ?? true {
                let seq = arrivals[next].1
                jb.insert(packet(seq), timestamp: .milliseconds(Int64(seq) * 20), arrivedAt: a)
                next += 1
            } else if let p = pullAt {
                outputs.append((p, jb.pull(at: p)))
            } else {
                break
            }
        }
        return (outputs, jb)
    }

    /// With every packet 30 ms in transit the buffer holds each for exactly its minimum, 20 ms.
    @Test func noJitterAddsOnlyTheMinimumDelay() {
        let (outputs, jb) = Self.play(Array(repeating: .milliseconds(30), count: 200),
                                      config: .init(minDelay: .milliseconds(20)))
        let played = outputs.compactMap { t, o -> (RunTime, Int)? in if case .packet(let p) = o { (t, p.sequence) } else { nil } }
        #expect(played.count == 200)
        #expect(played.allSatisfy { t, seq in t == .milliseconds(Int64(seq) * 20 + 30 + 20) })
        #expect(jb.targetDelay == .milliseconds(20))
    }

    /// Transits spread evenly over 30...70 ms: the target settles near the 95th percentile of the
    /// excess over the fastest (about 38 ms), and almost every packet is in time.
    @Test func theTargetFollowsTheJitter() {
        let random = SeededRandom(seed: 4)
        let transits: [Duration?] = (0..<500).map { _ in DelayDistribution.uniform(.milliseconds(30), .milliseconds(70)).sample(random) }
        let (outputs, jb) = Self.play(transits, config: .init(minDelay: .milliseconds(20), maxDelay: .milliseconds(400)))
        #expect(jb.targetDelay > .milliseconds(34) && jb.targetDelay <= .milliseconds(40))
        let concealed = outputs.filter { if case .conceal = $0.1 { true } else { false } }.count
        #expect(concealed < 25)
    }

    @Test func aLostPacketIsRebuiltFromTheNextOnesFECWhenItIsThere() {
        var transits: [Duration?] = Array(repeating: .milliseconds(10), count: 10)
        transits[4] = nil
        let (outputs, _) = Self.play(transits, config: .init(minDelay: .milliseconds(40)))
        #expect(outputs.contains { if case .recover(lost: 4, from: let p) = $0.1 { p.sequence == 5 } else { false } })
        let kinds = outputs.map { o -> String in
            switch o.1 {
            case .packet(let p): "p\(p.sequence)"
            case .recover(let lost, _): "r\(lost)"
            case .conceal(let lost): "c\(lost.map(String.init) ?? "-")"
            case .nothing: "."
            }
        }
        #expect(Array(kinds.prefix(10)) == ["p0", "p1", "p2", "p3", "r4", "p5", "p6", "p7", "p8", "p9"])
        // Slots stay a frame apart: the loss cost no time.
        #expect(outputs.prefix(10).map(\.0) == (0..<10).map { RunTime.milliseconds(Int64($0) * 20 + 50) })
    }

    @Test func aLatePacketStretchesTheDelayInsteadOfBeingLost() {
        var transits: [Duration?] = Array(repeating: .milliseconds(10), count: 10)
        transits[5] = .milliseconds(45)   // 25 ms later than the rest, and FIFO holds 6... back behind it
        for i in 6..<10 { transits[i] = .milliseconds(max(10, 45 - 20 * Int64(i - 5))) }
        let (outputs, _) = Self.play(transits, config: .init(minDelay: .milliseconds(20)))
        let kinds = outputs.prefix(11).map { o -> String in
            switch o.1 {
            case .packet(let p): "p\(p.sequence)"
            case .conceal(let lost): "c\(lost.map(String.init) ?? "-")"
            default: "?"
            }
        }
        #expect(kinds == ["p0", "p1", "p2", "p3", "p4", "c-", "p5", "p6", "p7", "p8", "p9"])
    }

    @Test func aCutDropsWhatCameBeforeIt() {
        var jb = JitterBuffer(.init(minDelay: .milliseconds(20)))
        for seq in 0..<5 { jb.insert(Self.packet(seq), timestamp: .milliseconds(Int64(seq) * 20), arrivedAt: .milliseconds(Int64(seq) * 20 + 10)) }
        jb.cut(before: 5)
        #expect(jb.count == 0)
        #expect(jb.nextPlayout == nil)
        let late = jb.insert(Self.packet(3), timestamp: .milliseconds(60), arrivedAt: .milliseconds(200))
        #expect(!late)
        let fresh = jb.insert(Self.packet(5), timestamp: .milliseconds(500), arrivedAt: .milliseconds(510))
        #expect(fresh)
        #expect(jb.nextPlayout == .milliseconds(530))
    }
}
