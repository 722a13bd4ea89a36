import EarshotAudio
import EarshotCore
@testable import EarshotStages
import Foundation
import Testing

@Suite struct TransportStageTests {
    static func tone(_ k: Int, rate: Int = 16_000) -> AudioChunk {
        let n = rate / 50
        let step = 2 * Float.pi * 300 / Float(rate)
        return AudioChunk(samples: (0..<n).map { i -> Float in 0.4 * sin(step * Float(k * n + i)) }, sampleRate: rate)
    }

    static func leg(_ direction: TransportStage.Direction = .uplink, network: NetworkModel.Configuration,
                    minDelay: Duration, codec: TransportStage.Codec = .opus) -> TransportStage {
        var c = TransportStage.Configuration(direction: direction)
        c.network = network
        c.codec = codec
        c.jitterBuffer = JitterBuffer.Configuration(minDelay: minDelay)
        return TransportStage(c)
    }

    /// Feeds `count` 20 ms frames at the source's pace (frame k when its last sample is in), then
    /// lets the leg drain.
    static func drive(_ stage: TransportStage, count: Int) throws -> StageHarness {
        let h = StageHarness(stage)
        for k in 0..<count {
            h.advance(by: .milliseconds(20))
            try h.feed(.audio(tone(k)))
        }
        h.advance(by: .seconds(1))
        return h
    }

    /// Ten minutes of talk spurts on a congested path, cut by interruptions: packets lost on the
    /// way or discarded late are never decoded, and what the leg keeps for them goes all the same
    /// (it grew by about 14 entries a thousand frames with Opus, 68 with PCM, for the whole session).
    @Test(arguments: [TransportStage.Codec.opus, .pcm])
    func aLongLossyStreamLeavesNoPacketStateBehind(codec: TransportStage.Codec) throws {
        var c = TransportStage.Configuration(direction: .downlink)
        c.network = try #require(NetworkProfile.named("congested")).configuration
        c.codec = codec
        let stage = TransportStage(c)
        let h = StageHarness(stage)
        var kept: [Int] = []
        for k in 0..<30_000 {
            h.advance(by: .milliseconds(20))
            if (k / 150) % 2 == 0 { try h.feed(.audio(Self.tone(k)), turn: 1 + k / 300) }
            if k % 1000 == 999 { try h.feed(.event(.interruption), turn: 1 + k / 300) }
            if k % 10_000 == 9_999 { kept.append(stage.packetsKept) }
        }
        // What is in flight and in the buffer, not what the session has lost so far.
        #expect(kept.allSatisfy { $0 < 100 }, "\(kept)")
    }

    /// 30 ms one way, no jitter, a 20 ms floor: each decoded frame leaves exactly 50 ms after its
    /// input frame went in.
    @Test func noJitterAddsOnlyTheBuffersMinimum() throws {
        let h = try Self.drive(Self.leg(network: .init(delay: .milliseconds(30)), minDelay: .milliseconds(20)), count: 100)
        // The first decoded frame opens with the look-ahead's 104 samples, still "before" turn 1,
        // so it comes out in two parts; after the stream ends the receiver conceals a few frames
        // before it decides the sender has paused. Every frame of the stream proper leaves 50 ms on.
        let stream = h.emitted.filter { $0.turn == 1 }.prefix(100)
        #expect(stream.count == 100)
        #expect(stream.allSatisfy { $0.emittedAt - $0.origin == .milliseconds(50) })
        let inStream = h.emitted.filter { $0.emittedAt < .milliseconds(70 + 100 * 20) }
        #expect(inStream.reduce(0) { $0 + ($1.audio?.frameCount ?? 0) } == 100 * 320)
    }

    /// 10 % independent loss: concealment (FEC where the next packet is in, PLC otherwise) keeps
    /// the decoded stream gapless — a frame every 20 ms, each carrying tone, as many as went in.
    @Test func randomLossStillGivesContinuousAudioOfTheRightLength() throws {
        let network = NetworkModel.Configuration(delay: .milliseconds(20), loss: .independent(rate: 0.1))
        let count = 500
        let h = try Self.drive(Self.leg(network: network, minDelay: .milliseconds(20)), count: count)
        // The same draws the stage made: how many packets the path lost.
        var replay = NetworkModel(network)
        let random = SeededRandom(runSeed: 1, session: 0).split("uplink#0").split("network")
        let lost = (0..<count).filter { replay.transmit(at: .milliseconds(Int64($0 + 1) * 20), random: random) == nil }.count
        #expect(lost > 30 && lost < 70, "lost \(lost)")

        let first = try #require(h.emitted.first?.emittedAt)
        let stream = h.emitted.filter { $0.emittedAt < first + .milliseconds(Int64(count) * 20) }
        #expect(stream.reduce(0) { $0 + ($1.audio?.frameCount ?? 0) } == count * 320)
        // Gapless: 20 ms of audio leaves every 20 ms (the first frame in two parts, see above).
        let times = Dictionary(grouping: stream, by: \.emittedAt).mapValues { $0.reduce(0) { $0 + ($1.audio?.frameCount ?? 0) } }
        #expect(times.count == count)
        #expect(times.keys.sorted() == (0..<count).map { first + .milliseconds(Int64($0) * 20) })
        #expect(times.values.allSatisfy { $0 == 320 })
        // Opus needs a few frames to settle at the start; after that no frame is a hole.
        let holes = stream.dropFirst(4).filter { ($0.audio?.levelDBFS ?? -120) < Level.defaultSilenceThresholdDBFS }.map(\.emittedAt)
        #expect(holes.isEmpty, "inaudible frames at \(holes)")
    }

    /// The uplink marks the user's end where the decoded frame holding the last speech sample
    /// leaves: with PCM and no network, at the end of the 20 ms frame holding it; with Opus the
    /// 6.5 ms look-ahead pushes a sample in a frame's last 6.5 ms into the next frame.
    @Test(arguments: [(TransportStage.Codec.pcm, 2000, 2000), (.pcm, 2010, 2020), (.opus, 2000, 2020), (.opus, 2010, 2020), (.opus, 1990, 2000)])
    func uplinkMarksTheUsersLastSampleLeaving(codec: TransportStage.Codec, endMs: Int, markMs: Int) throws {
        let scenario = DesignTestSignals.scenario(totalMs: 3000, turns: [(.turn, 1000, endMs, [], "x")])
        let result = try VirtualRuntime(pipeline: .chain("up", [
            StageSpec("uplink") { Self.leg(network: .none, minDelay: .zero, codec: codec) },
        ]), scenarios: [scenario]).run()
        #expect(result.turns[0].marks[.uplink] == .milliseconds(Int64(markMs)))
    }

    /// An interruption reaches the receiver after the one-way delay and drops everything sent
    /// before it that is still queued or in flight.
    @Test func anInterruptionClearsWhatIsQueued() throws {
        let stage = Self.leg(.downlink, network: .init(delay: .milliseconds(40)), minDelay: .milliseconds(20))
        let h = StageHarness(stage)
        // Two seconds of agent audio in one burst: the sender paces it a frame at a time.
        let burst = AudioChunk(samples: (0..<100).flatMap { Self.tone($0).samples }, sampleRate: 16_000)
        try h.feed(.audio(burst))
        h.advance(by: .milliseconds(500))
        try h.feed(.event(.interruption), turn: 2)
        h.advance(by: .seconds(3))
        let audio = h.emitted.filter { $0.audio != nil }
        let cutAt = try #require(h.emitted.first { $0.event == .interruption }?.emittedAt)
        #expect(cutAt == .milliseconds(540))
        #expect(audio.allSatisfy { $0.emittedAt <= cutAt })
        #expect(audio.count < 30)
        #expect(h.marks[1]?[Mark.downlink] == .milliseconds(60))
    }

    /// A named network supplies every figure not given; a given one overrides just that figure.
    @Test func yamlNetworksAndOverrides() throws {
        let yaml = """
            name: legs
            stages:
              - {stage: uplink, network: 4g, delay_ms: 10, loss_percent: 5, loss_burst: 0, source: test}
              - {stage: downlink, network: none, source: test}
              - {stage: downlink, id: wifi-down, network: wifi, jitter: 7, reorder: "true", source: test}
            """
        let file = try PipelineFile.parse(yaml, file: "legs.yaml")
        let legs = try file.pipeline.steps.map { step -> TransportStage in
            guard case .stage(let spec) = step, let leg = try spec.make() as? TransportStage else { throw StageFailure(stage: "?", reason: "not a leg") }
            return leg
        }
        let lte = try #require(NetworkProfile.named("4g")).configuration
        #expect(legs[0].configuration.network.delay == .milliseconds(10))
        #expect(legs[0].configuration.network.jitter == lte.jitter)
        #expect(legs[0].configuration.network.loss == .independent(rate: 0.05))
        #expect(legs[0].configuration.jitterBuffer.minDelay == .milliseconds(20))
        #expect(legs[1].configuration.network == .none)
        #expect(legs[1].configuration.jitterBuffer.minDelay == .zero)
        #expect(legs[2].configuration.network.jitter == .fixed(.milliseconds(7)))
        #expect(legs[2].configuration.network.reorders)
        #expect(legs[2].configuration.network.loss == NetworkProfile.wifi.configuration.loss)
        #expect(file.pipeline.steps.count == 3)
        #expect(throws: InputError.self) {
            try PipelineFile.parse("name: x\nstages:\n  - {stage: uplink, network: moon}\n", file: "x.yaml")
        }
    }
}
