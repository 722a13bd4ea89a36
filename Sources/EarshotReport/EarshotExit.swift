import EarshotCore

/// The `earshot` process's exit status, which CI branches on. Only `main` exits; everything else
/// returns one of these or throws.
public enum EarshotExit: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// Every gate within budget, no regression.
    case success = 0
    /// A budget gate or a regression check failed.
    case gateFailed = 1
    /// Bad usage or bad input; the message says what and where.
    case badInput = 2
    /// The harness itself failed.
    case harnessFailed = 3

    /// What an error escaping a command means: bad input (`InputError`) or the harness failing.
    public init(error: any Error) {
        self = error is InputError ? .badInput : .harnessFailed
    }

    /// Success when every result passed.
    public init(results: [GateResult]) {
        self = results.allSatisfy(\.pass) ? .success : .gateFailed
    }

    public var description: String {
        switch self {
        case .success: "within budget"
        case .gateFailed: "gate or regression failed"
        case .badInput: "bad usage or input"
        case .harnessFailed: "harness failure"
        }
    }
}
