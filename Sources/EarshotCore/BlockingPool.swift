import Foundation

/// Where blocking jobs (`StageContext.perform`) run in real time: threads of their own, off the
/// executors, added as jobs block (up to `limit`), each with a full 8 MiB stack — engines such as
/// espeak-ng keep large buffers on the stack, which libdispatch's worker threads do not allow for.
final class BlockingPool: @unchecked Sendable {
    static let shared = BlockingPool(limit: 256)

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var idle = 0
    private var threads = 0
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    func async(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        jobs.append(job)
        if idle == 0 && threads < limit {
            threads += 1
            let thread = Thread { [self] in work() }
            thread.stackSize = 8 << 20
            thread.name = "earshot.blocking"
            thread.start()
        } else {
            condition.signal()
        }
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count {
                idle += 1
                condition.wait()
                idle -= 1
            }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            job()
        }
    }
}
