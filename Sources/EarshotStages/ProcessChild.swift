import EarshotCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One running plug-in process: its pipes, and line I/O with deadlines.
///
/// Everything here runs on the owning stage's context (its serial queue, or the virtual
/// scheduler); replies are read by `poll`-with-timeout on that same context rather than by a reader
/// thread, so no state is shared across threads and nothing needs a lock. The one other thread is
/// the stderr forwarder, which owns its descriptor and buffer outright.
final class ProcessChild {
    enum Read: Equatable {
        case line(String)
        case closed
        case timedOut
    }

    let pid: pid_t
    /// Our ends of the child's stdin and stdout.
    private let input: Int32
    private let output: Int32
    private var inputOpen = true
    private var ended: Spawn.Termination?
    private var buffer: [UInt8] = []

    /// Writing to a child that has died must come back as EPIPE, not kill the harness with SIGPIPE.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Starts `command` (looked up on PATH unless it contains a slash) with `arguments`; its stderr
    /// is copied line by line to ours, each line prefixed with `label`.
    init(command: String, arguments: [String], label: String) throws {
        _ = Self.ignoreSIGPIPE
        guard let executable = Self.resolve(command) else {
            throw InputError("cannot start '\(command)': not found on PATH (give its path, or install it)")
        }
        let stdin = try Spawn.pipe(), stdout = try Spawn.pipe(), stderr = try Spawn.pipe()
        // The child's ends are the child's alone once it has them (and ours to close if it never starts).
        defer { for fd in [stdin.read, stdout.write, stderr.write] { close(fd) } }
        do {
            pid = try Spawn.start(executable.path, [command] + arguments,
                                  stdin: stdin.read, stdout: stdout.write, stderr: stderr.write)
        } catch {
            for fd in [stdin.write, stdout.read, stderr.read] { close(fd) }
            throw InputError("cannot start '\(command)': \(error)")
        }
        input = stdin.write
        output = stdout.read
        Self.forwardStderr(stderr.read, prefix: "[\(label)] ")
    }

    deinit {
        stop()
        close(output)
    }

    static func resolve(_ command: String) -> URL? {
        if command.contains("/") {
            return FileManager.default.isExecutableFile(atPath: command) ? URL(fileURLWithPath: command) : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(command)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        return nil
    }

    /// The forwarder thread owns `fd` and its partial line; it ends, closing `fd`, at the child's EOF.
    private static func forwardStderr(_ fd: Int32, prefix: String) {
        let thread = Thread {
            defer { close(fd) }
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            func flush(_ line: ArraySlice<UInt8>) {
                let text = prefix + String(decoding: line, as: UTF8.self) + "\n"
                FileHandle.standardError.write(Data(text.utf8))
            }
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                pending += chunk[0..<n]
                while let nl = pending.firstIndex(of: 10) {
                    flush(pending[..<nl])
                    pending.removeSubrange(...nl)
                }
            }
            if !pending.isEmpty { flush(pending[...]) }
        }
        thread.name = "earshot.plugin-stderr"
        thread.start()
    }

    /// Writes one message and its newline; false when the child has gone (EPIPE).
    func write(line: String) -> Bool {
        var bytes = Array(line.utf8)
        bytes.append(10)
        guard inputOpen else { return false }
        let fd = input
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// The next line from the child's stdout, waiting no later than `deadline`.
    func readLine(before deadline: ContinuousClock.Instant) -> Read {
        let fd = output
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return .line(line)
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return .timedOut }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms = Int32(min(Int64(Int32.max), (left.nanoseconds + 999_999) / 1_000_000))
            let ready = poll(&p, 1, ms)
            if ready < 0 {
                if errno == EINTR { continue }
                return .closed
            }
            if ready == 0 { continue }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65_536) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return .closed }
            buffer += chunk[0..<n]
        }
    }

    /// Whether the child is still running; reaps it once it has ended.
    private var isRunning: Bool {
        if ended == nil { ended = Spawn.reap(pid, block: false) }
        return ended == nil
    }

    /// How the child ended, once it has; waits up to `grace` for it.
    func exitDescription(grace: Duration = .milliseconds(200)) -> String {
        let until = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < until { usleep(1_000) }
        return ended.map(\.description) ?? "still running"
    }

    /// Asks politely (closing stdin is the child's cue to finish), then terminates; always reaps.
    func stop(grace: Duration = .milliseconds(200)) {
        if inputOpen {
            close(input)
            inputOpen = false
        }
        let until = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < until { usleep(1_000) }
        if isRunning {
            kill(pid, SIGTERM)
            let hard = ContinuousClock.now + .seconds(1)
            while isRunning && ContinuousClock.now < hard { usleep(1_000) }
            if isRunning { kill(pid, SIGKILL) }
        }
        if ended == nil { ended = Spawn.reap(pid, block: true) }
    }
}
