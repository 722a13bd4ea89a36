/// espeak-ng could not start or could not speak a text.
public enum EspeakError: Error, Equatable, Sendable, CustomStringConvertible {
    case initializationFailed
    case voiceNotFound(String)
    case synthesisFailed(text: String, code: Int)

    public var description: String {
        switch self {
        case .initializationFailed:
            "espeak-ng failed to initialise (is espeak-ng-data installed? Scripts/setup installs it)"
        case let .voiceNotFound(voice):
            "espeak-ng has no voice \"\(voice)\""
        case let .synthesisFailed(text, code):
            "espeak-ng failed (error \(code)) on \"\(text.prefix(40))\""
        }
    }
}
