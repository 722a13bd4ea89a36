import Dispatch
import EarshotCore
import EarshotStages
import Foundation
import Synchronization

/// SIGINT and SIGTERM while a run is going: the first asks it to stop and keep what has finished
/// (the tables are written, run.json says `interrupted`, the exit status is 128 + the signal); a
/// second ends the process at once.
final class Interruption: Sendable {
    private final class State: Sendable {
        let stop = RunStop()
        let received = Atomic<Int32>(0)
    }
    private let state = State()
    private let sources: [UncheckedSource]

    var stop: RunStop { state.stop }

    private struct UncheckedSource: @unchecked Sendable { let source: any DispatchSourceSignal }

    init() {
        let state = state
        sources = [SIGINT, SIGTERM].map { number in
            // Ignored at the process level so only the source hears it (a handler of our own could
            // do nothing async-signal-safe that this does not already).
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                // Two signals close together arrive as one event with a count of two.
                if source.data < 2, state.received.compareExchange(expected: 0, desired: number, ordering: .relaxed).exchanged {
                    state.stop.request()
                } else {
                    ChildProcesses.killAll()
                    _exit(128 + number)
                }
            }
            source.resume()
            return UncheckedSource(source: source)
        }
    }

    /// The signal that stopped the run, if one did.
    var signal: Int32? {
        let n = state.received.load(ordering: .relaxed)
        return n == 0 ? nil : n
    }

    var name: String { signal == SIGTERM ? "SIGTERM" : "SIGINT" }

    /// Back to the default actions: after the results are written a signal ends the process as usual.
    func end() {
        for s in sources { s.source.cancel() }
        for number in [SIGINT, SIGTERM] { Foundation.signal(number, SIG_DFL) }
    }
}
