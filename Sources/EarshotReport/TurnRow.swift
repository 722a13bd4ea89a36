import EarshotCore

/// One row of `turns.csv`: a `TurnResult` at the report's precision (whole microseconds), with the
/// breakdown cut into the schema's fixed segment columns.
///
/// Every time is rounded once, as a point; spans are differences of rounded points, so in the CSV
/// `voice_to_voice_ms = agent_start_ms − user_end_ms` and the segments add up to it exactly.
public struct TurnRow: Sendable, Equatable {
    public var runID: String
    public var design: String
    public var scenario: String
    public var session: Int
    public var turn: Int
    public var kind: ScenarioTurn.Kind
    public var outcome: TurnOutcome
    public var userStart: RunTime
    public var userEnd: RunTime
    public var agentStart: RunTime?
    /// Breakdown segment durations by name (`ReportSchema.segments`); absent marks are absent.
    public var segments: [String: Duration]
    public var stopLatency: Duration?
    /// The voice-to-voice budget this turn was held to.
    public var budget: Duration?
    /// `StageFailure.description` (`stage: reason`) for a failed turn.
    public var failure: String?
    /// The recogniser's transcript (`TurnResult.heard`).
    public var heard: String?
    /// `heard` scored against what the user said (`TurnResult.wordErrors`).
    public var wordErrors: WordErrors?
    /// `TurnResult.answeredUnheard`.
    public var answeredUnheard: Bool?

    public init(runID: String, design: String, scenario: String, session: Int, turn: Int,
                kind: ScenarioTurn.Kind, outcome: TurnOutcome, userStart: RunTime, userEnd: RunTime,
                agentStart: RunTime?, segments: [String: Duration] = [:], stopLatency: Duration? = nil,
                budget: Duration?, failure: String? = nil, heard: String? = nil, wordErrors: WordErrors? = nil,
                answeredUnheard: Bool? = nil) {
        self.runID = runID
        self.design = design
        self.scenario = scenario
        self.session = session
        self.turn = turn
        self.kind = kind
        self.outcome = outcome
        self.userStart = Field.rounded(userStart)
        self.userEnd = Field.rounded(userEnd)
        self.agentStart = agentStart.map(Field.rounded)
        self.segments = segments.mapValues(Field.rounded)
        self.stopLatency = stopLatency.map(Field.rounded)
        self.budget = budget.map(Field.rounded)
        self.failure = failure
        self.heard = heard
        self.wordErrors = wordErrors
        self.answeredUnheard = answeredUnheard
    }

    /// Marks outside `Mark.known` have no column: their cut is left out, so their time counts in
    /// the next known segment and the columns still add up to the latency. The cuts are those of
    /// `Mark.breakdown`, between points rounded once.
    public init(_ result: TurnResult, runID: String, budget: Duration?) {
        var segments: [String: Duration] = [:]
        let userEnd = Field.rounded(result.userEnd)
        if let agentStart = result.agentStart.map(Field.rounded) {
            let known = result.marks.filter { Mark.known.contains($0.key) }.map { ($0.key, Field.rounded($0.value)) }
            for segment in Mark.breakdown(from: userEnd, to: agentStart, marks: known) { segments[segment.name] = segment.duration }
        }
        self.init(runID: runID, design: result.design, scenario: result.scenario, session: result.session,
                  turn: result.turn, kind: result.kind, outcome: result.outcome, userStart: result.userStart,
                  userEnd: userEnd, agentStart: result.agentStart, segments: segments,
                  stopLatency: result.stopLatency, budget: budget, failure: result.failure?.description,
                  heard: result.heard, wordErrors: result.wordErrors, answeredUnheard: result.answeredUnheard)
    }

    /// Negative when the agent talked over the user.
    public var voiceToVoice: Duration? { agentStart.map { $0 - userEnd } }

    /// Whether the turn's voice-to-voice latency met its budget; nil for a turn whose latency does
    /// not count (talked over, missed, failed, a backchannel) or without a budget.
    public var withinBudget: Bool? {
        guard countsLatency, let v = voiceToVoice, let budget else { return nil }
        return v <= budget
    }

    /// The segments present, in column order (the time order of the built-in designs).
    public var breakdown: [(name: String, duration: Duration)] {
        ReportSchema.segments.compactMap { name in segments[name].map { (name, $0) } }
    }

    /// Whether this turn's latencies enter the summary (`TurnOutcome.countsLatency`).
    var countsLatency: Bool { agentStart != nil && outcome.countsLatency(kind: kind) }
}
