import Foundation

extension GateResult {
    /// A sentence with the numbers and units, for JUnit failure messages and reports:
    /// `p90 812.400 ms is over the budget of 300.000 ms by 512.400 ms`.
    var explanation: String {
        let unit = metric.isLatency ? " ms" : ""
        let v = { (x: Double) in self.format(x) + unit }
        let what = [metric.name, percentile?.rawValue].compactMap { $0 }.joined(separator: " ")
        guard let observed else { return "\(design) \(what): " + (note ?? "no values to check (no turn produced this metric)") }
        switch check {
        case .budget:
            let limit = self.limit ?? 0
            let bound = metric.prefersSmaller ? "at most" : "at least"
            let verdict = pass ? "within" : (metric.prefersSmaller ? "over" : "under")
            return "\(design) \(what) \(v(observed)) is \(verdict) the limit (\(bound) \(v(limit))) by \(v(abs(observed - limit)))"
        case .regression:
            guard let baseline, let limit else {
                return "\(design) \(what) \(v(observed)): " + (note ?? "the baseline has no value to compare with")
            }
            let side = pass ? "within" : (metric.prefersSmaller ? "over" : "under")
            return "\(design) \(what) \(v(observed)) against baseline \(v(baseline)) (\(change ?? "n/a")): "
                + "\(side) the limit \(v(limit)) (\(toleranceText))" + (note.map { "; \($0)" } ?? "")
        }
    }
}
