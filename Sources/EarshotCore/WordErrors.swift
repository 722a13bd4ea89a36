import Foundation

/// How far a recogniser's transcript is from what the user said: the fewest substitutions,
/// deletions and insertions of words that turn the reference into the transcript (Levenshtein
/// over words), and the reference's length. WER is `edits / words`; over many turns, the sum of
/// edits over the sum of words, so a long turn weighs as much as its words.
///
/// Both texts are normalised first, so WER counts words, not spelling: lower case; every
/// character that is not a letter, digit or apostrophe inside a word is a space (punctuation and
/// hyphens go); a run of digits is read as a whole number in words ("13" → "thirteen", "2024" →
/// "two thousand twenty four"), and an ordinal suffix makes it ordinal ("13th" → "thirteenth").
/// Write a transcript's numbers as they are spoken where that differs ("five five five").
public struct WordErrors: Sendable, Equatable {
    public var edits: Int
    public var words: Int

    public init(edits: Int, words: Int) {
        self.edits = edits
        self.words = words
    }

    public init(reference: String, hypothesis: String) {
        let r = Self.normalised(reference), h = Self.normalised(hypothesis)
        words = r.count
        // One row of the edit-distance table at a time: memory in the transcript's length.
        var previous = Array(0...h.count)
        for (i, word) in r.enumerated() {
            var row = [i + 1] + Array(repeating: 0, count: h.count)
            for j in 0..<h.count {
                row[j + 1] = min(previous[j + 1] + 1, row[j] + 1, previous[j] + (word == h[j] ? 0 : 1))
            }
            previous = row
        }
        edits = previous[h.count]
    }

    /// The word error rate; nil for a reference with no words.
    public var rate: Double? { words == 0 ? nil : Double(edits) / Double(words) }

    public static func + (a: WordErrors, b: WordErrors) -> WordErrors {
        WordErrors(edits: a.edits + b.edits, words: a.words + b.words)
    }

    /// The words `text` is scored as.
    public static func normalised(_ text: String) -> [String] {
        var cleaned = ""
        let characters = Array(text.lowercased())
        for (i, c) in characters.enumerated() {
            let inWord = i > 0 && i + 1 < characters.count && characters[i - 1].isLetter && characters[i + 1].isLetter
            if c.isLetter || c.isNumber || (c == "'" && inWord) { cleaned.append(c) } else { cleaned.append(" ") }
        }
        return cleaned.split(separator: " ").flatMap { token -> [String] in
            let digits = token.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let n = Int(digits), digits.count <= 12 else { return [String(token)] }
            let rest = token.dropFirst(digits.count)
            let ordinal = ["st", "nd", "rd", "th"].contains(String(rest))
            var words = NumberWords.cardinal(n)
            if ordinal, let last = words.popLast() { words.append(NumberWords.ordinal(last)) }
            return words + (rest.isEmpty || ordinal ? [] : [String(rest)])
        }
    }
}

/// Whole numbers in English words, as a recogniser writes them.
enum NumberWords {
    static let ones = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                       "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
    static let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    static let scales: [(Int, String)] = [(1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand")]

    static func cardinal(_ n: Int) -> [String] {
        if n < 20 { return [ones[n]] }
        if n < 100 { return [tens[n / 10]] + (n % 10 == 0 ? [] : [ones[n % 10]]) }
        if n < 1000 { return [ones[n / 100], "hundred"] + (n % 100 == 0 ? [] : cardinal(n % 100)) }
        for (scale, name) in scales where n >= scale {
            return cardinal(n / scale) + [name] + (n % scale == 0 ? [] : cardinal(n % scale))
        }
        return [String(n)]
    }

    static func ordinal(_ word: String) -> String {
        let irregular = ["one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                         "nine": "ninth", "twelve": "twelfth"]
        if let o = irregular[word] { return o }
        if word.hasSuffix("y") { return word.dropLast() + "ieth" }
        return word + "th"
    }
}
