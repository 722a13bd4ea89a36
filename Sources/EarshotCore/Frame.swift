/// What flows between stages.
///
/// A frame is a value: stages keep no references into each other, so a frame can hop from one
/// queue to the next, or sit in the virtual scheduler's heap, without any sharing.
public struct Frame: Sendable {
    public enum Payload: Sendable {
        case audio(AudioChunk)
        case encoded(EncodedPacket)
        case text(TextChunk)
        case event(Event)
    }

    public var payload: Payload
    /// The user turn this frame belongs to (1-based, as in the scenario); 0 before the first turn.
    public var turn: Int
    /// Run-clock time at which the last stage emitted it. Set by the runtime on every `emit`.
    public var emittedAt: RunTime
    /// Run-clock time at which the source emitted the frame this one derives from; kept by
    /// `emit(_:)` of a forwarded frame, so source→sink latency is measurable through any chain.
    public var origin: RunTime
    /// For a frame straight from the source, which of the session's source frames it is (0-based);
    /// nil for frames stages make. Under overload the pacer drops frames rather than send them
    /// late, so a stage that places the user's audio on the timeline (a connector streaming it to an
    /// agent) reads the gap here instead of counting what it was given and drifting.
    public var sourceIndex: Int?

    public init(_ payload: Payload, turn: Int, origin: RunTime = .zero) {
        self.payload = payload
        self.turn = turn
        self.emittedAt = .zero
        self.origin = origin
    }

    public var kind: FrameKind {
        switch payload {
        case .audio: .audio
        case .encoded: .encoded
        case .text: .text
        case .event: .event
        }
    }

    /// The PCM audio, if this is an audio frame.
    public var audio: AudioChunk? { if case .audio(let a) = payload { a } else { nil } }
    public var text: TextChunk? { if case .text(let t) = payload { t } else { nil } }
    public var event: Event? { if case .event(let e) = payload { e } else { nil } }
    public var packet: EncodedPacket? { if case .encoded(let p) = payload { p } else { nil } }
}

public enum FrameKind: String, Sendable, CaseIterable, Codable {
    case audio, encoded, text, event
}

/// A set of frame kinds, for what a stage consumes and produces.
public struct FrameKinds: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let audio = FrameKinds(rawValue: 1 << 0)
    public static let encoded = FrameKinds(rawValue: 1 << 1)
    public static let text = FrameKinds(rawValue: 1 << 2)
    public static let event = FrameKinds(rawValue: 1 << 3)
    public static let all: FrameKinds = [.audio, .encoded, .text, .event]

    public init(_ kind: FrameKind) {
        switch kind {
        case .audio: self = .audio
        case .encoded: self = .encoded
        case .text: self = .text
        case .event: self = .event
        }
    }

    public func contains(_ kind: FrameKind) -> Bool { contains(FrameKinds(kind)) }

    public var description: String {
        FrameKind.allCases.filter { contains($0) }.map(\.rawValue).joined(separator: "+")
    }
}

/// Text on its way through a cascade: transcript partials and finals, LLM tokens.
public struct TextChunk: Sendable, Equatable {
    public var text: String
    /// A final transcript, or the last token of a reply.
    public var isFinal: Bool

    public init(_ text: String, isFinal: Bool) {
        self.text = text
        self.isFinal = isFinal
    }
}

/// Control signals between stages.
public enum Event: Sendable, Equatable {
    case speechStarted
    case speechStopped
    /// The endpointer decided the user's turn is over.
    case endOfTurn
    /// The user spoke over the agent: downstream stages stop, playout drops what it has queued.
    case interruption
    /// Drop buffered state without ending the turn.
    case flush
    /// A stage-defined signal, passed through untouched by stages that don't know it.
    case custom(String)
}
