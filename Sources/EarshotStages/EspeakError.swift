/// espeak-ng could not start or could not speak a text.
public enum EspeakError: Error, Equatable, Sendable, CustomStringConvertible {
    case initializationFailed
    case voiceNotFound(String)
    case synthesisFailed(text: String, code: Int)
    case commandNotFound(String)
    case commandFailed(String, message: String)

    public var description: String {
        switch self {
        case .initializationFailed:
            "espeak-ng failed to initialise (is espeak-ng-data installed? Scripts/setup installs it)"
        case let .voiceNotFound(voice):
            "espeak-ng has no voice \"\(voice)\""
        case let .commandNotFound(program):
            "\(program) (the command) is not on PATH; the modelled voices run it (Scripts/setup installs it: apt-get install espeak-ng)"
        case let .commandFailed(how, message):
            "espeak-ng (the command) ended with \(how)\(message.isEmpty ? "" : ": \(message)")"
        case let .synthesisFailed(text, code):
            "espeak-ng failed (error \(code)) on \"\(text.prefix(40))\""
        }
    }
}
