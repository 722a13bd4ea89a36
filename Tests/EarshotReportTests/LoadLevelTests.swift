import EarshotCore
import EarshotReport
import Foundation
import Testing

/// Latency by concurrent callers, on a ramp whose answer is known: session i is on the line from
/// i s to i + 10 s, and each has one turn ending 5 s in, answered after 100 + 10·i ms.
struct LoadLevelTests {
    static func turns(sessions: Int, failing: Set<Int> = []) -> [TurnResult] {
        (0..<sessions).map { i in
            let end = RunTime(nanoseconds: 5_000_000_000)
            return TurnResult(design: "agent", scenario: "s", session: i, turn: 1, outcome: failing.contains(i) ? .failed : .responded,
                              userStart: .zero, userEnd: end,
                              agentStart: failing.contains(i) ? nil : end + .milliseconds(100 + 10 * i))
        }
    }

    static func span(_ session: Int) -> Range<Duration> { Duration.seconds(session)..<Duration.seconds(session + 10) }

    @Test func eachTurnCountsTheCallersOnTheLineWhenTheUserStopped() {
        // Session i's turn ends at i + 5 s, when sessions 0...i+5 (of 12) have begun and those that
        // began 10 s or more before it have ended.
        let levels = LoadLevel.levels(design: "agent", turns: Self.turns(sessions: 12), span: Self.span)
        var expected: [ClosedRange<Int>: [Int]] = [:]
        for i in 0..<12 {
            let started = min(12, i + 6), ended = max(0, i - 4)
            expected[LoadLevelTests.band(started - ended), default: []].append(i)
        }
        #expect(levels.map(\.callers) == expected.keys.sorted { $0.lowerBound < $1.lowerBound })
        for level in levels {
            let sessions = expected[level.callers] ?? []
            #expect(level.turns == sessions.count)
            // Nearest-rank p95 of 100 + 10·i over those sessions: the slowest of a handful.
            #expect(level.p95 == .milliseconds(100 + 10 * sessions.max()!), "\(level.callers)")
        }
    }

    static func band(_ n: Int) -> ClosedRange<Int> {
        var hi = 1
        while hi < n { hi *= 2 }
        return n <= 1 ? 1...1 : (hi / 2 + 1)...hi
    }

    @Test func failedTurnsAreCountedAndLeaveThePercentiles() {
        let levels = LoadLevel.levels(design: "agent", turns: Self.turns(sessions: 1, failing: [0]), span: Self.span)
        #expect(levels.count == 1 && levels[0].callers == 1...1)
        #expect(levels[0].failed == 1 && levels[0].turns == 1 && levels[0].latency.count == 0 && levels[0].p95 == nil)
    }

    @Test func theCrossingIsTheFirstBandOverBudget() {
        let levels = LoadLevel.levels(design: "agent", turns: Self.turns(sessions: 12), span: Self.span)
        let crossing = LoadLevel.crossing(levels, budget: .milliseconds(150))
        #expect(crossing?.callers == levels.first { ($0.p95 ?? .zero) > .milliseconds(150) }?.callers)
        #expect(LoadLevel.crossing(levels, budget: .seconds(1)) == nil)
        let csv = String(decoding: LoadLevel.csv(levels, runID: "r", budget: .milliseconds(150)), as: UTF8.self)
        #expect(csv.hasPrefix(LoadLevel.columns.joined(separator: ",")))
        #expect(LoadLevel.summary(levels, budget: .milliseconds(150)).contains("crosses the 150 ms budget at"))
    }
}
