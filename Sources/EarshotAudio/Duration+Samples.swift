import EarshotCore

extension Duration {
    /// `samples` per channel at `sampleRate`, rounded to the nanosecond.
    init(samples: Int, sampleRate: Int) {
        self = .nanoseconds((Int64(samples) * 1_000_000_000 + Int64(sampleRate) / 2) / Int64(sampleRate))
    }

    /// Samples per channel this duration spans at `sampleRate`, or nil when that is not a whole
    /// number: frame sizes must be exact, or frame boundaries drift against the media clock.
    func wholeSamples(at sampleRate: Int) -> Int? {
        let (product, overflow) = nanoseconds.multipliedReportingOverflow(by: Int64(sampleRate))
        guard !overflow, product % 1_000_000_000 == 0 else { return nil }
        return Int(product / 1_000_000_000)
    }

    /// "20 ms", "2.5 ms": durations in messages read the way users type them.
    var millisecondsText: String {
        let ns = nanoseconds
        if ns % 1_000_000 == 0 { return "\(ns / 1_000_000) ms" }
        var text = String(Double(ns) / 1_000_000)
        while text.hasSuffix("0") { text.removeLast() }
        return text + " ms"
    }
}
