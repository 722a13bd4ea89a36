import EarshotCore

/// In `run.json`: `{"metric": "voice_to_voice_ms", "percentile": "p90", "limit": 300, "design": null}`.
extension Gate: Codable {
    private enum CodingKeys: String, CodingKey { case metric, percentile, limit, design }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .metric)
        guard let metric = Metric(named: name) else {
            throw DecodingError.dataCorruptedError(forKey: .metric, in: c, debugDescription: "unknown metric \"\(name)\"")
        }
        let percentile = try c.decodeIfPresent(Percentile.self, forKey: .percentile)
        guard metric.isLatency == (percentile != nil) else {
            throw DecodingError.dataCorruptedError(
                forKey: .percentile, in: c,
                debugDescription: metric.isLatency ? "\(metric) needs a percentile" : "\(metric) is a rate: no percentile")
        }
        self.metric = metric
        self.percentile = percentile
        limit = try c.decode(Double.self, forKey: .limit)
        design = try c.decodeIfPresent(String.self, forKey: .design)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(metric.name, forKey: .metric)
        try c.encodeIfPresent(percentile, forKey: .percentile)
        try c.encode(limit, forKey: .limit)
        try c.encode(design, forKey: .design)
    }
}
