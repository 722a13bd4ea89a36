import EarshotAudio
import EarshotCore
@testable import EarshotStages
import Testing

@Suite struct PocketSphinxStageTests {
    static let modelDirectory = "/usr/share/pocketsphinx/model/en-us"
    static let grammar = PocketSphinxDecoder.Search.grammar(RecognitionGrammar.jsgf(phrases: RecognitionGrammar.fixturePhrases))

    /// Feeds an utterance file as a VAD-gated turn: speech started, 20 ms frames, end of turn.
    static func transcribe(_ name: String, search: PocketSphinxDecoder.Search) throws -> StageHarness {
        let h = StageHarness(try PocketSphinxStage(search: search, modelDirectory: modelDirectory))
        try h.feed(.event(.speechStarted))
        for frame in WebRtcVadStageTests.frames(try EngineTestSupport.utterance(name)) {
            try h.feed(.audio(frame))
            h.advance(by: .milliseconds(20))
        }
        try h.feed(.event(.endOfTurn))
        return h
    }

    static func finals(_ h: StageHarness) -> [String] { h.emitted.compactMap { $0.text }.filter(\.isFinal).map(\.text) }

    /// Grammar mode, the documented default: word for word on the fixture voice.
    @Test(arguments: [
        ("what-time", "what time does the pharmacy close today"),
        ("book-table", "can you book a table for two at seven tonight"),
        ("yes-thats-right", "yes that's right"),
    ])
    func grammarModeRecognisesFixtureUtterances(name: String, words: String) throws {
        let h = try Self.transcribe(name, search: Self.grammar)
        #expect(Self.finals(h) == [words])
        let partials = h.emitted.compactMap { $0.text }.filter { !$0.isFinal }
        #expect(!partials.isEmpty)
        #expect(h.marks[1]?[.sttFinal] != nil)
        // Events go on (the final before its end of turn); user audio stops here.
        #expect(h.emitted.compactMap { $0.event } == [.speechStarted, .endOfTurn])
        #expect(h.emitted.allSatisfy { $0.audio == nil })
        let last = h.emitted.suffix(2).map { $0.text?.isFinal == true ? "final" : "\($0.event.map { "\($0)" } ?? "?")" }
        #expect(last == ["final", "endOfTurn"])
    }

    /// The full language model is general, slower and worse on espeak voices; it still hears
    /// something and ends the utterance.
    @Test func languageModelModeTranscribes() throws {
        let h = try Self.transcribe("yes-thats-right", search: .languageModel)
        let final = try #require(Self.finals(h).first)
        #expect(!final.isEmpty)
    }

    /// Through a VAD and an endpointer in virtual time: the endpoint, then the final, charged
    /// the decoder's real time.
    @Test func afterTheEndpointInAPipeline() throws {
        let pipeline = try EngineTestSupport.pipeline("stt", """
              - stage: vad-webrtc
              - stage: endpointer
                silence_ms: 500
              - stage: stt-pocketsphinx
            """)
        let probe = EngineProbe()
        var scenario = try EngineTestSupport.single("book-table", speechMs: 2_570, totalMs: 4_000)
        scenario.turns[0].text = "Can you book a table for two at seven tonight?"   // its grammar (phrases: scenario)
        let result = try VirtualRuntime(pipeline: Pipeline(name: "stt", steps: pipeline.steps + [.stage(probe.spec)]),
                                        scenarios: [scenario]).run()
        #expect(probe.texts.filter(\.text.isFinal).map(\.text.text) == ["can you book a table for two at seven tonight"])
        let marks = result.turns[0].marks
        let endpoint = try #require(marks[.endpoint])
        let final = try #require(marks[.sttFinal])
        #expect(final >= endpoint)
        #expect(probe.audio.isEmpty)
    }

    @Test func grammarClausesAndWords() {
        #expect(RecognitionGrammar.clauses(of: "Yes, that's right.") == ["yes", "that's right"])
        #expect(RecognitionGrammar.normalize("  Can we move it to Friday?") == "can we move it to friday")
        let jsgf = RecognitionGrammar.jsgf(phrases: ["Wait, stop.", "Wait."])
        #expect(jsgf.contains("<clause> = wait | stop;"))
    }

    @Test func aMissingModelSaysWhereItLooked() {
        #expect(throws: PocketSphinxError.modelMissing("/nonexistent/en-us")) {
            try PocketSphinxDecoder(search: .languageModel, modelDirectory: "/nonexistent")
        }
    }
}

/// Decoders are pooled across sessions; one must not carry what it learnt of one recording's
/// channel (its live cepstral mean) into the next session's audio.
@Suite struct PocketSphinxPoolTests {
    /// A private grammar, so no other test's decoder is in this pool.
    static let search = PocketSphinxDecoder.Search.grammar(
        RecognitionGrammar.jsgf(phrases: RecognitionGrammar.fixturePhrases + ["Earshot pool test."]))

    static func decode(_ audio: AudioChunk, with decoder: PocketSphinxDecoder) throws -> String {
        let pcm = try Resampler.resample(audio.mono, to: PocketSphinxStage.decoderRate).pcm16
        try decoder.startUtterance()
        for start in stride(from: 0, to: pcm.count, by: 320) { try decoder.process(Array(pcm[start..<min(start + 320, pcm.count)])) }
        return try decoder.endUtterance()
    }

    /// Two turns on a fresh decoder, then a session of telephone audio, then the same two turns on
    /// the same decoder checked in and out again: the same words, and after each turn the same
    /// cepstral mean. The mean a turn leaves comes from the running sum behind it, so the whole
    /// running state must come back, not the mean alone.
    @Test func aReusedDecoderHearsAsAFreshOne() throws {
        let root = EngineTestSupport.fixtures.appendingPathComponent("phone-prompts")
        let telephone = try AudioFile.read(root.appendingPathComponent("utterances/phone-prompts-06.wav"))
        let turns = try ["what-time", "book-table"].map(EngineTestSupport.utterance)
        let fresh = try PocketSphinxDecoder.checkOut(search: Self.search, modelDirectory: PocketSphinxStageTests.modelDirectory)
        let heardFresh = try turns.map { try Self.decode($0, with: fresh) }
        let learntFresh = fresh.cepstralMean
        #expect(heardFresh[0].hasPrefix("what time does the pharmacy close today"))
        PocketSphinxDecoder.checkIn(fresh)
        let used = try PocketSphinxDecoder.checkOut(search: Self.search, modelDirectory: PocketSphinxStageTests.modelDirectory)
        #expect(used === fresh)
        for _ in 0..<3 { _ = try Self.decode(telephone, with: used) }
        PocketSphinxDecoder.checkIn(used)
        let reused = try PocketSphinxDecoder.checkOut(search: Self.search, modelDirectory: PocketSphinxStageTests.modelDirectory)
        #expect(reused === fresh)
        #expect(try turns.map { try Self.decode($0, with: reused) } == heardFresh)
        #expect(!learntFresh.isEmpty && reused.cepstralMean == learntFresh)
        PocketSphinxDecoder.checkIn(reused)
    }
}
