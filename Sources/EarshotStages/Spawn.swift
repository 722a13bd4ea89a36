import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starting child programs: `posix_spawn` with the child's stdin, stdout and stderr given as
/// descriptors, and every other descriptor closed in one action.
///
/// Not Foundation's `Process`: on Linux it adds a close action for every descriptor number up to
/// the open-file limit, about 20 ns each here. At a 20,000 limit that is 0.4 ms of a 1.1 ms start
/// (0.7 ms this way), but it grows with the limit: ~20 ms at 2^20 and ~20 s at 2^30, limits that
/// containers set, and a design with a plug-in starts one child per session.
enum Spawn {
    /// How a child ended.
    enum Termination: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signalled(let signal): "killed by signal \(signal)"
            }
        }

        /// The wait-status macros are not imported into Swift: the low 7 bits are the signal, 0 on exit.
        init(waitStatus status: Int32) {
            let signal = status & 0x7f
            self = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
        }
    }

    /// Starts `path` with `arguments` (argv[0] first), its stdin, stdout and stderr on the given
    /// descriptors (which stay the caller's to close), in this process's environment.
    ///
    /// The child leads a process group of its own, recorded in `ChildProcesses` until it is reaped:
    /// whatever it starts in turn (a shell wrapper's program, a server's workers) is in that group,
    /// and `reap` kills the group, so none of it outlives the child. SIGPIPE, which this process
    /// ignores, is back to its default in the child, as a program expects to start with it.
    static func start(_ path: String, _ arguments: [String], stdin: Int32, stdout: Int32, stderr: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Without closefrom (a libc older than glibc 2.34) the child inherits only what is not
        // close-on-exec; the descriptors made here are.
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        // The command line ignores SIGINT and SIGTERM while a run is going (it hears them through
        // a dispatch source); a child must not inherit that, or stopping it by signal would fail.
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let status = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard status == 0 else { throw SpawnError(path: path, code: status) }
        guard ChildProcesses.add(pid) else {
            _ = reap(pid, block: true)
            throw SpawnError(path: path, code: ECANCELED)
        }
        return pid
    }

    /// A pipe whose two ends are close-on-exec: only a child's dup2 onto 0, 1 or 2 passes one on.
    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw SpawnError(path: "pipe", code: errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// Opens `path` close-on-exec, for a child's standard stream.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SpawnError(path: path, code: errno) }
        return fd
    }

    /// The child's end, waiting for it when `block`; nil while it runs (never nil when blocking).
    ///
    /// Once the child has ended, and before it is reaped, its process group is killed: while the
    /// child is unreaped its id cannot be reused, so the signal reaches its own group and nothing
    /// else, including grandchildren it left running.
    static func reap(_ pid: pid_t, block: Bool) -> Termination? {
        var info = siginfo_t()
        while true {
            let r = waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT | (block ? 0 : WNOHANG))
            if r < 0 && errno == EINTR { continue }
            // -1 (ECHILD): already reaped, which the callers never do twice.
            guard r == 0, info._sifields._sigchld.si_pid == pid else { return nil }
            break
        }
        kill(-pid, SIGKILL)
        ChildProcesses.remove(pid)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return Termination(waitStatus: status)
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), looked up at run time: Swift's
    /// Glibc module does not declare it (it is a GNU extension).
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()
}

/// A child program could not be started: the path and the system's reason.
struct SpawnError: Error, CustomStringConvertible {
    let path: String
    let code: Int32
    var description: String { "cannot start \(path): \(String(cString: strerror(code)))" }
}
