import EarshotCore
import EarshotStages
import Testing

/// `duplex-model` with `turn_taking: listen`, in virtual time with no transport (see
/// `DuplexModelTests` for the framing): step j hears input [j · 80, (j + 1) · 80) ms by
/// (j + 1) · 80 ms. The test tone is −9 dBFS, so any frame holding some of it is voiced. Known
/// answers follow from the rules in `DuplexModel`'s documentation.
@Suite struct DuplexListeningTests {
    static func listening(stepMs: Int64 = 0, reactionMs: Int64 = 160, pauseMs: Int64 = 160, stopMs: Int64 = 160,
                          backchannels: Double = 0) -> DuplexModel.Configuration {
        var c = DuplexModelTests.model(stepMs: stepMs, stopMs: stopMs, backchannels: backchannels)
        c.turnTaking = .listen
        c.reaction = .milliseconds(reactionMs)
        c.pauseTolerance = .milliseconds(pauseMs)
        return c
    }

    static func ceilTo(_ x: Int64, _ f: Int64) -> Int64 { DuplexModelTests.ceilTo(x, f) }

    /// One turn 1000–4000 ms whose audio falls silent over 2000–2800 ms, and whose labels do not
    /// say so: the script model, told to take every pause, has none to take and answers the end;
    /// the listening model hears 160 ms of silence by 2160 and speaks a step later, over the user.
    @Test func takesTheTurnAtAPauseItWasNotToldAbout() throws {
        var scenario = DesignTestSignals.scenario(totalMs: 9000, turns: [(.turn, 1000, 4000, [2000..<2800], "a reply of some length")])
        scenario.turns[0].pauses = []
        let told = try DuplexModelTests.run(DuplexModelTests.model(replyMs: 160, takeover: 1), scenario).turns[0]
        #expect(told.outcome == .responded)
        #expect(told.voiceToVoice == .milliseconds(Self.ceilTo(4160, 80) + 80 - 4000))
        let heard = try DuplexModelTests.run(Self.listening(), scenario).turns[0]
        #expect(heard.outcome == .talkedOver)
        #expect(heard.agentStart == .milliseconds(2160 + 80))
    }

    /// AudioFixtures' mid-turn-pause with the 730 ms pause (2840–3570 ms) struck from its labels,
    /// as in a recording nobody labelled. Listening with a 240 ms tolerance, the model speaks
    /// inside the pause: 240 ms + one step of acoustic delay after 2800 ms, where it hears the
    /// pause begin (the clause's faint tail, speech on the manifest's 10 ms frames, averages under
    /// −40 dBFS over the 80 ms frame 2800–2880);
    /// with 800 ms it waits the pause out and answers the real end, as the script model does.
    @Test func aRealMidTurnPauseLongerThanTheToleranceIsTakenAsAnEnd() throws {
        var scenario = try EngineTestSupport.scenario("mid-turn-pause")
        scenario.turns[0].pauses = []
        let short = try DuplexModelTests.run(Self.listening(pauseMs: 240), scenario).turns[0]
        #expect(short.outcome == .talkedOver)
        let start = try #require(short.agentStart)
        #expect(start > .milliseconds(2840) && start < .milliseconds(3570), "\(start)")
        #expect(start == .milliseconds(2800 + 240 + 80))
        let long = try DuplexModelTests.run(Self.listening(pauseMs: 800), scenario).turns[0]
        #expect(long.outcome == .responded)
        let script = try DuplexModelTests.run(DuplexModelTests.model(takeover: 1), scenario).turns[0]
        #expect(script.outcome == .responded)
    }

    /// The end of speech is heard at the end of the frame that holds it; `pause` of silence in
    /// whole frames later the model decides, and speaks one step of acoustic delay after that:
    /// voice-to-voice = ceil(end / 80) · 80 + ceil(pause / 80) · 80 + 80 + step − end, so never more
    /// than one frame + pause tolerance + acoustic delay + step time.
    @Test(arguments: [(2000, 160, 0), (2000, 240, 30), (2030, 160, 25), (1990, 80, 10), (2000, 200, 0)])
    func answersTheRealEndAfterThePauseToleranceAndAcousticDelay(endMs: Int, pauseMs: Int64, stepMs: Int64) throws {
        for rate in [16_000, 24_000] {
            let scenario = DesignTestSignals.scenario(totalMs: 6000, rate: rate, turns: [(.turn, 1000, endMs, [], "a reply of some length")])
            let turn = try DuplexModelTests.run(Self.listening(stepMs: stepMs, pauseMs: pauseMs), scenario).turns[0]
            let end = Int64(endMs)
            let expected = Self.ceilTo(end, 80) + Self.ceilTo(pauseMs, 80) + 80 + stepMs - end
            #expect(turn.voiceToVoice == .milliseconds(expected), "rate \(rate)")
            #expect(try #require(turn.voiceToVoice) <= .milliseconds(80 + Self.ceilTo(pauseMs, 80) + 80 + stepMs))
            #expect(turn.outcome == .responded)
            #expect(turn.marks[.modelFirstAudio] == turn.agentStart)
        }
    }

    /// A barge-in at 3200 ms over a long reply: the model stops at the first step that has heard
    /// both `reaction` of the user's speech and `stop_latency` past the onset, then answers the
    /// barge-in once it ends (3600 ms) and `pause` has passed.
    @Test(arguments: [(160, 160, 0), (160, 160, 35), (320, 160, 0), (80, 240, 10)])
    func stopsForABargeInItHears(reactionMs: Int64, stopMs: Int64, stepMs: Int64) throws {
        let long = String(repeating: "talking at length ", count: 10)
        let scenario = DesignTestSignals.scenario(totalMs: 8000, turns: [(.turn, 1000, 2000, [], long), (.bargeIn, 3200, 3600, [], "ok")])
        let turns = try DuplexModelTests.run(Self.listening(stepMs: stepMs, reactionMs: reactionMs, stopMs: stopMs), scenario).turns
        #expect(turns[0].outcome == .interrupted)
        #expect(turns[1].stopLatency == .milliseconds(max(Self.ceilTo(reactionMs, 80), Self.ceilTo(stopMs, 80)) + stepMs))
        #expect(turns[1].voiceToVoice == .milliseconds(160 + 80 + stepMs))
    }

    /// "mm hm" of 150 ms (two voiced frames) at 3200 ms over the reply: under a 240 ms reaction
    /// the model talks on and the backchannel is ignored; with 160 ms it counts as the user
    /// talking, and the reply is cut.
    @Test func aBackchannelShorterThanTheReactionDoesNotStopIt() throws {
        let long = String(repeating: "talking at length ", count: 10)
        let scenario = DesignTestSignals.scenario(totalMs: 8000, turns: [(.turn, 1000, 2000, [], long), (.backchannel, 3200, 3350, [], nil)])
        let patient = try DuplexModelTests.run(Self.listening(reactionMs: 240), scenario).turns
        #expect(patient.map(\.outcome) == [.responded, .ignored])
        let quick = try DuplexModelTests.run(Self.listening(reactionMs: 160), scenario).turns
        #expect(quick[0].outcome == .interrupted)
    }

    /// Backchannels come while it hears the user talk, as turn 0 audio, never taken for the reply.
    @Test func backchannelsDuringALongTurnAreNotTakenForTheReply() throws {
        let scenario = DesignTestSignals.scenario(totalMs: 14000, turns: [(.turn, 1000, 9000, [], "reply")])
        let c = Self.listening(backchannels: 2)
        let log = DuplexFrameLog()
        let result = try VirtualRuntime(pipeline: .chain("duplex", [
            StageSpec("duplex-model") { DuplexModel(c) }, StageSpec("recorder") { DuplexRecorder(log) },
        ]), scenarios: [scenario]).run()
        #expect(result.turns[0].outcome == .responded)
        #expect(result.turns[0].voiceToVoice == .milliseconds(Self.ceilTo(9000, 80) + 160 + 80 - 9000))
        let backchannel = log.frames.filter { $0.turn == 0 && ($0.audio?.levelDBFS ?? -120) > -50 }
        #expect(!backchannel.isEmpty)
        #expect(backchannel.allSatisfy { $0.emittedAt > .milliseconds(2000) && $0.emittedAt < .milliseconds(9500) })
    }

    @Test func anUnknownTurnTakingModeNamesTheParameter() {
        #expect {
            try PipelineFile.parse("name: x\nstages:\n  - stage: duplex-model\n    turn_taking: guess\n", file: "bad.yaml")
        } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.line == 4 && error.message.contains("duplex-model.turn_taking must be one of: script, listen")
        }
    }
}
