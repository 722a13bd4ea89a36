internal import COpus
import EarshotCore

/// A failure from the Opus wrappers: either a setting Opus does not support, caught before the
/// library sees it, or a status code from libopus with its own text (`opus_strerror`).
public enum OpusError: Error, Equatable, Sendable, CustomStringConvertible {
    case unsupportedSampleRate(Int)
    case unsupportedChannelCount(Int)
    case unsupportedFrameDuration(Duration)
    case invalidSetting(String)
    /// The chunk handed to `encode` is not exactly one frame in the encoder's format.
    case wrongFrame(expectedSamples: Int, expectedRate: Int, expectedChannels: Int,
                    gotSamples: Int, gotRate: Int, gotChannels: Int)
    /// libopus returned `code` from `operation`.
    case library(operation: String, code: Int32, message: String)

    /// Rates libopus accepts.
    public static let supportedSampleRates = [8_000, 12_000, 16_000, 24_000, 48_000]

    public var description: String {
        switch self {
        case let .unsupportedSampleRate(rate):
            "Opus does not support \(rate) Hz (use 8000, 12000, 16000, 24000 or 48000)"
        case let .unsupportedChannelCount(n):
            "Opus wrapper supports 1 or 2 channels, got \(n)"
        case let .unsupportedFrameDuration(d):
            "Opus does not support \(d.millisecondsText) frames (use 2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms)"
        case let .invalidSetting(message):
            message
        case let .wrongFrame(es, er, ec, gs, gr, gc):
            "encoder takes frames of \(es) samples at \(er) Hz \(ec) ch, got \(gs) samples at \(gr) Hz \(gc) ch"
        case let .library(operation, code, message):
            "\(operation) failed: \(message) (\(code))"
        }
    }

    static func check(_ code: Int32, _ operation: String) throws(OpusError) {
        guard code >= 0 else { throw library(code, operation) }
    }

    static func library(_ code: Int32, _ operation: String) -> OpusError {
        .library(operation: operation, code: code, message: String(cString: opus_strerror(code)))
    }
}
