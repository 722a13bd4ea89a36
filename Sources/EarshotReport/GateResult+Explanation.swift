import Foundation

extension GateResult {
    /// A sentence with the numbers and units, for JUnit failure messages and reports:
    /// `p90 812.400 ms is over the budget of 300.000 ms by 512.400 ms`.
    var explanation: String {
        let unit = metric.isLatency ? " ms" : ""
        let v = { (x: Double) in self.format(x) + unit }
        let what = [metric.name, percentile?.rawValue].compactMap { $0 }.joined(separator: " ")
        guard let observed else { return "\(design) \(what): no values to check (no turn produced this metric)" }
        switch check {
        case .budget:
            let limit = self.limit ?? 0
            let bound = metric.prefersSmaller ? "at most" : "at least"
            let verdict = pass ? "within" : (metric.prefersSmaller ? "over" : "under")
            return "\(design) \(what) \(v(observed)) is \(verdict) the limit (\(bound) \(v(limit))) by \(v(abs(observed - limit)))"
        case .regression:
            guard let baseline, let limit else { return "\(design) \(what) \(v(observed)): the baseline has no value to compare with" }
            let tolerance = String(format: "%g", tolerancePercent ?? 0)
            return "\(design) \(what) \(v(observed)) against baseline \(v(baseline)) (\(change ?? "n/a")): "
                + (pass ? "within" : "over") + " the limit \(v(limit)) (+\(tolerance)%)"
        }
    }
}
