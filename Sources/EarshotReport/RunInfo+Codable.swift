import Foundation
import EarshotCore

extension RunInfo: Codable {
    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case runID = "run_id"
        case startedAt = "started_at"
        case seed, configuration
        case budgetMs = "budget_ms"
        case gates, designs, scenarios, parameters, versions, machine, harness, connect, shards, interrupted, rows, pipelines
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try c.decode(Int.self, forKey: .schemaVersion)
        runID = try c.decode(String.self, forKey: .runID)
        if let text = try c.decodeIfPresent(String.self, forKey: .startedAt) {
            guard let date = Self.parseDate(text) else {
                throw DecodingError.dataCorruptedError(forKey: .startedAt, in: c, debugDescription: "not an ISO 8601 time: \(text)")
            }
            startedAt = date
        }
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        configuration = try c.decodeIfPresent(Configuration.self, forKey: .configuration)
        if let problem = configuration?.outOfRange {
            throw DecodingError.dataCorruptedError(forKey: .configuration, in: c, debugDescription: problem)
        }
        if let ms = try c.decodeIfPresent(Double.self, forKey: .budgetMs) {
            guard ms > 0, let d = Duration.milliseconds(checked: ms) else {
                throw DecodingError.dataCorruptedError(forKey: .budgetMs, in: c, debugDescription: "must be > 0 and \(InputLimits.rule), got \(ms)")
            }
            budget = d
        }
        gates = try c.decodeIfPresent([Gate].self, forKey: .gates) ?? []
        designs = try c.decodeIfPresent([String].self, forKey: .designs) ?? []
        scenarios = try c.decodeIfPresent([String].self, forKey: .scenarios) ?? []
        parameters = try c.decodeIfPresent([String: String].self, forKey: .parameters) ?? [:]
        versions = try c.decodeIfPresent([String: String].self, forKey: .versions) ?? [:]
        machine = try c.decodeIfPresent(Machine.self, forKey: .machine)
        harness = try c.decodeIfPresent([String: Harness].self, forKey: .harness) ?? [:]
        connect = try c.decodeIfPresent([String: Connect].self, forKey: .connect) ?? [:]
        shards = try c.decodeIfPresent([Shard].self, forKey: .shards) ?? []
        interrupted = try c.decodeIfPresent(Bool.self, forKey: .interrupted) ?? false
        rows = try c.decodeIfPresent(Rows.self, forKey: .rows)
        pipelines = try c.decodeIfPresent([String: String].self, forKey: .pipelines) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try c.encode(runID, forKey: .runID)
        try c.encodeIfPresent(startedAt.map(Self.formatDate), forKey: .startedAt)
        try c.encodeIfPresent(seed, forKey: .seed)
        try c.encodeIfPresent(configuration, forKey: .configuration)
        try c.encodeIfPresent(budget.map(Summary.milliseconds), forKey: .budgetMs)
        try c.encode(gates, forKey: .gates)
        try c.encode(designs, forKey: .designs)
        try c.encode(scenarios, forKey: .scenarios)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(versions, forKey: .versions)
        try c.encodeIfPresent(machine, forKey: .machine)
        try c.encode(harness, forKey: .harness)
        // Written only when some design connected, so runs without network stages keep their bytes.
        if !connect.isEmpty { try c.encode(connect, forKey: .connect) }
        if !shards.isEmpty { try c.encode(shards, forKey: .shards) }
        if interrupted { try c.encode(true, forKey: .interrupted) }
        try c.encodeIfPresent(rows, forKey: .rows)
        if !pipelines.isEmpty { try c.encode(pipelines, forKey: .pipelines) }
    }

    /// `run.json`'s bytes: keys sorted, indented, so two of them diff well.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    private static func formatter() -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }

    static func formatDate(_ d: Date) -> String { formatter().string(from: d) }

    static func parseDate(_ s: String) -> Date? {
        if let d = formatter().date(from: s) { return d }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: s)
    }
}
