import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Every child program this process has started and not yet reaped, by process group.
///
/// Each child runs in a process group of its own (`Spawn.start`), so a shell wrapper's children
/// and anything else it starts go down with it; but a group of its own also means the terminal's
/// Ctrl-C no longer reaches it. The CLI therefore calls `killAll()` on its way out — after a run,
/// on an error, from its signal handling — so that no child or grandchild outlives Earshot.
public enum ChildProcesses {
    private struct Table {
        var groups: Set<pid_t> = []
        /// Set by `killAll`: a child started afterwards (a restart racing the exit) is killed at once.
        var closed = false
    }

    private static let table = Mutex(Table())

    /// Sends SIGKILL to every child's process group and refuses children started from now on:
    /// this is for a process on its way out. Safe from any thread, including a signal source's
    /// handler (`DispatchSource.makeSignalSource`); it takes a lock, so it is not for a raw
    /// `sigaction` handler. The children are left for their owners to reap, or to the exit.
    public static func killAll() {
        let groups = table.withLock { table in
            table.closed = true
            return table.groups
        }
        for group in groups { kill(-group, SIGKILL) }
    }

    /// The process groups of the children still running (or not yet reaped).
    public static var running: Set<pid_t> { table.withLock { $0.groups } }

    /// Records a child that leads group `group`; false (and the group killed) once `killAll` has run.
    static func add(_ group: pid_t) -> Bool {
        let accepted = table.withLock { table in
            if !table.closed { table.groups.insert(group) }
            return !table.closed
        }
        if !accepted { kill(-group, SIGKILL) }
        return accepted
    }

    static func remove(_ group: pid_t) {
        _ = table.withLock { $0.groups.remove(group) }
    }
}
