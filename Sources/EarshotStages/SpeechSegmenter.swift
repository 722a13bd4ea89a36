import EarshotCore

/// Turns per-frame voiced/unvoiced decisions into `speechStarted` / `speechStopped` events that
/// sit in the audio stream exactly where speech began or ended.
///
/// A VAD only knows speech has started once `startAfter` of voiced audio has gone by, and that it
/// has stopped once `stopAfter` of unvoiced audio has. Rather than announce the change late in the
/// stream, the segmenter holds the undecided frames back and, once it knows, emits the event ahead
/// of them. Downstream, counting audio after `speechStopped` then counts silence from the last
/// voiced frame, whatever the VAD's hangover: an 800 ms endpointer behind a 200 ms hangover still
/// ends the turn 800 ms after the speech. The events are emitted when the VAD could know (Pipecat's
/// VAD reports a start after `start_secs` too); only their position in the stream is retroactive.
/// Held frames cost the stage downstream at most `stopAfter` of delay, and only while the user
/// is silent or has just begun.
struct SpeechSegmenter {
    enum Output {
        case frame(Frame)
        case event(Event, turn: Int)
    }

    let startAfter: Duration
    let stopAfter: Duration
    private(set) var speaking = false
    private var held: [Frame] = []
    private var run: Duration = .zero

    init(startAfter: Duration, stopAfter: Duration) {
        self.startAfter = startAfter
        self.stopAfter = stopAfter
    }

    /// One frame and the VAD's verdict on it; what to emit, in order.
    mutating func push(_ frame: Frame, voiced: Bool, duration: Duration) -> [Output] {
        // A frame that agrees with the current state ends any tentative change: the held frames
        // turn out to have been a blip (a click, a stop consonant) and go on with no event.
        guard voiced != speaking else { return release() + [.frame(frame)] }
        held.append(frame)
        run += duration
        guard run >= (speaking ? stopAfter : startAfter) else { return [] }
        speaking.toggle()
        return [.event(speaking ? .speechStarted : .speechStopped, turn: frame.turn)] + release()
    }

    private mutating func release() -> [Output] {
        defer { held.removeAll(keepingCapacity: true); run = .zero }
        return held.map { .frame($0) }
    }

    /// Pushes `frame` and emits what comes out, in order.
    mutating func feed(_ frame: Frame, voiced: Bool, context: StageContext) {
        for output in push(frame, voiced: voiced, duration: frame.audio?.duration ?? .zero) {
            switch output {
            case .frame(let f): context.emit(f)
            case .event(let e, let turn): context.emit(.event(e), turn: turn)
            }
        }
    }
}
