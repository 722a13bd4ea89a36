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
    /// `elapsed`: past the response timeout after the user stopped, past the next turn's start, and
    /// past the stop window of the barge-ins and backchannels that follow (they decide whether this
    /// turn was cut off). The last turn waits for the end of the scenario. What a run stopped early keeps.
    func turnsFinished(by elapsed: Duration) -> Set<Int> {
        let turns = scenario.turns.sorted { $0.id < $1.id }
        var finished = Set<Int>()
        for (i, turn) in turns.enumerated() {
            let next = i + 1 < turns.count ? turns[i + 1].speechStart : timeline.duration
            var settled = max(turn.speechEnd + configuration.responseTimeout, next)
            // Speech over the reply, up to the next ordinary turn, may yet show it cut off (`stops`).
            for over in turns[(i + 1)...].prefix(while: { $0.kind != .turn }) {
                settled = max(settled, over.speechEnd + configuration.stopWindow)
            }
            if elapsed >= settled { finished.insert(turn.id) }
        }
        return finished
    }

    /// Where the user spoke over the agent and the agent stopped: `cut` holds the turns whose reply
    /// was cut off, `stoppedFor` the barge-ins and backchannels it stopped for. A reply heard while
    /// a barge-in or backchannel was being spoken was cut when it went quiet before that speech
    /// ended plus `stopWindow`; one that played on was talked through, however the agent meant it.
    private func stops(_ turns: [ScenarioTurn]) -> (cut: Set<Int>, stoppedFor: Set<Int>) {
        var cut = Set<Int>(), stoppedFor = Set<Int>()
        for (j, over) in turns.enumerated() where over.kind != .turn {
            let onset = mapped(over.speechStart, isEnd: false)
            let overEnd = mapped(over.speechEnd, isEnd: true)
            let playing = turns[..<j].last { earlier in
                guard let start = playout.firstAudible(turn: earlier.id), let end = playout.lastAudibleEnd(of: earlier.id) else { return false }
                return start <= overEnd && end > onset
            }
            guard let playing, let end = playout.lastAudibleEnd(of: playing.id), end <= overEnd + configuration.stopWindow else { continue }
            cut.insert(playing.id)
            stoppedFor.insert(over.id)
        }
        return (cut, stoppedFor)
    }

    /// For each mark, its time in the attempt that was heard (`heardAttempt`): earlier attempts
    /// at the turn (an endpoint at a pause that the user talked on past) left theirs before it. A
    /// mark reached only after the first audible audio (the uplink's, when the agent talked over
    /// the user) keeps its first time, and `Mark.breakdown` cuts nothing at it.
    static func heardAttempt(_ times: [Mark: [RunTime]], agentStart: RunTime?) -> [Mark: RunTime] {
        times.compactMapValues { all in heardAttempt(all.map { ($0, $0) }, agentStart: agentStart) }
    }

    /// The one rule for what belongs to the attempt that was heard: the latest item at or before
    /// `agentStart`; with none there, the earliest after it; without a reply, the last attempt's.
    static func heardAttempt<Value>(_ items: [(at: RunTime, value: Value)], agentStart: RunTime?) -> Value? {
        guard let a = agentStart else { return items.max { $0.at < $1.at }?.value }
        return (items.filter { $0.at <= a }.max { $0.at < $1.at } ?? items.min { $0.at < $1.at })?.value
    }

    func results(records: [(stage: String, record: StageRecord)]) -> (turns: [TurnResult], stages: [StageTurnResult]) {
        let turns = scenario.turns.sorted { $0.id < $1.id }
        let (cut, stoppedFor) = stops(turns)
        var out: [TurnResult] = []
        for turn in turns {
            var times: [Mark: [RunTime]] = [:]
            var transcripts: [(at: RunTime, text: String)] = []
            var failure: StageFailure?
            for (_, record) in records {
                for (mark, t) in record.markTimes[turn.id] ?? [:] { times[mark, default: []] += t }
                transcripts += record.transcripts[turn.id] ?? []
                if failure == nil { failure = record.failures[turn.id] }
            }
            let userStart = mapped(turn.speechStart, isEnd: false)
            let userEnd = mapped(turn.speechEnd, isEnd: true)
            let agentStart = playout.firstAudible(turn: turn.id)
            var stopLatency: Duration?
            if turn.kind == .bargeIn, let end = playout.lastAudibleEnd(before: turn.id, after: userStart) {
                stopLatency = end - userStart
            }

            let outcome: TurnOutcome
            if failure != nil {
                outcome = .failed
            } else if turn.kind == .backchannel {
                outcome = agentStart != nil ? .responded : stoppedFor.contains(turn.id) ? .interrupted : .ignored
            } else if let a = agentStart, a - userEnd <= configuration.responseTimeout {
                outcome = a < userEnd ? .talkedOver : (cut.contains(turn.id) ? .interrupted : .responded)
            } else {
                outcome = .missed
            }
            out.append(TurnResult(
                design: design, scenario: scenario.name, session: session, turn: turn.id, kind: turn.kind,
                outcome: outcome, userStart: userStart, userEnd: userEnd, agentStart: agentStart,
                marks: Self.heardAttempt(times, agentStart: agentStart), stopLatency: stopLatency, failure: failure,
                heard: Self.heardAttempt(transcripts.map { ($0.at, $0.text) }, agentStart: agentStart), reference: turn.text))
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
