import Foundation

extension GateResult {
    /// Cells in `ReportSchema.gateColumns` order.
    func csvFields(runID: String) -> [String] {
        let value = { (v: Double?) in Field.optional(v, self.format) }
        return [
            runID, design, metric.name, check.rawValue, percentile?.rawValue ?? "",
            value(observed), value(limit), value(baseline), Field.optional(tolerancePercent) { String(format: "%g", $0) },
            value(delta), Field.bool(pass),
        ]
    }
}
