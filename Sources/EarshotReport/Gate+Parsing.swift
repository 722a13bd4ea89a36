import EarshotCore

extension Gate {
    static let usage = "expected metric:percentile<=ms, rate>=value or rate<=value, optionally @design or design=NAME: first "
        + "(e.g. voice_to_voice:p95<=300, endpoint_ms:p50<=200@cascade-local, response_rate>=0.95, failed_rate==0; "
        + "the older p90:300 and response_rate:0.95 still read)"

    /// Parses a threshold, k6-style or in the older colon form, optionally `@design` (or `design=NAME:` first):
    /// `voice_to_voice:p95<=300`, `endpoint:p50<=200@duplex`, `response_rate>=0.95`, `failed_rate==0`,
    /// `p90:300`, `stop_latency_ms:p95:250@duplex`, `response_rate:0.95`. A metric may drop its `_ms`.
    public init(parsing spec: String) throws {
        var body = Substring(spec)
        var design: String?
        // `design=NAME:…` says the same as `…@NAME`, for those who write the scope first.
        if body.hasPrefix("design="), let colon = body.firstIndex(of: ":") {
            design = String(body[body.index(body.startIndex, offsetBy: 7)..<colon])
            body = body[body.index(after: colon)...]
            guard design?.isEmpty == false, !body.contains("@") else {
                throw InputError("gate \"\(spec)\": design=NAME: needs a name, and no @design besides; \(Self.usage)")
            }
        }
        if let at = body.lastIndex(of: "@") {
            design = String(body[body.index(after: at)...])
            body = body[..<at]
            guard design?.isEmpty == false else { throw InputError("gate \"\(spec)\": empty design after @; \(Self.usage)") }
        }
        if let comparison = Self.comparison(in: body) {
            try self.init(spec: spec, subject: body[..<comparison.range.lowerBound], op: comparison.op,
                          value: body[comparison.range.upperBound...], design: design)
            return
        }
        var parts = body.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, Percentile(rawValue: String(parts[0])) != nil { parts.insert("voice_to_voice_ms", at: 0) }
        let metric = try Self.metric(spec: spec, String(parts[0]))
        if metric.isLatency {
            guard parts.count == 3 else { throw InputError("gate \"\(spec)\": \(Self.usage)") }
            try self.init(spec: spec, subject: Substring("\(parts[0]):\(parts[1])"), op: "<=", value: parts[2], design: design)
        } else {
            guard parts.count == 2 else { throw InputError("gate \"\(spec)\": \(Self.usage)") }
            try self.init(spec: spec, subject: parts[0], op: metric.prefersSmaller ? "<=" : ">=", value: parts[1], design: design)
        }
    }

    /// `subject` is `metric:percentile` for a latency (a bare percentile means voice-to-voice), `metric` for a rate.
    private init(spec: String, subject: Substring, op: String, value: Substring, design: String?) throws {
        var parts = subject.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 1, Percentile(rawValue: parts[0]) != nil { parts.insert(Metric.voiceToVoice.name, at: 0) }
        let metric = try Self.metric(spec: spec, parts[0])
        let better = metric.prefersSmaller ? "<=" : ">="
        let best: Double = metric.prefersSmaller ? 0 : 1
        if metric.isLatency {
            let percentiles = Percentile.allCases.map(\.rawValue).joined(separator: "|")
            guard parts.count == 2, let p = Percentile(rawValue: parts[1]) else {
                throw InputError("gate \"\(spec)\": \(metric) needs a percentile, \(metric):\(percentiles)\(better)ms (e.g. \(metric):p95<=300)")
            }
            guard op == better else {
                throw InputError("gate \"\(spec)\": a latency is gated from above: write \(metric):\(p.rawValue)<=ms")
            }
            guard let us = Field.micros(parsing: value), us > 0 else {
                throw InputError("gate \"\(spec)\": budget \"\(value)\" is not a positive number of milliseconds")
            }
            self.init(metric, p, budget: .microseconds(us), design: design)
        } else {
            guard parts.count == 1 else {
                throw InputError("gate \"\(spec)\": \(metric) is a rate and takes no percentile (e.g. \(metric)\(better)\(metric.prefersSmaller ? "0.05" : "0.95"))")
            }
            guard let v = Field.double(parsing: value), (0...1).contains(v) else {
                throw InputError("gate \"\(spec)\": \(metric) takes a fraction between 0 and 1, e.g. \(metric)\(better)\(metric.prefersSmaller ? "0.05" : "0.95")")
            }
            // `==` can only mean the best value, where it says the same as the one-sided bound.
            guard op == better || (op == "==" && v == best) else {
                let word = metric.prefersSmaller ? "smaller" : "larger"
                throw InputError("gate \"\(spec)\": \(metric) is better \(word): write \(metric)\(better)value"
                                 + " (== only as \(metric)==\(Int(best)))")
            }
            self.init(metric, limit: v, design: design)
        }
    }

    /// The first comparison operator, longest spelling first, so `<=` is not read as `<`.
    private static func comparison(in body: Substring) -> (op: String, range: Range<Substring.Index>)? {
        guard let i = body.firstIndex(where: { "<>=".contains($0) }) else { return nil }
        let two = body[i...].prefix(2)
        let op = ["<=", ">=", "=="].contains(String(two)) ? String(two) : String(body[i])
        return (op, i..<body.index(i, offsetBy: op.count))
    }

    /// A metric by its `summary.csv` name, or a latency without its `_ms`.
    static func metric(spec: String, _ name: String) throws -> Metric {
        if let m = Metric(shortName: name) { return m }
        throw InputError("gate \"\(spec)\": unknown metric \"\(name)\" (known: \(Metric.all.map(\.name).joined(separator: ", ")))")
    }
}
