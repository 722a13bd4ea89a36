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
    /// Every time each mark was reached, per turn, in order: a turn the endpointer cut early and
    /// then redid reaches its marks once per attempt, and only the attempt that was heard counts.
    private(set) var markTimes: [Int: [Mark: [RunTime]]] = [:]
    /// The first time each mark was reached, per turn.
    var marks: [Int: [Mark: RunTime]] { markTimes.mapValues { $0.compactMapValues(\.first) } }
    private(set) var failures: [Int: StageFailure] = [:]
    /// Connection set-ups outside every turn (`StageContext.recordConnection`), in order.
    private(set) var connections: [Duration] = []
    /// Connections tried and never set up (`StageContext.recordFailedConnection`).
    private(set) var failedConnections = 0

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

    /// Each final transcript a recogniser gave the turn, in order (one per attempt).
    private(set) var transcripts: [Int: [(at: RunTime, text: String)]] = [:]

    /// A child stage may mark as often as it likes; past this many times a mark's latest replaces
    /// its last, so the first and the latest are always kept.
    static let markTimesLimit = 64

    mutating func mark(_ mark: Mark, turn: Int, at time: RunTime) {
        var times = markTimes[turn]?[mark] ?? []
        if times.count < Self.markTimesLimit { times.append(time) } else { times[times.count - 1] = time }
        markTimes[turn, default: [:]][mark] = times
    }

    mutating func transcript(_ text: String, turn: Int, at time: RunTime) {
        var all = transcripts[turn] ?? []
        if all.count < Self.markTimesLimit { all.append((time, text)) } else { all[all.count - 1] = (time, text) }
        transcripts[turn] = all
    }

    mutating func recordConnection(_ setUp: Duration) {
        connections.append(setUp)
    }

    mutating func recordFailedConnection() {
        failedConnections += 1
    }

    mutating func fail(turn: Int, failure: StageFailure) {
        if failures[turn] == nil { failures[turn] = failure }
    }
}
