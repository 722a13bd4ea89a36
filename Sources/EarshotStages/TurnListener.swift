import EarshotCore

/// What a listening duplex model makes of its input, one model frame at a time: the user has
/// started talking, or has stopped and left it the turn.
///
/// A frame is voiced by `vad-energy`'s rule (its level reaches `speechDBFS`), and `SpeechSegmenter`
/// debounces: the user counts as talking once `reaction` of voiced frames has gone by, and as done
/// once `pauseTolerance` of unvoiced ones has. Both are counted in whole frames, as the model hears
/// in whole frames. Nothing here knows the scenario, so whatever the audio holds moves the
/// decisions: noise as loud as speech keeps the user on the floor, a burst of lost packets can
/// hand the model the turn.
struct TurnListener {
    enum Cue: Equatable {
        /// The user has talked for `reaction`; `onset` is where the first voiced frame began, as heard.
        case userStarted(onset: Duration)
        /// `pauseTolerance` of silence has followed the user's speech; `turn` is the turn id of
        /// its last voiced frame, the turn a reply answers.
        case userStopped(turn: Int)
    }

    let speechDBFS: Double
    private var segmenter: SpeechSegmenter
    private var lastVoicedTurn = 0

    init(reaction: Duration, pauseTolerance: Duration, speechDBFS: Double) {
        self.speechDBFS = speechDBFS
        segmenter = SpeechSegmenter(startAfter: reaction, stopAfter: pauseTolerance)
    }

    /// Whether the user holds the floor: talking, or in a pause shorter than the tolerance.
    var userTalking: Bool { segmenter.speaking }

    /// One model frame of input, which began at `start` on the heard timeline and carries `turn`.
    mutating func hear(_ audio: AudioChunk, turn: Int, start: Duration, duration: Duration) -> Cue? {
        let voiced = audio.levelDBFS >= speechDBFS
        if voiced { lastVoicedTurn = turn }
        let frame = Frame(.audio(audio), turn: turn, origin: RunTime(nanoseconds: start.nanoseconds))
        let out = segmenter.push(frame, voiced: voiced, duration: duration)
        // The segmenter puts its event ahead of the frames it held back: the first of them is
        // where the run that decided it began.
        guard case .event(let event, _)? = out.first else { return nil }
        if event == .speechStopped { return .userStopped(turn: lastVoicedTurn) }
        guard out.count > 1, case .frame(let first) = out[1] else { return .userStarted(onset: start) }
        return .userStarted(onset: .nanoseconds(first.origin.nanoseconds))
    }
}
