import EarshotCore

/// `endpointer`: ends the user's turn after `silence` of audio has followed the VAD's
/// `speechStopped`; the plain silence endpointer of Pipecat before 1.x (VAD `stop_secs` 0.8) and of
/// many deployments since. Marks `endpoint` and emits `endOfTurn`; forwards everything it gets.
///
/// Silence is counted in audio duration, not by the clock: frames that arrive bunched or late
/// (jitter, a VAD releasing held frames) still count for what they hold, so the decision lands
/// `silence` after the last voiced audio on the user's own timeline. Because the VAD places
/// `speechStopped` where speech ended, that is `silence` after the last voiced frame.
///
/// When the user starts speaking again after a turn has ended, the agent may be replying: with
/// `interruptions` on, it emits `interruption` so the stages after it stop and playout drops what
/// it has queued. Like a plain cascade, it cannot tell a backchannel from a barge-in.
public final class Endpointer: Stage {
    public let name = "endpointer"
    public let consumes: FrameKinds = [.audio, .event]
    public let produces: FrameKinds = [.audio, .event]
    public let silence: Duration
    public let interruptions: Bool
    private var tracker = SilenceTracker()

    public init(silence: Duration = .milliseconds(800), interruptions: Bool = true) {
        self.silence = silence
        self.interruptions = interruptions
    }

    public func receive(_ frame: Frame, context: StageContext) {
        context.emit(frame)
        switch frame.payload {
        case .event(.speechStarted):
            if tracker.speechStarted() && interruptions { context.emit(.event(.interruption), turn: frame.turn) }
        case .event(.speechStopped):
            tracker.speechStopped()
        case .audio(let audio):
            guard let quiet = tracker.add(audio.duration), quiet >= silence else { return }
            tracker.endTurn()
            context.mark(.endpoint, turn: frame.turn)
            context.emit(.event(.endOfTurn), turn: frame.turn)
        default:
            break
        }
    }
}
