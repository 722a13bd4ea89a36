import EarshotCore

extension StageRow {
    /// Cells in `ReportSchema.stageColumns` order.
    var csvFields: [String] {
        [
            String(ReportSchema.version), runID, design, scenario, String(session), String(turn), stage,
            Field.optional(firstInput, Field.milliseconds), Field.optional(firstOutput, Field.milliseconds),
            Field.optional(latency, Field.milliseconds), Field.milliseconds(busy), String(framesIn), String(framesOut),
        ]
    }

    init(record r: CSVTable.Record) throws {
        self.init(
            runID: r.string("run_id"), design: try r.nonEmpty("design"), scenario: r.string("scenario"),
            session: try r.int("session"), turn: try r.int("turn"), stage: try r.nonEmpty("stage"),
            firstInput: try r.optionalTime("first_input_ms"), firstOutput: try r.optionalTime("first_output_ms"),
            busy: try r.milliseconds("busy_ms"), framesIn: try r.int("frames_in"), framesOut: try r.int("frames_out"))
        _ = try r.optionalMilliseconds("latency_ms")
    }
}
