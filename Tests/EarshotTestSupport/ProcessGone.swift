import Foundation

/// Whether `pid` is gone within `limit`: no such process, or a zombie (killed, its parent gone,
/// waiting for whatever reaps orphans here to get round to it).
public func processGone(_ pid: pid_t, within limit: Duration = .seconds(5)) -> Bool {
    let until = ContinuousClock.now + limit
    while ContinuousClock.now < until {
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        if let close = stat.lastIndex(of: ")"), stat[close...].dropFirst(2).first == "Z" { return true }
        usleep(10_000)
    }
    return false
}
