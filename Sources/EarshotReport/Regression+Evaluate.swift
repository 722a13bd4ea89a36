import EarshotCore
import Foundation

extension Regression {
    /// Designs in the run first, then designs only the baseline has. A design only the run has is
    /// reported and passes (nothing to regress from); one only the baseline has fails (it was
    /// measured before and is not now).
    func evaluate(_ summary: Summary) -> [GateResult] {
        let ours = summary.designs, theirs = baseline.designs
        var results: [GateResult] = []
        for design in ours {
            guard theirs.contains(design) else {
                results.append(result(design, .voiceToVoice, .p50, observed: summary[design, .voiceToVoice]?.p50, base: nil,
                                      limit: nil, pass: true, note: "new design: not in the baseline, reported, not gated"))
                continue
            }
            for metric in metrics {
                for p in readings(metric) {
                    if let r = compare(design, metric, p, summary) { results.append(r) }
                }
            }
        }
        for design in theirs where !ours.contains(design) {
            results.append(result(design, .voiceToVoice, .p50, observed: nil, base: baseline[design, .voiceToVoice]?.p50,
                                  limit: nil, pass: false, note: "in the baseline but missing from the run"))
        }
        return results
    }

    private func compare(_ design: String, _ metric: Metric, _ p: Percentile?, _ summary: Summary) -> GateResult? {
        let run = summary[design, metric], base = baseline[design, metric]
        let observed = run?.value(at: p)
        guard let base, let b = base.value(at: p), base.n > 0 else {
            guard let observed else { return nil }
            return result(design, metric, p, observed: observed, base: nil, limit: nil, pass: true, note: "not in the baseline")
        }
        let runN = run?.n ?? 0
        if base.n < minSamples || (observed != nil && runN < minSamples) {
            return result(design, metric, p, observed: observed, base: b, limit: nil, pass: true,
                          note: "skipped: \(runN) value(s) in the run, \(base.n) in the baseline, fewer than --min-samples \(minSamples)")
        }
        let tolerance = self.tolerance(for: metric)
        let slack = max(abs(b) * tolerance / 100, metric.isLatency ? floorMilliseconds : 0)
        // On the report's grid (a microsecond, or a millionth of a rate), so 200.200 against 182 + 10% passes.
        let grid: Double = metric.isLatency ? 1000 : 1_000_000
        let limit = ((metric.prefersSmaller ? b + slack : b - slack) * grid).rounded() / grid
        guard let o = observed else {
            return result(design, metric, p, observed: nil, base: b, limit: limit, pass: false, note: "missing from the run")
        }
        let pass = metric.prefersSmaller ? o <= limit : o >= limit
        let gain = metric.prefersSmaller ? b - o : o - b
        var note: String?
        if gain > slack, b != 0 {
            let word = metric.isLatency ? "faster" : "better"
            note = "\(word) than the baseline by \(String(format: "%.1f", gain / abs(b) * 100)) %: refresh it with `\(refresh)`"
        }
        return result(design, metric, p, observed: o, base: b, limit: limit, pass: pass, note: note)
    }

    private func result(_ design: String, _ metric: Metric, _ p: Percentile?, observed: Double?, base: Double?,
                        limit: Double?, pass: Bool, note: String?) -> GateResult {
        GateResult(check: .regression, design: design, metric: metric, percentile: p, observed: observed, limit: limit,
                   baseline: base, tolerancePercent: tolerance(for: metric), pass: pass,
                   delta: observed.flatMap { o in base.map { o - $0 } }, note: note)
    }
}
