import Foundation

/// Where blocking jobs (`StageContext.perform`) run in real time: threads of their own, off the
/// executors, each with a full 8 MiB stack — engines such as espeak-ng keep large buffers on the
/// stack, which libdispatch's worker threads do not allow for.
///
/// A job never waits for another to finish: one that finds no idle thread gets a new one, with no
/// limit. A job may block for as long as a child process takes to time out (seconds, up to
/// `timeout_ms`), and a capped pool let enough of those hold up every other session's jobs
/// behind them. A thread idle for `idleLifetime` ends, so a burst leaves no crowd behind.
final class BlockingPool: @unchecked Sendable {
    static let shared = BlockingPool()

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    /// Threads waiting for a job, counted until they have taken one: a thread woken for a job
    /// but not yet running it is not free for the next.
    private var idle = 0
    private var threads = 0
    let idleLifetime: TimeInterval

    init(idleLifetime: TimeInterval = 10) {
        self.idleLifetime = idleLifetime
    }

    func async(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        jobs.append(job)
        if jobs.count - head > idle {
            threads += 1
            let thread = Thread { [self] in work() }
            thread.stackSize = 8 << 20
            thread.name = "earshot.blocking"
            thread.start()
        } else {
            condition.signal()
        }
    }

    /// Threads alive now (running a job or idle), for the tests.
    var threadCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return threads
    }

    private func work() {
        condition.lock()
        while true {
            while head == jobs.count {
                idle += 1
                let woken = condition.wait(until: Date(timeIntervalSinceNow: idleLifetime))
                idle -= 1
                if !woken && head == jobs.count {
                    threads -= 1
                    condition.unlock()
                    return
                }
            }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            job()
            condition.lock()
        }
    }
}
