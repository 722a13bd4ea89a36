import Foundation

extension RunInfo {
    /// A run id no other run has, so rows collected from many runs (a trend over CI jobs) stay
    /// apart: the UTC start to the second, for sorting and reading, then 32 random bits, since
    /// shards of one CI job start in the same second. E.g. `20261206T083500Z-3f9a1c07`.
    public static func newRunID(startedAt: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
        return f.string(from: startedAt) + "-" + String(repeating: "0", count: 8 - suffix.count) + suffix
    }

    /// Why `id` cannot name a run, or nil: it goes into every CSV row and file names built from it.
    public static func problem(withRunID id: String) -> String? {
        if id.isEmpty { return "must not be empty" }
        if id.count > 100 { return "must be at most 100 characters" }
        if id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "," || $0 == "\"" }) {
            return "must not hold control characters, commas or quotes"
        }
        return nil
    }
}
