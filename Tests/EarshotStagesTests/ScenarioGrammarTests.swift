import EarshotAudio
import EarshotCore
import EarshotStages
import Foundation
import Testing

/// PocketSphinx told what the user may say by the scenario itself (`phrases: scenario`), on the
/// committed `phone-prompts` scenario: eight telephone prompts a person recorded at 8 kHz
/// (AudioFixtures/phone-prompts, made by Scripts/make-phone-prompts from asterisk-core-sounds-en-wav).
@Suite struct ScenarioGrammarTests {
    static let modelDirectory = PocketSphinxStageTests.modelDirectory
    static let promptsRoot = EngineTestSupport.fixtures.appendingPathComponent("phone-prompts")

    static func phonePrompts() throws -> Scenario {
        try Scenario.load(from: promptsRoot.appendingPathComponent("scenarios/phone-prompts.yaml"), fixturesRoot: promptsRoot)
    }

    /// The grammar holds every word of the transcripts the dictionary knows, and nothing else;
    /// the words it lacks are listed, not silently dropped.
    @Test func theScenarioGrammarHoldsExactlyItsTranscriptsWords() throws {
        let scenario = try Self.phonePrompts()
        let dictionary = try PronunciationDictionary.words(modelDirectory: Self.modelDirectory)
        let said = Set(scenario.turns.compactMap(\.text).flatMap(WordErrors.normalised))
        let grammar = try #require(RecognitionGrammar.build(phrases: ScenarioScript(scenario).phrases, dictionary: dictionary))
        #expect(said.count > 30)
        #expect(grammar.words == said.intersection(dictionary))
        #expect(Set(grammar.leftOut) == said.subtracting(dictionary))
        // What the JSGF text lists is that set too.
        let line = try #require(grammar.jsgf.split(separator: "\n").first { $0.hasPrefix("<clause> = ") })
        let listed = Set(line.dropFirst("<clause> = ".count).dropLast().split(whereSeparator: { $0 == " " || $0 == "|" }).map(String.init))
        #expect(listed == grammar.words)
    }

    /// Numbers are spelled as WER scores them; a word the dictionary lacks splits its clause and is listed.
    @Test func unknownWordsAreLeftOutAndNumbersSpelled() throws {
        let dictionary = try PronunciationDictionary.words(modelDirectory: Self.modelDirectory)
        let grammar = try #require(RecognitionGrammar.build(phrases: ["Press 1 for zorgblat sales."], dictionary: dictionary))
        #expect(grammar.clauses == ["press one for", "sales"])
        #expect(grammar.leftOut == ["zorgblat"])
        #expect(RecognitionGrammar.build(phrases: ["zorgblat"], dictionary: dictionary) == nil)
    }

    /// The phrases reach only a stage that asks for them, as a sorted set with no turn attached.
    @Test func onlyAStageThatAsksIsGivenThePhrases() throws {
        let scenario = try Self.phonePrompts()
        let told = try PocketSphinxStage(grammarFromScenarioWith: Self.modelDirectory)
        let h = StageHarness(told, scenario: scenario)
        #expect(told.readsPhrases)
        #expect(h.context.script == nil)
        let phrases = try #require(h.context.phrases)
        #expect(phrases == phrases.sorted() && Set(phrases) == Set(scenario.turns.compactMap(\.text)))
        guard case .grammar(let jsgf)? = told.search else { Issue.record("expected a grammar, got \(String(describing: told.search))"); return }
        #expect(jsgf.contains("please check the number and dial again"))

        let fixed = try PocketSphinxStage(search: PocketSphinxStageTests.grammar, modelDirectory: Self.modelDirectory)
        #expect(!fixed.readsPhrases)
        #expect(StageHarness(fixed, scenario: scenario).context.phrases == nil)
    }

    /// A scenario without transcripts gives the grammar nothing: the full language model listens.
    @Test func withoutTranscriptsTheLanguageModelListens() throws {
        var scenario = try Self.phonePrompts()
        for i in scenario.turns.indices { scenario.turns[i].text = nil }
        let stage = try PocketSphinxStage(grammarFromScenarioWith: Self.modelDirectory)
        _ = StageHarness(stage, scenario: scenario)
        #expect(stage.search == .languageModel)
    }

    /// Word errors over the scenario's turns, through the WebRTC VAD and an endpointer in virtual time.
    static func wordErrors(phrases: String, on scenario: Scenario) throws -> [WordErrors] {
        let pipeline = try EngineTestSupport.pipeline("stt", """
              - stage: vad-webrtc
              - stage: endpointer
                silence_ms: 800
              - stage: stt-pocketsphinx
                phrases: \(phrases)
            """)
        let result = try VirtualRuntime(pipeline: pipeline, scenarios: [scenario]).run()
        #expect(result.turns.count == scenario.turns.count)
        return result.turns.compactMap(\.wordErrors)
    }

    /// On real speech, the recogniser told the scenario's phrases hears far better than one told
    /// the fixtures' (the old default, which turned a user's recording into fixture phrases). The
    /// 8 kHz recordings reach it resampled to its 16 kHz model, and most turns come out word for word.
    @Test func onRealRecordingsTheScenarioGrammarBeatsTheFixturesGrammar() throws {
        let scenario = try Self.phonePrompts()
        #expect(scenario.audio.sampleRate == 8_000)
        let perTurn = try Self.wordErrors(phrases: "scenario", on: scenario)
        let own = perTurn.reduce(WordErrors(edits: 0, words: 0), +)
        let fixtures = try Self.wordErrors(phrases: "fixtures", on: scenario).reduce(WordErrors(edits: 0, words: 0), +)
        let ownRate = try #require(own.rate), fixturesRate = try #require(fixtures.rate)
        #expect(own.words == fixtures.words && own.words > 0)
        #expect(ownRate < fixturesRate / 2, "scenario grammar \(ownRate), fixtures grammar \(fixturesRate)")
        #expect(ownRate < 0.5, "scenario grammar WER \(ownRate)")
        #expect(perTurn.count == scenario.turns.count)
        #expect(perTurn.filter { $0.edits == 0 }.count > scenario.turns.count / 2)
    }
}
