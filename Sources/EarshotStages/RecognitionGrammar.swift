import Foundation

/// A JSGF grammar for PocketSphinx's grammar mode, built from the phrases the user may say.
///
/// Scenario manifests carry the agent's expected replies but not the user's words, so the
/// default list is the fixture utterances' text as Scripts/fixtures/make_fixtures.py speaks it;
/// keep the two in step. Each phrase is split into clauses at punctuation and the grammar accepts
/// any sequence of clauses: a turn cut short at a mid-turn pause still decodes to its first
/// clause instead of failing to reach the end of the grammar.
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

    /// Lower-case words, apostrophes kept (the dictionary spells "that's" with one).
    public static func normalize(_ text: String) -> String {
        let kept = text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "'" ? $0 : " " }
        return String(kept).split(separator: " ").joined(separator: " ")
    }

    public static func clauses(of phrase: String) -> [String] {
        phrase.split(whereSeparator: { ",.;:!?".contains($0) }).map { normalize(String($0)) }.filter { !$0.isEmpty }
    }

    public static func jsgf(phrases: [String]) -> String {
        var seen = Set<String>()
        let alternatives = phrases.flatMap(clauses(of:)).filter { seen.insert($0).inserted }
        return """
        #JSGF V1.0;
        grammar earshot;
        public <utterance> = <clause>+;
        <clause> = \(alternatives.joined(separator: " | "));

        """
    }

    /// Phrases from a file, one per line; blank lines and lines starting with `#` are skipped.
    public static func phrases(contentsOf path: String) throws(PocketSphinxError) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .phrasesUnreadable(path) }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}
