/// Turns one session's raw records — source emission times, stage marks and failures, what
/// playout heard — into per-turn results. Shared by both runtimes, so a turn is measured the same
/// way under either clock.
struct SessionLedger {
    let design: String
    let session: Int
    let scenario: Scenario
    let timeline: SourceTimeline
    let configuration: RunConfiguration
    /// Actual emission time of the source frames that hold a ground-truth instant.
    var sourceEmits: [Int: RunTime] = [:]
    var playout: Playout

    init(design: String, session: Int, scenario: Scenario, timeline: SourceTimeline, configuration: RunConfiguration) {
        self.design = design
        self.session = session
        self.scenario = scenario
        self.timeline = timeline
        self.configuration = configuration
        self.playout = Playout(thresholdDBFS: configuration.silenceThresholdDBFS)
    }

    /// Frames whose emission time the ledger needs.
    var keyFrames: Set<Int> {
        var s = Set<Int>()
        for t in scenario.turns {
            s.insert(timeline.frameIndex(containing: t.speechStart, isEnd: false))
            s.insert(timeline.frameIndex(containing: t.speechEnd, isEnd: true))
        }
        return s
    }

    private func mapped(_ t: Duration, isEnd: Bool) -> RunTime {
        let k = timeline.frameIndex(containing: t, isEnd: isEnd)
        return timeline.map(t, frame: k, emittedAt: sourceEmits[k] ?? timeline.due(k))
    }

    /// The turns whose outcome and marks can no longer change once the session's clock has read
    /// `elapsed`: past the response timeout after the user stopped, and past the next turn's start
    /// (a barge-in there decides whether this turn was cut off). The last turn waits for the end
    /// of the scenario. What a run stopped early keeps.
    func turnsFinished(by elapsed: Duration) -> Set<Int> {
        let turns = scenario.turns.sorted { $0.id < $1.id }
        var finished = Set<Int>()
        for (i, turn) in turns.enumerated() {
            let next = i + 1 < turns.count ? turns[i + 1].speechStart : timeline.duration
            if elapsed >= max(turn.speechEnd + configuration.responseTimeout, next) { finished.insert(turn.id) }
        }
        return finished
    }

    func results(records: [(stage: String, record: StageRecord)]) -> (turns: [TurnResult], stages: [StageTurnResult]) {
        let turns = scenario.turns.sorted { $0.id < $1.id }
        var out: [TurnResult] = []
        for (i, turn) in turns.enumerated() {
            var marks: [Mark: RunTime] = [:]
            var failure: StageFailure?
            for (_, record) in records {
                for (mark, time) in record.marks[turn.id] ?? [:] where marks[mark].map({ time < $0 }) ?? true {
                    marks[mark] = time
                }
                if failure == nil { failure = record.failures[turn.id] }
            }
            let userStart = mapped(turn.speechStart, isEnd: false)
            let userEnd = mapped(turn.speechEnd, isEnd: true)
            let agentStart = playout.firstAudible(turn: turn.id)
            var stopLatency: Duration?
            if turn.kind == .bargeIn, let end = playout.lastAudibleEnd(before: turn.id, after: userStart) {
                stopLatency = end - userStart
            }
            let next = i + 1 < turns.count ? turns[i + 1] : nil
            let cutOff = next.map { n in
                n.kind == .bargeIn && playout.runs.contains { $0.turn == turn.id && $0.end > mapped(n.speechStart, isEnd: false) }
            } ?? false

            let outcome: TurnOutcome
            if failure != nil {
                outcome = .failed
            } else if turn.kind == .backchannel {
                outcome = agentStart == nil ? .ignored : .responded
            } else if let a = agentStart, a - userEnd <= configuration.responseTimeout {
                outcome = a < userEnd ? .talkedOver : (cutOff ? .interrupted : .responded)
            } else {
                outcome = .missed
            }
            out.append(TurnResult(
                design: design, scenario: scenario.name, session: session, turn: turn.id, kind: turn.kind,
                outcome: outcome, userStart: userStart, userEnd: userEnd, agentStart: agentStart,
                marks: marks, stopLatency: stopLatency, failure: failure))
        }
        var stageRows: [StageTurnResult] = []
        for turn in turns {
            for (name, record) in records {
                let t = turn.id < record.turns.count ? record.turns[turn.id] : StageRecord.TurnTiming()
                stageRows.append(StageTurnResult(
                    design: design, scenario: scenario.name, session: session, turn: turn.id, stage: name,
                    firstInput: t.firstInput, firstOutput: t.firstOutput, busy: t.busy,
                    framesIn: t.framesIn, framesOut: t.framesOut))
            }
        }
        return (out, stageRows)
    }
}
