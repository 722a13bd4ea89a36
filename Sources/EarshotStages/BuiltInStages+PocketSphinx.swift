import EarshotCore

extension BuiltInStages {
    /// CMU PocketSphinx, and what it is told about what the user may say.
    ///
    /// A grammar is knowledge the user gives the recogniser, as a real deployment gives one its
    /// domain grammar or hot words; it is not the answer key. `phrases: scenario` (the default)
    /// builds it from the scenario's transcripts, which the stage then reads as a sorted set with
    /// no turn attached (`Stage.readsPhrases`), and falls back to the full language model for a
    /// scenario without transcripts. The choice lowers WER, so the run records it in run.json
    /// (`knowledge.DESIGN.STAGE`).
    static let sttPocketSphinx = StageDescriptor(
        name: "stt-pocketsphinx", role: .stt,
        summary: "CMU PocketSphinx streaming: partials as the hypothesis changes, the final at endOfTurn (marks stt_final). Measured.",
        parameters: [
            StageParameter("mode", .text, default: .text("grammar"), choices: ["grammar", "lm"],
                           help: "grammar: a JSGF grammar of the phrases below: it hears only their words (word for word on the fixture voice; ~0.5 ms per 20 ms frame, final <1 ms after endpoint); lm: the full en-us trigram model, told nothing (general, poor on espeak voices; 10-25 ms per 20 ms frame on 2 shared cores, so it falls behind real time and the final lags the endpoint by 0.2-1.6 s)."),
            StageParameter("phrases", .text, default: .text("scenario"),
                           help: "grammar mode: 'scenario' (each scenario's own transcripts, its turns' text:, as a set with no order; the full language model for a scenario without any), 'fixtures' (the committed fixture utterances' text) or a file of phrases, one per line. Words the dictionary lacks are left out. Telling the recogniser what may be said lowers WER: run.json records the choice."),
            StageParameter("model_dir", .text, default: .text("/usr/share/pocketsphinx/model/en-us"),
                           help: "Where the pocketsphinx-en-us package installs en-us/, en-us.lm.bin and cmudict-en-us.dict."),
            StageParameter("partials", .bool, default: .bool(true),
                           help: "Emit a partial transcript whenever the hypothesis changes."),
        ],
        knowledge: { args in
            guard args.text("mode") == "grammar" else { return nil }
            return switch args.text("phrases") {
            case "scenario": "grammar of each scenario's own transcripts (text:), given as a set; the full language model where a scenario has none. The recogniser hears only those words: this lowers WER"
            case "fixtures": "grammar of the committed fixtures' phrases. The recogniser hears only those words: this lowers WER on them"
            case let file: "grammar of the phrases in \(file). The recogniser hears only those words: this lowers WER on them"
            }
        }
    ) { args in
        let modelDirectory = args.text("model_dir"), partials = args.bool("partials")
        guard args.text("mode") == "grammar" else {
            return try PocketSphinxStage(search: .languageModel, modelDirectory: modelDirectory, partials: partials)
        }
        let source = args.text("phrases")
        if source == "scenario" { return try PocketSphinxStage(grammarFromScenarioWith: modelDirectory, partials: partials) }
        let phrases = source == "fixtures" ? RecognitionGrammar.fixturePhrases : try RecognitionGrammar.phrases(contentsOf: source)
        let dictionary = try PronunciationDictionary.words(modelDirectory: modelDirectory)
        guard let grammar = RecognitionGrammar.build(phrases: phrases, dictionary: dictionary) else {
            throw InputError("phrases \(source): no word of it is in the pronunciation dictionary")
        }
        return try PocketSphinxStage(search: .grammar(grammar.jsgf), modelDirectory: modelDirectory, partials: partials)
    }
}
