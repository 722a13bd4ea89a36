import EarshotCore

extension TurnRow {
    static let segmentColumns = ReportSchema.segments.map { ($0, "\($0)_ms") }

    /// Cells in `ReportSchema.turnColumns` order.
    var csvFields: [String] {
        var cells = [
            String(ReportSchema.version), runID, design, scenario, String(session), String(turn), kind.rawValue, outcome.rawValue,
            Field.milliseconds(userStart), Field.milliseconds(userEnd),
            Field.optional(agentStart, Field.milliseconds), Field.optional(voiceToVoice, Field.milliseconds),
        ]
        cells += ReportSchema.segments.map { Field.optional(segments[$0], Field.milliseconds) }
        cells += [
            Field.optional(stopLatency, Field.milliseconds), Field.optional(budget, Field.milliseconds),
            Field.optional(withinBudget, Field.bool), failure ?? "",
            heard ?? "", Field.optional(wordErrors) { String($0.words) }, Field.optional(wordErrors) { String($0.edits) },
            Field.optional(wordErrors?.rate) { String(format: "%.6f", $0) }, Field.optional(answeredUnheard, Field.bool),
        ]
        return cells
    }

    init(record r: CSVTable.Record) throws {
        var segments: [String: Duration] = [:]
        for (name, column) in Self.segmentColumns {
            if let d = try r.optionalMilliseconds(column) { segments[name] = d }
        }
        let failure = r.string("failure")
        let words = try r.optionalInt("words"), edits = try r.optionalInt("word_errors")
        guard (words == nil) == (edits == nil), (words ?? 1) > 0, (edits ?? 0) >= 0 else {
            throw InputError(file: r.table.file, line: r.line,
                             "words and word_errors go together, words > 0 and word_errors >= 0; got \"\(r.string("words"))\" and \"\(r.string("word_errors"))\"")
        }
        let heard = r.string("heard")
        self.init(
            runID: r.string("run_id"), design: try r.nonEmpty("design"), scenario: r.string("scenario"),
            session: try r.int("session"), turn: try r.int("turn"),
            kind: try r.oneOf("kind", ScenarioTurn.Kind.self), outcome: try r.oneOf("outcome", TurnOutcome.self),
            userStart: try r.time("user_start_ms"), userEnd: try r.time("user_end_ms"),
            agentStart: try r.optionalTime("agent_start_ms"), segments: segments,
            stopLatency: try r.optionalMilliseconds("stop_latency_ms"), budget: try r.optionalMilliseconds("budget_ms"),
            failure: failure.isEmpty ? nil : failure,
            heard: heard.isEmpty && words == nil && r.string("answered_unheard").isEmpty ? nil : heard,
            wordErrors: words.map { WordErrors(edits: edits!, words: $0) }, answeredUnheard: try r.optionalBool("answered_unheard"))
        let rate = r.string("word_error_rate")
        guard rate == Field.optional(wordErrors?.rate, { String(format: "%.6f", $0) }) else {
            throw InputError(file: r.table.file, line: r.line,
                             "word_error_rate is \"\(rate)\" but word_errors / words is \(Field.optional(wordErrors?.rate, { String(format: "%.6f", $0) }))")
        }
        // Derived columns are checked, not trusted: a hand-edited or corrupted file says so here
        // rather than summarising to something its rows do not show.
        let v2v = try r.optionalMilliseconds("voice_to_voice_ms")
        guard v2v == voiceToVoice else {
            throw InputError(file: r.table.file, line: r.line,
                             "voice_to_voice_ms is \(r.string("voice_to_voice_ms")) but agent_start_ms − user_end_ms is \(Field.optional(voiceToVoice, Field.milliseconds))")
        }
        if let v2v {
            let total = breakdown.reduce(Duration.zero) { $0 + $1.duration }
            guard breakdown.isEmpty || total == v2v else {
                throw InputError(file: r.table.file, line: r.line,
                                 "the breakdown columns add up to \(Field.milliseconds(total)), not voice_to_voice_ms \(Field.milliseconds(v2v))")
            }
        }
    }
}
