import EarshotCore
import EarshotStages
import Testing

/// The duplex model in virtual time, no transport: source frames of 20 ms reach it when their last
/// sample is captured, so step j's input (80 ms) is complete at (j + 1) · 80 ms and the step has
/// heard the timeline up to that instant. Known answers follow from the rule in `DuplexModel`'s
/// documentation.
@Suite struct DuplexModelTests {
    static func model(stepMs: Int64 = 0, replyMs: Int64 = 160, acoustic: Int = 1, stopMs: Int64 = 160,
                      takeover: Double = 0, backchannels: Double = 0) -> DuplexModel.Configuration {
        var c = DuplexModel.Configuration()
        c.stepTime = .fixed(.milliseconds(stepMs))
        c.replyDelay = .fixed(.milliseconds(replyMs))
        c.acousticDelay = acoustic
        c.stopLatency = .fixed(.milliseconds(stopMs))
        c.takeoverProbability = takeover
        c.backchannelRate = backchannels
        c.voice = .tone
        return c
    }

    static func run(_ c: DuplexModel.Configuration, _ scenario: Scenario) throws -> RunResult {
        try VirtualRuntime(pipeline: .chain("duplex", [StageSpec("duplex-model") { DuplexModel(c) }]), scenarios: [scenario]).run()
    }

    static func ceilTo(_ x: Int64, _ f: Int64) -> Int64 { (x + f - 1) / f * f }

    /// user_end 2000 + reply delay 160 = 2160 ms: the step whose input ends at 2160 is the first to
    /// have heard it and decides; one step of acoustic delay puts the first reply audio in the
    /// step whose input ends at 2240, out after the step time. In general voice-to-voice =
    /// ceil((end + delay) / 80) · 80 + acoustic · 80 + step − end: the frame alignment is the
    /// rounding up to the next 80 ms boundary of the timeline.
    @Test(arguments: [(2000, 160, 0), (2000, 160, 30), (2000, 100, 0), (2030, 0, 25), (1990, 240, 70)])
    func replyStartsAtEndPlusDelayPlusAcousticDelayAlignedToTheFrame(endMs: Int, replyMs: Int64, stepMs: Int64) throws {
        for rate in [16_000, 24_000] {
            let scenario = DesignTestSignals.scenario(totalMs: 6000, rate: rate, turns: [(.turn, 1000, endMs, [], "a reply of some length")])
            let result = try Self.run(Self.model(stepMs: stepMs, replyMs: replyMs), scenario)
            let expected = Self.ceilTo(Int64(endMs) + replyMs, 80) + 80 + stepMs - Int64(endMs)
            #expect(result.turns[0].voiceToVoice == .milliseconds(expected), "rate \(rate)")
            #expect(result.turns[0].outcome == .responded)
            #expect(result.turns[0].marks[.modelFirstAudio] == result.turns[0].agentStart)
        }
    }

    @Test func moreAcousticDelayMovesTheReplyByWholeFrames() throws {
        let scenario = DesignTestSignals.scenario(totalMs: 6000, turns: [(.turn, 1000, 2000, [], "reply")])
        let v1 = try Self.run(Self.model(acoustic: 1), scenario).turns[0].voiceToVoice
        let v3 = try Self.run(Self.model(acoustic: 3), scenario).turns[0].voiceToVoice
        #expect(v1 == .milliseconds(160 + 80))
        #expect(v3 == .milliseconds(160 + 240))
    }

    /// Barge-in onset at 3200 ms; the first step to have heard 3200 + 160 ends at 3360 and is
    /// silent; the step before it plays until that one is out: stop latency
    /// = ceil((onset + stop) / 80) · 80 + step − onset, exactly `stop_latency` when aligned and free.
    @Test(arguments: [(3200, 160, 0), (3200, 160, 35), (3210, 160, 0), (3200, 300, 10)])
    func bargeInStopsWithinTheStopLatency(onsetMs: Int, stopMs: Int64, stepMs: Int64) throws {
        let long = String(repeating: "talking at length ", count: 10)
        let scenario = DesignTestSignals.scenario(totalMs: 8000, turns: [
            (.turn, 1000, 2000, [], long), (.bargeIn, onsetMs, onsetMs + 400, [], "ok"),
        ])
        let result = try Self.run(Self.model(stepMs: stepMs, stopMs: stopMs), scenario)
        let expected = Self.ceilTo(Int64(onsetMs) + stopMs, 80) + stepMs - Int64(onsetMs)
        #expect(result.turns[1].stopLatency == .milliseconds(expected))
        #expect(result.turns[0].outcome == .interrupted)
        // After stopping it answers the barge-in like any turn.
        #expect(result.turns[1].voiceToVoice == .milliseconds(Self.ceilTo(Int64(onsetMs) + 400 + 160, 80) + 80 + stepMs - Int64(onsetMs) - 400))
    }

    /// A step that takes 100 ms on 80 ms frames starts 20 ms later than the one before: by the
    /// step that carries the reply (index J) the model is J · 20 ms behind, and the reply with it.
    @Test func slowStepsFallBehindByAComputableAmount() throws {
        let scenario = DesignTestSignals.scenario(totalMs: 6000, turns: [(.turn, 1000, 2000, [], "reply")])
        let onTime = try Self.run(Self.model(stepMs: 60), scenario).turns[0].voiceToVoice!
        let late = try Self.run(Self.model(stepMs: 100), scenario).turns[0].voiceToVoice!
        // The decision step (0-based) is the one whose input ends at 2160; the reply comes a step later.
        let decision = Self.ceilTo(2160, 80) / 80 - 1
        let replyStep = decision + 1
        // Step k finishes at 80 (first input) + (k + 1) · 100 when always behind, instead of (k + 1) · 80 + 100.
        let behind = Duration.milliseconds(replyStep * 20)
        #expect(late - onTime == behind + .milliseconds(40))
        #expect(late == .milliseconds(80 + (replyStep + 1) * 100 - 2000))
    }

    @Test func takesOverAMidTurnPauseWhenToldToAndYieldsWhenTheUserGoesOn() throws {
        let scenario = DesignTestSignals.scenario(totalMs: 9000, turns: [(.turn, 1000, 4000, [2000..<2800], "a reply of some length")])
        let always = try Self.run(Self.model(replyMs: 160, takeover: 1), scenario).turns[0]
        #expect(always.outcome == .talkedOver)
        // Decides 160 ms into the pause (heard by the step ending at 2240), speaks a step later.
        #expect(always.agentStart == .milliseconds(Self.ceilTo(2160, 80) + 80))
        let never = try Self.run(Self.model(replyMs: 160, takeover: 0), scenario).turns[0]
        #expect(never.outcome == .responded)
        #expect(never.voiceToVoice == .milliseconds(Self.ceilTo(4160, 80) + 80 - 4000))
    }

    @Test func backchannelsDuringLongTurnsAreNotTakenForTheReply() throws {
        let scenario = DesignTestSignals.scenario(totalMs: 14000, turns: [(.turn, 1000, 9000, [], "reply")])
        let c = Self.model(backchannels: 2)
        let log = DuplexFrameLog()
        let result = try VirtualRuntime(pipeline: .chain("duplex", [
            StageSpec("duplex-model") { DuplexModel(c) }, StageSpec("recorder") { DuplexRecorder(log) },
        ]), scenarios: [scenario]).run()
        #expect(result.turns[0].outcome == .responded)
        #expect(result.turns[0].voiceToVoice == .milliseconds(Self.ceilTo(9160, 80) + 80 - 9000))
        // Backchannels went out while the user spoke, as turn 0 audio, at least a second into the turn.
        let backchannel = log.frames.filter { $0.turn == 0 && ($0.audio?.levelDBFS ?? -120) > -50 }
        #expect(!backchannel.isEmpty)
        #expect(backchannel.allSatisfy { $0.emittedAt > .milliseconds(2000) && $0.emittedAt < .milliseconds(9500) })
    }
}
