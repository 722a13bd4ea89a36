/// PocketSphinx could not load its model or grammar, or failed while decoding.
public enum PocketSphinxError: Error, Equatable, Sendable, CustomStringConvertible {
    case modelMissing(String)
    case initFailed(String)
    case grammarRefused
    case phrasesUnreadable(String)
    case decodeFailed(String)

    public var description: String {
        switch self {
        case let .modelMissing(path):
            "PocketSphinx model file missing: \(path) (the pocketsphinx-en-us package installs it; Scripts/setup does)"
        case let .initFailed(message):
            "PocketSphinx failed to start: \(message)"
        case .grammarRefused:
            "PocketSphinx refused the grammar (a word not in the dictionary?)"
        case let .phrasesUnreadable(path):
            "cannot read the phrase list \(path) (one phrase per line, UTF-8)"
        case let .decodeFailed(call):
            "PocketSphinx failed in \(call)"
        }
    }
}
