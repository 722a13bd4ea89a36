import Dispatch

/// Where a stage's work runs in real time: one block at a time, in the order queued.
public protocol SerialQueue: Sendable {
    func run(_ work: @escaping @Sendable () -> Void)
    /// Runs `work` at monotonic instant `uptime` (ns, `DispatchTime`'s clock), never sooner, with no leeway asked for.
    func run(atUptime uptime: Int64, _ work: @escaping @Sendable () -> Void)
    /// Runs `work` after what is queued, and waits for it. Never from the queue itself.
    func runAndWait(_ work: () -> Void)
}

/// One of the real-time runtime's executors: the serial place a session's stages all run on.
public protocol Executor: SerialQueue {
    /// The queue for one stage (or the playout) of a session pinned to this executor.
    func makeQueue(label: String) -> any SerialQueue
}

extension DispatchQueue: Executor {
    public func run(_ work: @escaping @Sendable () -> Void) { async(execute: work) }

    public func run(atUptime uptime: Int64, _ work: @escaping @Sendable () -> Void) {
        // A strict one-shot timer: asyncAfter lets libdispatch add up to 10% of the delay as leeway.
        let timer = DispatchSource.makeTimerSource(flags: .strict, queue: self)
        timer.setEventHandler { [timer] in
            timer.cancel()
            work()
        }
        timer.schedule(deadline: MonotonicClock.deadline(uptime), leeway: .nanoseconds(0))
        timer.resume()
    }

    public func runAndWait(_ work: () -> Void) { sync(execute: work) }

    /// A serial queue of its own that targets this one, so its blocks run on this executor.
    public func makeQueue(label: String) -> any SerialQueue { DispatchQueue(label: label, target: self) }
}

/// A few executors, one per core, that every session's queues are pinned to.
///
/// The default is serial Dispatch queues. Serial queues left on the default target go to
/// libdispatch's overcommit pool: with many sessions a Linux process grows to ~255 threads and a
/// frame hop costs ~10× more. Pinning each session's queues to one executor keeps threads at one
/// per core, makes a hop between a session's stages ~0.2 µs, and — because an executor runs one
/// block at a time — lets per-executor statistics be plain values. A pipeline whose stages do
/// their I/O on event loops runs its sessions there instead (`StageSpec.executors`).
final class ExecutorPool: @unchecked Sendable {
    let executors: [any Executor]
    /// One box per executor, written only by blocks running on that executor (audited confinement, see above).
    let stats: [Box]

    final class Box: @unchecked Sendable {
        var value = HarnessStats()
    }

    convenience init(count: Int) {
        self.init((0..<max(1, count)).map { DispatchQueue(label: "earshot.executor.\($0)") })
    }

    init(_ executors: [any Executor]) {
        precondition(!executors.isEmpty, "a run needs at least one executor")
        self.executors = executors
        stats = executors.map { _ in Box() }
    }

    func executor(forSession session: Int) -> Int { session % executors.count }
}
