import EarshotCore
import Foundation

/// A WAV/FLAC file that cannot be read or written. One line, file first:
/// `AudioFixtures/x.wav: truncated (data chunk declares 2000 bytes, file holds 777)`.
public struct AudioFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable, CustomStringConvertible {
        case noSuchFile
        /// A folder, FIFO, device or socket: what it is.
        case notAFile(String)
        /// A NaN or infinite sample (float files): its value and where.
        case nonFinite(isNaN: Bool, seconds: Double)
        case empty
        /// libsndfile does not recognise the contents (a text file named .wav).
        case notAudio(library: String)
        /// The file ends before its header says it should.
        case truncated(String)
        /// The header is recognised but inconsistent, or decoding failed.
        case malformed(library: String)
        /// The operating system refused (permissions, I/O error).
        case system(String)
        case unsupportedExtension(String)
        case writeFailed(library: String)

        public var description: String {
            switch self {
            case .noSuchFile: "no such file"
            case let .notAFile(what): "\(what), not an audio file"
        case let .nonFinite(isNaN, seconds):
            "holds \(isNaN ? "a NaN" : "an infinite") sample at \(String(format: "%.3f", seconds)) s; audio must be finite"
            case .empty: "file is empty"
            case let .notAudio(library): "not an audio file (libsndfile: \(library))"
            case let .truncated(detail): "truncated (\(detail))"
            case let .malformed(library): "malformed audio file (libsndfile: \(library))"
            case let .system(message): message
            case let .unsupportedExtension(ext):
                "cannot tell the format from extension \"\(ext)\" (use .wav or .flac, or pass a format)"
            case let .writeFailed(library): "cannot write (libsndfile: \(library))"
            }
        }
    }

    /// The path as the caller gave it, so the message points where the user looks.
    public var file: String
    public var reason: Reason

    public init(file: String, reason: Reason) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }

    /// The same message as the CLI's bad-input error (exit code 2).
    public var inputError: InputError { InputError(file: file, reason.description) }
}
