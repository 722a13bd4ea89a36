import EarshotCore

/// `turn-detector`: Pipecat 1.14's default end of turn. After `vadStop` of silence a
/// turn-completion model (Smart Turn v3) runs for a drawn inference time and judges whether the
/// utterance is complete: if so the turn ends then; if not, it ends only once `incompleteTimeout`
/// more silence has gone by, unless the user speaks again first.
///
/// The model is parametric. Whether the utterance really is complete comes from the scenario's
/// ground truth: a silence that starts inside one of the turn's `pauses`, or well before its
/// `speechEnd`, is a mid-turn pause. The model gets it wrong with `pFalseIncomplete` (a finished
/// utterance judged unfinished: the user waits the whole timeout) and `pFalseComplete` (a pause
/// judged the end: the agent answers half a question). Draws come from the stage's seeded
/// generator, so a seed fixes every verdict.
///
/// Where the silence starts on the user's timeline is the audio received so far, which holds as
/// long as the transport before it keeps audio duration (a jitter buffer that stretches or drops
/// audio moves it a little).
public final class TurnDetector: Stage {
    public let name = "turn-detector"
    /// A parametric model of a turn model: its verdict is drawn around the ground truth.
    public var readsScript: Bool { true }
    public let consumes: FrameKinds = [.audio, .event]
    public let produces: FrameKinds = [.audio, .event]
    public let vadStop: Duration
    public let inference: DelayDistribution
    public let incompleteTimeout: Duration
    public let pFalseIncomplete: Double
    public let pFalseComplete: Double
    public let interruptions: Bool

    /// How far before `speechEnd` a silence may start and still count as the real end: the VAD
    /// may call the fading last syllable silence earlier than the fixtures' energy rule does.
    public static let endSlack: Duration = .milliseconds(300)

    private var tracker = SilenceTracker()
    /// Audio received so far: the position on the user's timeline.
    private var position: Duration = .zero
    private var silenceStart: Duration = .zero
    /// Bumped whenever a pending verdict becomes moot (speech resumed, turn ended).
    private var generation = 0
    private var verdict: Verdict = .none

    private enum Verdict { case none, running, incomplete }

    public init(vadStop: Duration = .milliseconds(200), inference: DelayDistribution = .uniform(.milliseconds(12), .milliseconds(60)),
                incompleteTimeout: Duration = .milliseconds(3_000), pFalseIncomplete: Double = 0.05,
                pFalseComplete: Double = 0.05, interruptions: Bool = true) {
        self.vadStop = vadStop
        self.inference = inference
        self.incompleteTimeout = incompleteTimeout
        self.pFalseIncomplete = pFalseIncomplete
        self.pFalseComplete = pFalseComplete
        self.interruptions = interruptions
    }

    public func receive(_ frame: Frame, context: StageContext) {
        context.emit(frame)
        switch frame.payload {
        case .event(.speechStarted):
            generation += 1
            verdict = .none
            if tracker.speechStarted() && interruptions { context.emit(.event(.interruption), turn: frame.turn) }
        case .event(.speechStopped):
            tracker.speechStopped()
            silenceStart = position
        case .audio(let audio):
            position += audio.duration
            guard let quiet = tracker.add(audio.duration) else { return }
            switch verdict {
            case .none where quiet >= vadStop:
                runModel(turn: frame.turn, context: context)
            case .incomplete where quiet >= vadStop + incompleteTimeout:
                endTurn(frame.turn, context: context)
            default:
                break
            }
        default:
            break
        }
    }

    private func runModel(turn: Int, context: StageContext) {
        verdict = .running
        let truth = Self.isComplete(turn: turn, silenceStart: silenceStart, script: context.script)
        // Both draws are taken every time, so one probability does not shift the other's stream.
        let flipIfComplete = context.random.chance(pFalseIncomplete)
        let flipIfIncomplete = context.random.chance(pFalseComplete)
        let judgedComplete = truth ? !flipIfComplete : flipIfIncomplete
        let started = generation
        context.schedule(after: inference.sample(context.random)) { [self] in
            guard generation == started, case .running = verdict else { return }
            if judgedComplete {
                endTurn(turn, context: context)
            } else {
                verdict = .incomplete
            }
        }
    }

    private func endTurn(_ turn: Int, context: StageContext) {
        generation += 1
        verdict = .none
        tracker.endTurn()
        context.mark(.endpoint, turn: turn)
        context.emit(.event(.endOfTurn), turn: turn)
    }

    /// Ground truth: no more speech of this turn follows a silence starting at `silenceStart`.
    public static func isComplete(turn id: Int, silenceStart: Duration, script: ScenarioScript?) -> Bool {
        guard let turn = script?.turn(id) else { return true }
        if turn.pauses.contains(where: { $0.lowerBound - endSlack <= silenceStart && silenceStart < $0.upperBound }) {
            return false
        }
        return silenceStart >= turn.speechEnd - endSlack
    }
}
