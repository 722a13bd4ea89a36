import Foundation

extension RunInfo {
    /// One input of a merge, as its own `run.json` described it.
    public struct Shard: Sendable, Equatable, Codable {
        public var runID: String
        public var seed: UInt64?
        public var startedAt: Date?
        public var firstSession: Int?
        public var turns: Int

        enum CodingKeys: String, CodingKey {
            case runID = "run_id"
            case seed
            case startedAt = "started_at"
            case firstSession = "first_session"
            case turns
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            runID = try c.decode(String.self, forKey: .runID)
            seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
            // ISO 8601, as the top level writes it; earlier merges wrote seconds since 2001, still read.
            if let text = try? c.decodeIfPresent(String.self, forKey: .startedAt) {
                guard let date = RunInfo.parseDate(text) else {
                    throw DecodingError.dataCorruptedError(forKey: .startedAt, in: c, debugDescription: "not an ISO 8601 time: \(text)")
                }
                startedAt = date
            } else {
                startedAt = try c.decodeIfPresent(Double.self, forKey: .startedAt).map(Date.init(timeIntervalSinceReferenceDate:))
            }
            firstSession = try c.decodeIfPresent(Int.self, forKey: .firstSession)
            turns = try c.decode(Int.self, forKey: .turns)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(runID, forKey: .runID)
            try c.encodeIfPresent(seed, forKey: .seed)
            try c.encodeIfPresent(startedAt.map(RunInfo.formatDate), forKey: .startedAt)
            try c.encodeIfPresent(firstSession, forKey: .firstSession)
            try c.encode(turns, forKey: .turns)
        }

        public init(runID: String, seed: UInt64?, startedAt: Date?, firstSession: Int?, turns: Int) {
            self.runID = runID
            self.seed = seed
            self.startedAt = startedAt
            self.firstSession = firstSession
            self.turns = turns
        }
    }
}
