import EarshotCore

/// A frame size, rate or layout that an audio tool cannot work with. These are configuration
/// mistakes (a 10 ms frame at 22 050 Hz is not a whole number of samples), so the message names
/// the value and what would work instead.
public enum AudioFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidFrameDuration(Duration)
    case frameNotWholeSamples(frameDuration: Duration, sampleRate: Int)
    case invalidSampleRate(Int)
    case invalidChannelCount(Int)
    case formatMismatch(expectedRate: Int, expectedChannels: Int, gotRate: Int, gotChannels: Int)
    case invalidQuality(Int)
    case resamplerFailed(String)

    public var description: String {
        switch self {
        case let .invalidFrameDuration(d):
            "frame duration must be positive, got \(d.millisecondsText)"
        case let .frameNotWholeSamples(d, rate):
            "a \(d.millisecondsText) frame is not a whole number of samples at \(rate) Hz"
        case let .invalidSampleRate(rate):
            "sample rate must be positive, got \(rate) Hz"
        case let .invalidChannelCount(n):
            "channel count must be positive, got \(n)"
        case let .formatMismatch(er, ec, gr, gc):
            "expected \(er) Hz \(ec) ch audio, got \(gr) Hz \(gc) ch"
        case let .invalidQuality(q):
            "resampler quality must be 0...10, got \(q)"
        case let .resamplerFailed(message):
            "resampler failed: \(message)"
        }
    }
}
