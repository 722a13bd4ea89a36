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

        public init(runID: String, seed: UInt64?, startedAt: Date?, firstSession: Int?, turns: Int) {
            self.runID = runID
            self.seed = seed
            self.startedAt = startedAt
            self.firstSession = firstSession
            self.turns = turns
        }
    }
}
