import Dispatch
import Foundation

/// One strict 1 ms timer that paces every session's source.
///
/// A timer per session costs a thread wake per session per frame; one shared pacer serves all the
/// sessions whose frames fall due in each 1 ms slot. It works out what is due from the monotonic
/// clock, never by counting callbacks (they bunch up under load), and a frame it reaches later than
/// the stale limit is dropped and counted rather than sent: overload shows as lateness and loss in
/// the report, never as an unbounded catch-up burst.
final class Pacer: @unchecked Sendable {
    /// One session's source, as the pacer sees it. Touched only on the pacer's queue.
    final class Source {
        let session: RealtimeSession
        let frameNanos: Int64
        let count: Int
        let t0: Int64
        var next = 0
        init(session: RealtimeSession, frameNanos: Int64, count: Int, t0: Int64) {
            self.session = session
            self.frameNanos = frameNanos
            self.count = count
            self.t0 = t0
        }
    }

    let queue = DispatchQueue(label: "earshot.pacer")
    let start: Int64
    let staleLimit: Int64
    private var slots: [[Source]]
    private var lastTick: Int64 = -1
    private var active = 0
    /// Pacer-confined: lateness of every frame sent, frames sent and dropped.
    private(set) var stats = HarnessStats()

    /// `slotCount` is the source frame duration in whole milliseconds.
    init(start: Int64, slotCount: Int, staleLimit: Duration) {
        self.start = start
        self.staleLimit = staleLimit.nanoseconds
        self.slots = Array(repeating: [], count: slotCount)
    }

    /// Registers a session whose frame k falls due at `t0 + (k+1)·F`; `t0 − start` must be whole ms.
    func add(_ source: Source) {
        let slot = Int(((source.t0 - start) / 1_000_000) % Int64(slots.count))
        slots[slot].append(source)
        active += 1
    }

    /// The clock thread's nice value. The pacer stands for the caller's audio clock: hardware on a
    /// phone, and in audio software a thread the system favours. When the executors keep every
    /// core busy, −10 lets it take one as soon as it wakes; it needs a few percent of a core, so
    /// it starves nothing. A frame it sends on time and that then waits for its executor is still
    /// counted, in the source hop: this hurries the clock, not the harness. Where the system
    /// refuses (no CAP_SYS_NICE) it runs at the default, and its lateness shows the difference.
    static let niceness: Int32 = -10

    /// Starts the clock on a thread of its own, which sleeps to each millisecond's deadline and
    /// ticks inside `queue` (a `sync` from an idle thread runs in place): one wake-up per tick.
    /// A Dispatch timer would take two — its timer thread's, then a worker's — and under load
    /// each waits for a core.
    func resume() {
        let thread = Thread { [self] in
            // On Linux these set and read the calling thread's priority alone (setpriority(2), NOTES).
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
            let nice = Int(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
            queue.sync { stats.pacerNice = nice }
            var next = start
            while true {
                var deadline = timespec(tv_sec: Int(next / 1_000_000_000), tv_nsec: Int(next % 1_000_000_000))
                while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {}
                let running = queue.sync { tick() }
                guard running else { return }
                // The next millisecond that has not begun: a late wake-up does not queue a burst of ticks.
                next = max(next + 1_000_000, (MonotonicClock.now() - start) / 1_000_000 * 1_000_000 + start + 1_000_000)
            }
        }
        thread.name = "earshot.pacer"
        thread.start()
    }

    /// Sends what is due; false once every source has ended.
    private func tick() -> Bool {
        let now = MonotonicClock.now()
        let tick = (now - start) / 1_000_000
        guard tick > lastTick else { return active > 0 }
        // Slots are visited once per millisecond that has begun; a late callback visits every slot it missed.
        let first = max(lastTick + 1, tick - Int64(slots.count) + 1)
        lastTick = tick
        for m in first...tick {
            let slot = Int(m % Int64(slots.count))
            var i = 0
            while i < slots[slot].count {
                let s = slots[slot][i]
                send(s, now: now)
                if s.next >= s.count {
                    slots[slot].swapAt(i, slots[slot].count - 1)
                    slots[slot].removeLast()
                    active -= 1
                    s.session.sourceEnded()
                } else {
                    i += 1
                }
            }
        }
        return active > 0
    }

    private func send(_ s: Source, now: Int64) {
        while s.next < s.count {
            let due = s.t0 + Int64(s.next + 1) * s.frameNanos
            guard due <= now else { break }
            let lateness = now - due
            if lateness > staleLimit {
                stats.framesDropped += 1
                s.session.sourceDropped(s.next, at: now)
            } else {
                stats.pacerLateness.record(.nanoseconds(lateness))
                stats.framesSent += 1
                s.session.sourceFrame(s.next, at: now)
            }
            s.next += 1
        }
    }
}
