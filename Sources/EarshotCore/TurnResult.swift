/// How a turn ended, from the user's point of view.
public enum TurnOutcome: String, Sendable, CaseIterable, Codable {
    /// The agent answered after the user finished, within the response timeout.
    case responded
    /// No audible agent reply within the response timeout.
    case missed
    /// The agent started answering before the user had finished (negative voice-to-voice).
    case talkedOver = "talked_over"
    /// The agent's reply was cut off by the user barging in (the next turn).
    case interrupted
    /// A stage failed the turn (threw, timed out, crashed); the reason is kept.
    case failed
    /// A backchannel the agent rightly did not answer.
    case ignored
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
    /// Marks recorded by stages for this turn (first of each name across stages).
    public var marks: [Mark: RunTime]
    /// For a barge-in turn: from the user's onset to the end of the agent's last audible audio.
    public var stopLatency: Duration?
    public var failure: StageFailure?

    /// `agent_start − user_end`; negative when the agent talked over the user.
    public var voiceToVoice: Duration? { agentStart.map { $0 - userEnd } }

    /// The latency cut at each mark, in time order, from `user_end` to `agent_start`; the last
    /// segment, named `playout`, runs from the last mark to the first audible audio. The segments
    /// add up to `voiceToVoice` exactly.
    public var breakdown: [(name: String, duration: Duration)] {
        guard let agentStart else { return [] }
        let ordered = marks.sorted { ($0.value, Mark.known.firstIndex(of: $0.key) ?? .max) < ($1.value, Mark.known.firstIndex(of: $1.key) ?? .max) }
        var previous = userEnd
        var segments: [(String, Duration)] = []
        for (mark, time) in ordered {
            segments.append((mark.name, time - previous))
            previous = time
        }
        segments.append(("playout", agentStart - previous))
        return segments
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
