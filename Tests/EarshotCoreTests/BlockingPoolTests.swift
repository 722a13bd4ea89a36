@testable import EarshotCore
import Foundation
import Testing

/// The blocking pool never makes a job wait for another: a job that blocks for seconds (a child
/// process that hangs until its timeout) must not hold up another session's.
@Suite struct BlockingPoolTests {
    /// Jobs that can only finish together: each waits, up to a limit, until all have arrived.
    final class Rendezvous: @unchecked Sendable {
        private let condition = NSCondition()
        private var arrived = 0
        private var met = 0
        let count: Int
        init(count: Int) { self.count = count }

        func arrive(within limit: TimeInterval = 10) {
            condition.lock()
            defer { condition.unlock() }
            arrived += 1
            condition.broadcast()
            let until = Date(timeIntervalSinceNow: limit)
            while arrived < count && condition.wait(until: until) {}
            if arrived >= count { met += 1 }
        }

        var everyoneMet: Bool {
            condition.lock()
            defer { condition.unlock() }
            return met == count
        }
    }

    static func run(_ jobs: Int, on pool: BlockingPool) -> Rendezvous {
        let rendezvous = Rendezvous(count: jobs)
        let done = DispatchGroup()
        for _ in 0..<jobs {
            done.enter()
            pool.async {
                rendezvous.arrive()
                done.leave()
            }
        }
        _ = done.wait(timeout: .now() + 30)
        return rendezvous
    }

    /// With one idle thread, two jobs posted back to back: the idle thread is woken for the first,
    /// and the second gets a thread of its own rather than the one already spoken for.
    @Test func jobsPostedTogetherEachGetAThread() {
        let pool = BlockingPool()
        #expect(Self.run(1, on: pool).everyoneMet)
        #expect(pool.threadCount == 1)
        // Long enough for the thread to be back waiting, idle.
        usleep(100_000)
        #expect(Self.run(2, on: pool).everyoneMet)
    }

    /// More jobs blocked at once than any fixed cap would allow (it was 256) all run at once.
    @Test func threeHundredBlockedJobsAllRun() {
        let pool = BlockingPool()
        #expect(Self.run(300, on: pool).everyoneMet)
        #expect(pool.threadCount == 300)
    }

    @Test func idleThreadsEnd() {
        let pool = BlockingPool(idleLifetime: 0.05)
        #expect(Self.run(4, on: pool).everyoneMet)
        let until = Date(timeIntervalSinceNow: 5)
        while pool.threadCount > 0 && Date() < until { usleep(10_000) }
        #expect(pool.threadCount == 0)
        #expect(Self.run(2, on: pool).everyoneMet)
    }
}
