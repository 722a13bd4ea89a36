/// How a turn ended, from the user's point of view.
public enum TurnOutcome: String, Sendable, CaseIterable, Codable {
    /// The agent answered after the user finished, within the response timeout.
    case responded
    /// No audible agent reply within the response timeout.
    case missed
    /// The agent started answering before the user had finished (negative voice-to-voice).
    case talkedOver = "talked_over"
    /// The agent stopped talking because the user spoke over it: on a turn, its reply was cut off
    /// by a later barge-in or backchannel; on a backchannel, the agent stopped for it.
    case interrupted
    /// A stage failed the turn (threw, timed out, crashed); the reason is kept.
    case failed
    /// A backchannel the agent neither answered nor stopped for.
    case ignored

    /// Whether a turn of `kind` that ended this way has a latency to pool: an answer that came
    /// after the user finished. A talked-over reply is no fast answer, a failed or missed turn has
    /// none, and a backchannel expects none; each shows in its rate instead.
    public func countsLatency(kind: ScenarioTurn.Kind) -> Bool {
        kind != .backchannel && (self == .responded || self == .interrupted)
    }
}

/// One user turn of one session, measured.
public struct TurnResult: Sendable, Equatable {
    public var design: String
    public var scenario: String
    public var session: Int
    public var turn: Int
    public var kind: ScenarioTurn.Kind
    public var outcome: TurnOutcome
    /// On the session's clock (timeline zero = session start).
    public var userStart: RunTime
    public var userEnd: RunTime
    /// First audible agent audio of this turn at playout.
    public var agentStart: RunTime?
    /// Marks recorded by stages for this turn, from the attempt that was heard: for each name, the
    /// latest time across stages at or before `agentStart` (the latest of all without a reply).
    /// A turn the endpointer cut early and then redid reaches its marks once per attempt.
    public var marks: [Mark: RunTime]
    /// For a barge-in turn: from the user's onset to the end of the agent's last audible audio.
    public var stopLatency: Duration?
    public var failure: StageFailure?
    /// The recogniser's final transcript from the attempt that was heard (as marks are chosen);
    /// nil when no stage recognised words (`StageContext.recordTranscript`).
    public var heard: String?
    /// What the user said, from the scenario (`ScenarioTurn.text`).
    public var reference: String?

    public init(design: String, scenario: String, session: Int, turn: Int, kind: ScenarioTurn.Kind = .turn, outcome: TurnOutcome,
                userStart: RunTime, userEnd: RunTime, agentStart: RunTime? = nil, marks: [Mark: RunTime] = [:],
                stopLatency: Duration? = nil, failure: StageFailure? = nil, heard: String? = nil, reference: String? = nil) {
        self.design = design
        self.scenario = scenario
        self.session = session
        self.turn = turn
        self.kind = kind
        self.outcome = outcome
        self.userStart = userStart
        self.userEnd = userEnd
        self.agentStart = agentStart
        self.marks = marks
        self.stopLatency = stopLatency
        self.failure = failure
        self.heard = heard
        self.reference = reference
    }

    /// `agent_start − user_end`; negative when the agent talked over the user.
    public var voiceToVoice: Duration? { agentStart.map { $0 - userEnd } }

    /// How far `heard` is from `reference`; nil without both, or for a reference with no words.
    public var wordErrors: WordErrors? {
        guard let heard, let reference else { return nil }
        let errors = WordErrors(reference: reference, hypothesis: heard)
        return errors.words > 0 ? errors : nil
    }

    /// Whether the agent answered a turn its recogniser heard no words of: a reply to nothing,
    /// which no latency figure shows. Nil without a transcript or an answer.
    public var answeredUnheard: Bool? {
        guard let heard, agentStart != nil, kind != .backchannel else { return nil }
        return WordErrors.normalised(heard).isEmpty
    }

    /// Whether the turn's latencies enter the percentiles (`TurnOutcome.countsLatency`).
    public var countsLatency: Bool { agentStart != nil && outcome.countsLatency(kind: kind) }

    /// The latency cut at each mark (`Mark.breakdown`).
    public var breakdown: [(name: String, duration: Duration)] {
        guard let agentStart else { return [] }
        return Mark.breakdown(from: userEnd, to: agentStart, marks: marks.map { ($0.key, $0.value) })
    }
}

/// One stage's view of one turn: when the turn's first frame reached it and left it, and the CPU it spent.
public struct StageTurnResult: Sendable, Equatable {
    public var design: String
    public var scenario: String
    public var session: Int
    public var turn: Int
    public var stage: String
    public var firstInput: RunTime?
    public var firstOutput: RunTime?
    /// Wall time spent inside the stage (real-time runs and measured stages; zero for modelled stages in virtual time).
    public var busy: Duration
    public var framesIn: Int
    public var framesOut: Int

    public var latency: Duration? {
        guard let i = firstInput, let o = firstOutput else { return nil }
        return o - i
    }
}
