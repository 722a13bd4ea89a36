import EarshotCore
import Foundation

/// Writing a report file: the folder is made if missing, the file is replaced whole (never left
/// half written), and a failure names the path, as bad input (an `--out` that cannot be written).
public enum OutputFile {
    static func write(_ data: Data, to file: URL) throws {
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: file, options: .atomic)
        } catch {
            throw InputError(file: file.relativePath, "cannot write: \(SystemErrorText.describe(error))")
        }
    }

    /// Refuses, before any work is done, a folder that cannot take the run's files: a file in its
    /// place, or a place where nothing can be written. Makes the folder, as writing would.
    public static func checkFolder(_ folder: URL, option: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw InputError(file: folder.relativePath, "\(option) names a file; it takes a folder")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let probe = folder.appendingPathComponent(".earshot-write-check-\(getpid())")
            try Data().write(to: probe)
            try FileManager.default.removeItem(at: probe)
        } catch {
            throw InputError(file: folder.relativePath, "\(option): cannot write here: \(SystemErrorText.describe(error))")
        }
    }

    /// Refuses, before any work is done, a report file that could not be written: a folder in its
    /// place, or a folder that cannot take it.
    public static func checkFile(_ file: URL, option: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw InputError(file: file.relativePath, "\(option) names a folder; it takes a file")
        }
        try checkFolder(file.deletingLastPathComponent(), option: option)
    }

    static func append(_ data: Data, to file: URL) throws {
        guard FileManager.default.fileExists(atPath: file.path) else { return try write(data, to: file) }
        do {
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
        } catch {
            throw InputError(file: file.relativePath, "cannot append: \(SystemErrorText.describe(error))")
        }
    }
}
