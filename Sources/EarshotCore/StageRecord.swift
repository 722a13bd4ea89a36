/// What one stage saw of each turn in one session. Lives in the stage's context, so it is written
/// only from the stage's own queue; the runtime reads it once the session has drained.
struct StageRecord {
    struct TurnTiming: Equatable {
        var firstInput: RunTime?
        var firstOutput: RunTime?
        var busy: Duration = .zero
        var framesIn = 0
        var framesOut = 0
    }

    /// Indexed by turn id; turn ids are small and dense.
    private(set) var turns: [TurnTiming] = []
    private(set) var marks: [Int: [Mark: RunTime]] = [:]
    private(set) var failures: [Int: StageFailure] = [:]
    /// Connection set-ups outside every turn (`StageContext.recordConnection`), in order.
    private(set) var connections: [Duration] = []

    private mutating func slot(_ turn: Int) -> Int {
        let i = max(turn, 0)
        if i >= turns.count { turns.append(contentsOf: repeatElement(TurnTiming(), count: i - turns.count + 1)) }
        return i
    }

    mutating func noteInput(turn: Int, at time: RunTime) {
        let i = slot(turn)
        if turns[i].firstInput == nil { turns[i].firstInput = time }
        turns[i].framesIn += 1
    }

    mutating func noteOutput(turn: Int, at time: RunTime) {
        let i = slot(turn)
        if turns[i].firstOutput == nil { turns[i].firstOutput = time }
        turns[i].framesOut += 1
    }

    mutating func addBusy(turn: Int, _ busy: Duration) {
        turns[slot(turn)].busy += busy
    }

    mutating func mark(_ mark: Mark, turn: Int, at time: RunTime) {
        if marks[turn]?[mark] == nil { marks[turn, default: [:]][mark] = time }
    }

    mutating func recordConnection(_ setUp: Duration) {
        connections.append(setUp)
    }

    mutating func fail(turn: Int, failure: StageFailure) {
        if failures[turn] == nil { failures[turn] = failure }
    }
}
