import EarshotCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One running plug-in process: its pipes, and line I/O with deadlines.
///
/// Whoever holds the child — the stage, or the blocking job of one frame's round trip — is the
/// only one touching it: replies are read by `poll`-with-timeout by that holder rather than by a
/// reader thread, so no state is shared across threads and nothing needs a lock. The one other
/// thread is the stderr forwarder, which owns its descriptor and buffer outright.
///
/// The child leads a process group of its own (`Spawn.start`); stopping it stops the group, so a
/// shell wrapper's program and anything else the child started go with it.
final class ProcessChild {
    enum Read: Equatable {
        case line(String)
        case closed
        case timedOut
        /// A line longer than the limit; the child is past saving (its reply is lost).
        case tooLong
    }

    enum Write: Equatable {
        case written
        /// The child has gone (EPIPE), or its stdin was closed.
        case closed
        /// The child stopped reading and the pipe stayed full until the deadline.
        case timedOut
    }

    /// The longest stderr line forwarded whole; the rest of a longer one is dropped as it is read,
    /// so a child writing endlessly without a newline is drained, never stalled, and the harness's
    /// log gets one cut line instead of megabytes.
    static let stderrLineLimit = 16_384

    let pid: pid_t
    /// Our ends of the child's stdin and stdout.
    private let input: Int32
    private let output: Int32
    private var inputOpen = true
    private var ended: Spawn.Termination?
    private var replies: LineBuffer

    /// Writing to a child that has died must come back as EPIPE, not kill the harness with SIGPIPE.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Starts `command` (looked up on PATH unless it contains a slash) with `arguments`; its stdout
    /// is read in lines of at most `lineLimit` bytes, its stderr copied line by line to ours, each
    /// line prefixed with `label` and its control characters escaped.
    init(command: String, arguments: [String], label: String, lineLimit: Int) throws {
        _ = Self.ignoreSIGPIPE
        let executable = try Self.locate(command)
        let stdin = try Spawn.pipe(), stdout = try Spawn.pipe(), stderr = try Spawn.pipe()
        // The child's ends are the child's alone once it has them (and ours to close if it never starts).
        defer { for fd in [stdin.read, stdout.write, stderr.write] { close(fd) } }
        do {
            pid = try Spawn.start(executable, [command] + arguments,
                                  stdin: stdin.read, stdout: stdout.write, stderr: stderr.write)
        } catch {
            for fd in [stdin.write, stdout.read, stderr.read] { close(fd) }
            throw InputError("cannot start '\(command)': \(error)")
        }
        input = stdin.write
        // A child that stops reading must not block a write past its deadline.
        _ = fcntl(input, F_SETFL, fcntl(input, F_GETFL) | O_NONBLOCK)
        output = stdout.read
        replies = LineBuffer(limit: lineLimit)
        Self.forwardStderr(stderr.read, prefix: "[\(label)] ")
    }

    deinit {
        stop()
        close(output)
    }

    /// The program `command` names, or nil; `locate` says why not.
    static func resolve(_ command: String) -> URL? {
        (try? locate(command)).map { URL(fileURLWithPath: $0) }
    }

    /// The path of the program `command` names: itself when it holds a slash, else the first
    /// executable file of that name on PATH. A name that is there but cannot run (a folder, a file
    /// without execute permission) is said as such, not as missing.
    static func locate(_ command: String) throws -> String {
        guard !command.isEmpty else { throw InputError("cannot start a child: no command given") }
        if command.contains("/") {
            if let why = unrunnable(command) { throw InputError("cannot start '\(command)': \(why)") }
            return command
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        var found: (path: String, why: String)?
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(command)"
            guard let why = unrunnable(candidate) else { return candidate }
            if found == nil && why != missing { found = (candidate, why) }
        }
        if let found { throw InputError("cannot start '\(command)': PATH has \(found.path), but \(found.why)") }
        throw InputError("cannot start '\(command)': not found on PATH (give its path, or install it)")
    }

    private static let missing = "no such file"

    /// Why `path` cannot be run as a program; nil when it can.
    private static func unrunnable(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return missing }
        if info.st_mode & S_IFMT == S_IFDIR { return "it is a folder, not a program" }
        if access(path, X_OK) != 0 { return "it is not executable (chmod +x it, or run it with its interpreter)" }
        return nil
    }

    /// The forwarder thread owns `fd` and its partial line; it ends, closing `fd`, at EOF: when
    /// the child and every process that inherited its stderr have gone.
    private static func forwardStderr(_ fd: Int32, prefix: String) {
        let thread = Thread {
            defer { close(fd) }
            var lines = LineBuffer(limit: stderrLineLimit)
            func forward(_ line: ArraySlice<UInt8>, cut: Bool) {
                let text = prefix + PrintableText.escape(String(decoding: line, as: UTF8.self))
                    + (cut ? "… (line cut at \(stderrLineLimit / 1024) KiB)" : "") + "\n"
                writeAll(2, Array(text.utf8))
            }
            while true {
                let n = lines.read(from: fd)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                while let piece = lines.next() {
                    switch piece {
                    case .line(let line): forward(line, cut: false)
                    case .tooLong(let head): forward(head, cut: true)
                    }
                }
            }
            lines.append([10])
            if case .line(let rest)? = lines.next(), !rest.isEmpty { forward(rest, cut: false) }
        }
        thread.name = "earshot.plugin-stderr"
        thread.start()
    }

    /// Writes all of `bytes` to a blocking descriptor; gives up on an error (our stderr closed).
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }

    /// Writes one message and its newline, waiting for room in the pipe no later than `deadline`.
    func write(line: String, before deadline: ContinuousClock.Instant) -> Write {
        guard inputOpen else { return .closed }
        var bytes = Array(line.utf8)
        bytes.append(10)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(input, $0.baseAddress! + offset, bytes.count - offset) }
            if n >= 0 {
                offset += n
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN:
                guard wait(for: POLLOUT, on: input, before: deadline) else { return .timedOut }
            default: return .closed
            }
        }
        return .written
    }

    /// The next line from the child's stdout, waiting no later than `deadline`.
    func readLine(before deadline: ContinuousClock.Instant) -> Read {
        // Once the child has ended, what it wrote is read out, but a process it left holding its
        // stdout (one that escaped its group) is not waited for past this.
        var endedBy: ContinuousClock.Instant?
        while true {
            switch replies.next() {
            case .line(let line)?: return .line(String(decoding: line, as: UTF8.self))
            case .tooLong?: return .tooLong
            case nil: break
            }
            let now = ContinuousClock.now
            if let endedBy, now >= endedBy { return .closed }
            guard now < deadline else { return .timedOut }
            // A slice at a time, to notice a child that ended while its stdout stayed open.
            let slice = min(deadline, endedBy ?? now + .milliseconds(50))
            guard wait(for: POLLIN, on: output, before: slice) else {
                if endedBy == nil && !isRunning { endedBy = ContinuousClock.now + .milliseconds(100) }
                continue
            }
            let n = replies.read(from: output)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return .closed }
        }
    }

    /// Polls `fd` for `events` until `deadline`; true when it is ready (or has an error or hang-up to read).
    private func wait(for events: Int32, on fd: Int32, before deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            var p = pollfd(fd: fd, events: Int16(events), revents: 0)
            let ms = Int32(min(Int64(Int32.max), (left.nanoseconds + 999_999) / 1_000_000))
            let ready = poll(&p, 1, ms)
            if ready < 0 && errno == EINTR { continue }
            if ready != 0 { return true }
        }
    }

    /// Whether the child is still running; reaps it (and kills what is left of its group) once it has ended.
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

    /// Asks politely (closing stdin is the child's cue to finish), then terminates its whole
    /// process group; always reaps, which kills whatever of the group is left.
    func stop(grace: Duration = .milliseconds(200)) {
        if inputOpen {
            close(input)
            inputOpen = false
        }
        let until = ContinuousClock.now + grace
        while isRunning && ContinuousClock.now < until { usleep(1_000) }
        if isRunning {
            kill(-pid, SIGTERM)
            let hard = ContinuousClock.now + .seconds(1)
            while isRunning && ContinuousClock.now < hard { usleep(1_000) }
            if isRunning { kill(-pid, SIGKILL) }
        }
        if ended == nil { ended = Spawn.reap(pid, block: true) }
    }
}
