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

    static func temporaryFolder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("earshot-cli-\(UUID().uuidString)").path
    }
}
