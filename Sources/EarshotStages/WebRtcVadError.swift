/// A WebRTC VAD setting the engine does not take, or an engine call that failed.
public enum WebRtcVadError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidMode(Int)
    case invalidWindow(Int)
    case engineFailed(String)

    public var description: String {
        switch self {
        case let .invalidMode(m): "WebRTC VAD mode must be 0...3, got \(m)"
        case let .invalidWindow(ms): "WebRTC VAD windows are 10, 20 or 30 ms, got \(ms) ms"
        case let .engineFailed(message): "WebRTC VAD: \(message)"
        }
    }
}
