import EarshotCore

/// Wall-clock tests on a shared machine: a run the machine disturbed (its pacer, which does nothing
/// but count time, fell behind) is run again, up to `attempts` times; a run the machine left alone
/// is judged in full. A harness fault shows in an undisturbed run, so it still fails; a stall on
/// every attempt is said, not failed.
public enum WallClock {
    public static let stallLimit: Duration = .milliseconds(10)

    public static func undisturbed(attempts: Int = 3, _ run: () throws -> RunResult) throws -> RunResult? {
        for attempt in 1...attempts {
            let result = try run()
            let late = result.harness.worstPacerLateness
            if late <= stallLimit { return result }
            print("wall clock: attempt \(attempt) of \(attempts) disturbed (pacer \(late) late); running again")
        }
        print("wall clock: the machine disturbed every attempt; timing not judged")
        return nil
    }
}
