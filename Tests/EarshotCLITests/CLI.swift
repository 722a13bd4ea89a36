import Foundation

/// Runs the built `earshot` binary the way a user or a CI job does, from the repository root.
enum CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The binary sits beside the test bundle in the build folder.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("earshot")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Killed at the time limit: the command hung.
        var timedOut = false
    }

    /// Runs `earshot` in `directory` (the repository root unless given); past `timeLimit` it is
    /// killed and the result says so.
    static func run(_ arguments: [String], in directory: URL? = nil, timeLimit: Duration = .seconds(300),
                    signal: (number: Int32, after: Duration)? = nil, signalWhen: (@Sendable () -> Bool)? = nil) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        p.currentDirectoryURL = directory ?? root
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let killed = UnsafeFlag()
        let watchdog = DispatchWorkItem { if p.isRunning { killed.set(); p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(Int(timeLimit.components.seconds)), execute: watchdog)
        if let signal {
            // The signal goes `after` the start, and once `signalWhen` (if given) holds, looked at every 50 ms.
            let pid = p.processIdentifier
            let ms = Int(signal.after.components.seconds * 1000 + signal.after.components.attoseconds / 1_000_000_000_000_000)
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(ms)) {
                while let ready = signalWhen, !ready(), p.isRunning { usleep(50_000) }
                kill(pid, signal.number)
            }
        }
        // Both pipes drain at once, so a command that fills one never blocks on it.
        let group = DispatchGroup()
        let o = UnsafeData(), e = UnsafeData()
        DispatchQueue.global().async(group: group) { o.data = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { e.data = err.fileHandleForReading.readDataToEndOfFile() }
        group.wait()
        p.waitUntilExit()
        watchdog.cancel()
        return Result(status: p.terminationStatus, stdout: String(decoding: o.data, as: UTF8.self),
                      stderr: String(decoding: e.data, as: UTF8.self), timedOut: killed.isSet)
    }

    /// Written by one reader thread, read after the group's wait (a happens-before edge).
    private final class UnsafeData: @unchecked Sendable { var data = Data() }
    private final class UnsafeFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.withLock { value = true } }
        var isSet: Bool { lock.withLock { value } }
    }

    /// Runs each script at once with `shell`, in `folder` (by default the repository root, where
    /// the fixtures are), earshot on the PATH; each result holds the script's output, stdout and
    /// stderr together, as a CI log does.
    static func shells(_ scripts: [(script: String, env: [String: String])], shell: [String] = ["/bin/sh", "-c"],
                       in folder: URL = root) throws -> [Result] {
        let path = binary.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        var running: [(Process, FileHandle, URL)] = []
        for (script, env) in scripts {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: shell[0])
            p.arguments = Array(shell.dropFirst()) + [script]
            p.currentDirectoryURL = folder
            p.environment = ProcessInfo.processInfo.environment.merging(env.merging(["PATH": path]) { $1 }) { $1 }
            // A file, not a pipe: a chatty script never blocks on a full pipe nobody reads yet.
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-shell-\(UUID().uuidString).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            p.standardOutput = handle
            p.standardError = handle
            try p.run()
            running.append((p, handle, log))
        }
        return running.map { p, handle, log in
            p.waitUntilExit()
            try? handle.close()
            defer { try? FileManager.default.removeItem(at: log) }
            return Result(status: p.terminationStatus, stdout: (try? String(contentsOf: log, encoding: .utf8)) ?? "", stderr: "")
        }
    }

    static func temporaryFolder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("earshot-cli-\(UUID().uuidString)").path
    }
}
