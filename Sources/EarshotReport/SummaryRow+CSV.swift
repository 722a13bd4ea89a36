import EarshotCore

extension SummaryRow {
    /// Cells in `ReportSchema.summaryColumns` order.
    var csvFields: [String] {
        let unit = metric.unit
        let value = { (v: Double?) in Field.optional(v) { Field.value($0, unit: unit) } }
        return [
            String(ReportSchema.version), runID, design, metric.name, unit.rawValue, String(n),
            value(mean), value(p25), value(p50), value(p75), value(p90), value(p95), value(p99), value(max),
            value(budget), gatePercentile?.rawValue ?? "", Field.optional(pass, Field.bool),
        ]
    }

    init(record r: CSVTable.Record) throws {
        let name = r.string("metric")
        guard let metric = Metric(named: name) else {
            throw InputError(file: r.table.file, line: r.line,
                             "metric: unknown metric \"\(name)\" (known: \(Metric.all.map(\.name).joined(separator: ", ")))")
        }
        guard r.string("unit") == metric.unit.rawValue else {
            throw InputError(file: r.table.file, line: r.line,
                             "unit: \(metric.name) is in \(metric.unit.rawValue), got \"\(r.string("unit"))\"")
        }
        let gate = r.string("gate_percentile")
        self.init(
            runID: r.string("run_id"), design: try r.nonEmpty("design"), metric: metric, n: try r.int("n"),
            mean: try r.optionalDouble("mean"), p25: try r.optionalDouble("p25"), p50: try r.optionalDouble("p50"),
            p75: try r.optionalDouble("p75"), p90: try r.optionalDouble("p90"), p95: try r.optionalDouble("p95"),
            p99: try r.optionalDouble("p99"), max: try r.optionalDouble("max"), budget: try r.optionalDouble("budget"),
            gatePercentile: gate.isEmpty ? nil : try r.oneOf("gate_percentile", Percentile.self),
            pass: try r.optionalBool("pass"))
    }
}
