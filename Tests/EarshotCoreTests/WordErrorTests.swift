@testable import EarshotCore
import Testing

/// Word errors on pairs whose answer is known, the normalisation that decides what a word is, and
/// what a run records of a recogniser's transcript.
@Suite struct WordErrorTests {
    @Test(arguments: [
        ("the quick brown fox", "the quick brown fox", 0, 4),
        ("the quick brown fox", "the quick brown box", 1, 4),       // one substitution
        ("the quick brown fox", "the brown fox", 1, 4),             // one deletion
        ("the quick brown fox", "the very quick brown fox", 1, 4),  // one insertion
        ("stop", "stop wait stop", 2, 1),                           // more errors than words: WER 2
        ("hello world", "", 2, 2),                                  // heard nothing
    ])
    func countsEditsOverReferenceWords(reference: String, heard: String, edits: Int, words: Int) {
        #expect(WordErrors(reference: reference, hypothesis: heard) == WordErrors(edits: edits, words: words))
    }

    @Test func caseAndPunctuationAreNotErrors() {
        #expect(WordErrors(reference: "Yes, I'd like that — please!", hypothesis: "yes i'd like that please").edits == 0)
        #expect(WordErrors.normalised("Well-known 'quotes'") == ["well", "known", "quotes"])
    }

    @Test func numbersAreReadAsWords() {
        #expect(WordErrors.normalised("13") == ["thirteen"])
        #expect(WordErrors.normalised("2024") == ["two", "thousand", "twenty", "four"])
        #expect(WordErrors.normalised("Friday the 13th") == ["friday", "the", "thirteenth"])
        #expect(WordErrors.normalised("the 21st and 42nd") == ["the", "twenty", "first", "and", "forty", "second"])
        #expect(WordErrors(reference: "Friday the thirteenth of March", hypothesis: "friday the 13th of march").edits == 0)
    }

    @Test func rateOverManyTurnsWeighsTheirWords() {
        let total = WordErrors(edits: 1, words: 1) + WordErrors(edits: 0, words: 9)
        #expect(total.rate == 0.1)
        #expect(WordErrors(reference: "", hypothesis: "words").rate == nil)
    }

    /// A recogniser that records an empty transcript for turn 1 and a wrong word for turn 2, in a
    /// cascade that answers both: turn 1 is flagged answered unheard, turn 2 scored 1 error in 2.
    @Test func aRunKeepsWhatWasHeardAndFlagsAnAnswerToNothing() throws {
        var scenario = Synthetic.scenario(totalMs: 9000, turns: [(.turn, 1000, 2000), (.turn, 5000, 6000)])
        scenario.turns[0].text = "hello world"
        scenario.turns[1].text = "good morning"
        var steps = TestPipelines.cascade().steps
        steps.insert(.stage(StageSpec("recogniser") { Recogniser(transcripts: [1: "", 2: "good evening"]) }), at: 0)
        let turns = try VirtualRuntime(pipeline: Pipeline(name: "d", steps: steps), scenarios: [scenario]).run().turns
        #expect(turns.map(\.heard) == ["", "good evening"])
        #expect(turns.map(\.answeredUnheard) == [true, false])
        #expect(turns.map(\.wordErrors) == [WordErrors(edits: 2, words: 2), WordErrors(edits: 1, words: 2)])
    }
}

/// Passes audio on and records `transcripts[turn]` at the turn's first frame.
private final class Recogniser: Stage {
    let name = "recogniser"
    let consumes: FrameKinds = [.audio]
    let produces: FrameKinds = [.audio]
    let transcripts: [Int: String]
    private var seen = Set<Int>()

    init(transcripts: [Int: String]) { self.transcripts = transcripts }

    func receive(_ frame: Frame, context: StageContext) {
        if let text = transcripts[frame.turn], seen.insert(frame.turn).inserted { context.recordTranscript(text, turn: frame.turn) }
        context.emit(frame)
    }
}
