import EarshotCore
import Foundation

/// A JSGF grammar for PocketSphinx's grammar mode, built from the phrases the user may say.
///
/// Where the phrases come from is the stage's `phrases` parameter: the scenario's own
/// transcripts (`scenario`, the default: the turns' `text:`, given to the stage as a sorted set,
/// see `Stage.readsPhrases`), a file of phrases the user writes (a deployment's domain grammar),
/// or `fixtures`, the committed fixture utterances' text as Scripts/fixtures/make_fixtures.py
/// speaks it (keep the two in step). A grammar is knowledge the user gives the recogniser: it can
/// hear only these words, which is what makes it accurate on them and useless on anything else.
///
/// Words are those `WordErrors` scores ("13" is "thirteen"), so a transcript heard word for word
/// scores no errors. Each phrase is split into clauses at punctuation and the grammar accepts any
/// sequence of clauses: a turn cut short at a mid-turn pause still decodes to its first clause
/// instead of failing to reach the end of the grammar. A word the pronunciation dictionary lacks
/// cannot be in a grammar (PocketSphinx refuses the whole grammar): it is left out, splitting
/// its clause there, and listed in `Built.leftOut`.
public enum RecognitionGrammar {
    public static let fixturePhrases = [
        "Yes, that's right.",
        "No thanks, that's everything.",
        "Yeah.",
        "mm hmm",
        "Wait, stop.",
        "What time does the pharmacy close today?",
        "Can you book a table for two at seven tonight?",
        "Which is cheaper, the train or the bus?",
        "How tall is it?",
        "Tell me the history of the Eiffel Tower.",
        "Will it rain in Boston tomorrow afternoon, and should I bring an umbrella?",
        "My number is five five five, two one eight, four nine three zero.",
        "Can we move it to Friday, March the thirteenth?",
        "The total was forty two dollars and fifty cents.",
        "I'd like to fly to Paris next month, or somewhere warmer, like Lisbon.",
    ]

    /// A grammar and what went into it.
    public struct Built: Sendable, Equatable {
        /// The JSGF text.
        public var jsgf: String
        /// The distinct clauses it accepts, in first-seen order.
        public var clauses: [String]
        /// Every word it can hear.
        public var words: Set<String>
        /// Words of the phrases the dictionary lacks, left out, sorted.
        public var leftOut: [String]
    }

    /// Lower-case words as `WordErrors` scores them, joined by single spaces.
    public static func normalize(_ text: String) -> String {
        WordErrors.normalised(text).joined(separator: " ")
    }

    public static func clauses(of phrase: String) -> [String] {
        phrase.split(whereSeparator: { ",.;:!?".contains($0) }).map { normalize(String($0)) }.filter { !$0.isEmpty }
    }

    /// The grammar of `phrases`; with `dictionary`, words outside it are left out. Nil when no
    /// word is left to hear.
    public static func build(phrases: [String], dictionary: Set<String>? = nil) -> Built? {
        var seen = Set<String>(), alternatives: [String] = [], leftOut = Set<String>()
        for clause in phrases.flatMap(clauses(of:)) {
            // Runs of known words: an unknown word splits its clause.
            var runs: [[String]] = [[]]
            for word in clause.split(separator: " ").map(String.init) {
                if let dictionary, !dictionary.contains(word) {
                    leftOut.insert(word)
                    runs.append([])
                } else {
                    runs[runs.count - 1].append(word)
                }
            }
            for run in runs where !run.isEmpty {
                let text = run.joined(separator: " ")
                if seen.insert(text).inserted { alternatives.append(text) }
            }
        }
        guard !alternatives.isEmpty else { return nil }
        let jsgf = """
        #JSGF V1.0;
        grammar earshot;
        public <utterance> = <clause>+;
        <clause> = \(alternatives.joined(separator: " | "));

        """
        let words = Set(alternatives.flatMap { $0.split(separator: " ").map(String.init) })
        return Built(jsgf: jsgf, clauses: alternatives, words: words, leftOut: leftOut.sorted())
    }

    /// The JSGF text of `phrases`, every word kept (they must all be in the dictionary).
    public static func jsgf(phrases: [String]) -> String {
        build(phrases: phrases)?.jsgf ?? ""
    }

    /// Phrases from a file, one per line; blank lines and lines starting with `#` are skipped.
    public static func phrases(contentsOf path: String) throws(PocketSphinxError) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .phrasesUnreadable(path) }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}
