import Dispatch

/// The real-time runtime's one clock: CLOCK_MONOTONIC, as Dispatch reads it, so a run-clock
/// instant converts to a `DispatchTime` deadline without a second clock's drift.
enum MonotonicClock {
    @inline(__always) static func now() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds) }

    @inline(__always) static func deadline(_ nanoseconds: Int64) -> DispatchTime {
        DispatchTime(uptimeNanoseconds: UInt64(max(1, nanoseconds)))
    }
}
