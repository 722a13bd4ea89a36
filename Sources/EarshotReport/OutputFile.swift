import EarshotCore
import Foundation

/// Writing a report file: the folder is made if missing, the file is replaced whole (never left
/// half written), and a failure names the path, as bad input (an `--out` that cannot be written).
enum OutputFile {
    static func write(_ data: Data, to file: URL) throws {
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: file, options: .atomic)
        } catch {
            throw InputError(file: file.relativePath, "cannot write: \(error.localizedDescription)")
        }
    }

    static func append(_ data: Data, to file: URL) throws {
        guard FileManager.default.fileExists(atPath: file.path) else { return try write(data, to: file) }
        do {
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
        } catch {
            throw InputError(file: file.relativePath, "cannot append: \(error.localizedDescription)")
        }
    }
}
