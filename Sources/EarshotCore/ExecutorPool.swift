import Dispatch

/// A few serial executor queues, one per core, that every stage queue targets.
///
/// Serial queues left on the default target go to libdispatch's overcommit pool: with many
/// sessions a Linux process grows to ~255 threads and a frame hop costs ~10× more. Pinning each
/// session's queues to one executor keeps threads at one per core, makes a hop between a session's
/// stages ~0.2 µs, and — because an executor runs one block at a time — lets per-executor
/// statistics be plain values.
final class ExecutorPool: @unchecked Sendable {
    let queues: [DispatchQueue]
    /// One box per executor, written only by blocks running on that executor (audited confinement, see above).
    let stats: [Box]

    final class Box: @unchecked Sendable {
        var value = HarnessStats()
    }

    init(count: Int) {
        let n = max(1, count)
        queues = (0..<n).map { DispatchQueue(label: "earshot.executor.\($0)") }
        stats = (0..<n).map { _ in Box() }
    }

    func executor(forSession session: Int) -> Int { session % queues.count }
}
