import Foundation

/// The pipelines shipped with Earshot (Sources/EarshotStages/Presets/*.yaml, package resources).
public enum Presets {
    static var folder: URL? { Bundle.module.url(forResource: "Presets", withExtension: nil) }

    public static var names: [String] {
        guard let folder, let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    public static func url(named name: String) -> URL? {
        guard let url = folder?.appendingPathComponent("\(name).yaml"), FileManager.default.fileExists(atPath: url.path) else { return nil }
        return url
    }
}
