import Foundation

/// Benchmark figures, printed as they come (value, unit, target, verdict) and written as CSV.
struct BenchTable {
    enum Unit: String {
        case nanoseconds = "ns", perSecond = "1/s", bytes = "B", megabytes = "MiB", count = "count", ratio = "x", percent = "%",
             microseconds = "us", milliseconds = "ms"
    }

    let title: String
    private(set) var rows: [[String]] = []

    init(title: String) {
        self.title = title
        print(String(format: "%-44@ %16@ %-6@ %@", "figure" as NSString, "value" as NSString, "unit" as NSString, "target" as NSString))
    }

    mutating func add(_ name: String, _ value: UInt64, unit: Unit, target: String) {
        add(name, Double(value), unit: unit, target: target)
    }

    mutating func add(_ name: String, _ value: Double, unit: Unit, target: String) {
        let verdict = Self.verdict(value, target)
        let shown = value >= 100 || value == value.rounded() ? String(format: "%.0f", value) : String(format: "%.3f", value)
        print(String(format: "%-44@ %16@ %-6@ %@ %@", name as NSString, shown as NSString, unit.rawValue as NSString,
                     target as NSString, verdict as NSString))
        rows.append([name, String(format: "%.3f", value), unit.rawValue, target, verdict])
    }

    /// "pass"/"below target" for a numeric target ("<= 1000", ">= 4000 (stretch ...)"); blank for a reference figure.
    static func verdict(_ value: Double, _ target: String) -> String {
        let parts = target.split(separator: " ")
        guard parts.count >= 2, let bound = Double(parts[1]) else { return "" }
        let ok: Bool
        switch parts[0] {
        case "<=": ok = value <= bound
        case "<": ok = value < bound
        case ">=": ok = value >= bound
        case ">": ok = value > bound
        case "==": ok = value == bound
        default: return ""
        }
        return ok ? "pass" : "MISS"
    }

    func finish(csv path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let text = (["figure,value,unit,target,verdict"] + rows.map { $0.map(Self.quote).joined(separator: ",") })
            .joined(separator: "\n") + "\n"
        try text.write(to: url, atomically: true, encoding: .utf8)
        FileHandle.standardError.write(Data("\(title): wrote \(path)\n".utf8))
    }

    static func quote(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

/// A progress line on stderr, only when a person is watching.
func progress(_ line: String) {
    guard isatty(STDERR_FILENO) != 0 else { return }
    FileHandle.standardError.write(Data("\(line)\n".utf8))
}
