import EarshotCore

/// One row of `stages.csv`: one stage's view of one turn, at the report's precision.
public struct StageRow: Sendable, Equatable {
    public var runID: String
    public var design: String
    public var scenario: String
    public var session: Int
    public var turn: Int
    public var stage: String
    /// When the turn's first frame reached the stage, and when the stage first emitted for it.
    public var firstInput: RunTime?
    public var firstOutput: RunTime?
    /// Time spent inside the stage: measured stages only; zero for modelled stages in virtual time.
    public var busy: Duration
    public var framesIn: Int
    public var framesOut: Int

    public init(runID: String, design: String, scenario: String, session: Int, turn: Int, stage: String,
                firstInput: RunTime?, firstOutput: RunTime?, busy: Duration, framesIn: Int, framesOut: Int) {
        self.runID = runID
        self.design = design
        self.scenario = scenario
        self.session = session
        self.turn = turn
        self.stage = stage
        self.firstInput = firstInput.map(Field.rounded)
        self.firstOutput = firstOutput.map(Field.rounded)
        self.busy = Field.rounded(busy)
        self.framesIn = framesIn
        self.framesOut = framesOut
    }

    public init(_ s: StageTurnResult, runID: String) {
        self.init(runID: runID, design: s.design, scenario: s.scenario, session: s.session, turn: s.turn,
                  stage: s.stage, firstInput: s.firstInput, firstOutput: s.firstOutput, busy: s.busy,
                  framesIn: s.framesIn, framesOut: s.framesOut)
    }

    /// First input to first output.
    public var latency: Duration? {
        guard let i = firstInput, let o = firstOutput else { return nil }
        return o - i
    }
}
