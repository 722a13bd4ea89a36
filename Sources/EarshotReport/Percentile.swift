/// A percentile a gate can read. Nearest-rank: the value at rank ⌈p·n/100⌉.
public enum Percentile: String, Sendable, CaseIterable, Codable, Comparable {
    case p50, p90, p95, p99

    public var value: Double {
        switch self {
        case .p50: 50
        case .p90: 90
        case .p95: 95
        case .p99: 99
        }
    }

    public static func < (a: Percentile, b: Percentile) -> Bool { a.value < b.value }
}
