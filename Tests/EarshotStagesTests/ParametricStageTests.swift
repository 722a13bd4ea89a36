import EarshotCore
import EarshotStages
import Testing

/// The parametric cloud stages on a hand-driven virtual clock: fixed delays in, exact times out.
@Suite struct ParametricStageTests {
    static let scenario = DesignTestSignals.scenario(totalMs: 4000, turns: [
        (.turn, 500, 1500, [], "Sure. The pharmacy closes at nine tonight."),
        (.backchannel, 2000, 2300, [], nil),
    ])

    @Test func llmFirstTokenArrivesExactlyAtTheFixedTimeToFirstToken() throws {
        var c = ScriptedLLM.Configuration()
        c.timeToFirstToken = .fixed(.milliseconds(350))
        c.tokenInterval = .fixed(.milliseconds(15))
        let h = StageHarness(ScriptedLLM(c), scenario: Self.scenario)
        h.advance(by: .milliseconds(100))
        try h.feed(.text(TextChunk("partial", isFinal: false)))
        try h.feed(.text(TextChunk("what time does it close", isFinal: true)))
        h.advance(by: .milliseconds(349))
        #expect(h.emitted.isEmpty)
        h.advance(by: .milliseconds(1))
        #expect(h.emitted.count == 1)
        #expect(h.marks[1]?[.llmFirstToken] == .milliseconds(450))
        h.advance(by: .seconds(1))
        let tokens = h.emitted.compactMap(\.text)
        #expect(tokens.map(\.text).joined() == "Sure. The pharmacy closes at nine tonight.")
        #expect(tokens.map(\.isFinal) == Array(repeating: false, count: tokens.count - 1) + [true])
        #expect(h.emitted.map(\.emittedAt) == (0..<tokens.count).map { RunTime.milliseconds(450 + 15 * Int64($0)) })
        #expect(h.finish().isClean)
    }

    @Test func llmStopsOnInterruptionAndIgnoresBackchannels() throws {
        var c = ScriptedLLM.Configuration()
        c.timeToFirstToken = .fixed(.milliseconds(100))
        c.tokenInterval = .fixed(.milliseconds(50))
        let h = StageHarness(ScriptedLLM(c), scenario: Self.scenario)
        try h.feed(.text(TextChunk("q", isFinal: true)))
        h.advance(by: .milliseconds(160))
        try h.feed(.event(.interruption))
        h.advance(by: .seconds(2))
        #expect(h.emitted.compactMap(\.text).count == 2)
        #expect(h.emitted.last?.event == .interruption)
        try h.feed(.text(TextChunk("mm hmm", isFinal: true)), turn: 2)
        h.advance(by: .seconds(2))
        #expect(h.emitted.filter { $0.turn == 2 && $0.text != nil }.isEmpty)
    }

    @Test func sttEmitsPartialsWhileSpeechFlowsAndTheFinalAfterItsDelay() throws {
        var c = ParametricSTT.Configuration()
        c.partialInterval = .milliseconds(200)
        c.partialDelay = .fixed(.milliseconds(100))
        c.finalDelay = .fixed(.milliseconds(250))
        let h = StageHarness(ParametricSTT(c), scenario: Self.scenario)
        let speech = AudioChunk(samples: Array(repeating: 0.3, count: 320), sampleRate: 16_000)
        for _ in 0..<30 {   // 600 ms of speech, then 200 ms of silence
            h.advance(by: .milliseconds(20))
            try h.feed(.audio(speech))
        }
        for _ in 0..<10 {
            h.advance(by: .milliseconds(20))
            try h.feed(.audio(.silence(.milliseconds(20))))
        }
        try h.feed(.event(.endOfTurn))
        h.advance(by: .seconds(1))
        let texts = h.emitted.filter { $0.text != nil }
        // Partials at 200, 400 and 600 ms of speech, each 100 ms after the frame completing it.
        #expect(texts.filter { $0.text?.isFinal == false }.map(\.emittedAt) == [.milliseconds(300), .milliseconds(500), .milliseconds(700)])
        #expect(texts.last?.text?.isFinal == true)
        #expect(texts.last?.emittedAt == .milliseconds(1050))
        #expect(h.marks[1]?[.sttFinal] == .milliseconds(1050))
        // The user's audio stops here; the end of turn goes on at once.
        #expect(h.emitted.allSatisfy { $0.audio == nil })
        #expect(h.emitted.first { $0.event == .endOfTurn }?.emittedAt == .milliseconds(800))
    }

    /// The first sentence ("Sure.") completes with the first token; audio starts a fixed 155 ms
    /// later and streams until the whole reply has been spoken, at twice real time.
    @Test func ttsStartsAfterTheFirstSentencePlusTimeToFirstAudio() throws {
        var c = ParametricTTS.Configuration()
        c.timeToFirstAudio = .fixed(.milliseconds(155))
        c.voice = .tone
        c.chunk = .milliseconds(40)
        c.speed = 2
        let h = StageHarness(ParametricTTS(c), scenario: Self.scenario)
        let reply = "Sure. The pharmacy closes at nine tonight."
        let words = reply.split(separator: " ").enumerated().map { $0 == 0 ? String($1) : " " + $1 }
        for (i, w) in words.enumerated() {
            try h.feed(.text(TextChunk(w, isFinal: i == words.count - 1)))
            h.advance(by: .milliseconds(10))
        }
        h.advance(by: .seconds(5))
        let audio = h.emitted.filter { $0.audio != nil }
        #expect(h.marks[1]?[.ttsFirstAudio] == .milliseconds(155))
        #expect(audio.first?.emittedAt == .milliseconds(155))
        let expected = try SpeechVoice.tone.audio(reply, sampleRate: 24_000).frameCount
        #expect(audio.reduce(0) { $0 + ($1.audio?.frameCount ?? 0) } == expected)
        #expect(zip(audio, audio.dropFirst()).allSatisfy { $1.emittedAt - $0.emittedAt == .milliseconds(20) })
    }

    @Test func ttsStopsOnInterruption() throws {
        var c = ParametricTTS.Configuration()
        c.timeToFirstAudio = .fixed(.milliseconds(100))
        c.voice = .tone
        let h = StageHarness(ParametricTTS(c), scenario: Self.scenario)
        try h.feed(.text(TextChunk("Sure. The pharmacy closes at nine tonight.", isFinal: true)))
        h.advance(by: .milliseconds(300))
        let before = h.emitted.count
        try h.feed(.event(.interruption))
        h.advance(by: .seconds(5))
        #expect(h.emitted.count == before + 1)
        #expect(h.emitted.last?.event == .interruption)
    }
}
