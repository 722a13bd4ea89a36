import EarshotCore
import Synchronization

/// Every stage type a pipeline YAML can name. Built-in stages are registered from the start; a
/// program that embeds Earshot registers its own before loading a pipeline:
///
///     StageRegistry.shared.register(StageDescriptor(name: "my-stt", role: .stt, summary: "...") { args in MySTT(args) })
public final class StageRegistry: Sendable {
    public static let shared = StageRegistry(BuiltInStages.all)

    private let descriptors: Mutex<[String: StageDescriptor]>

    public init(_ descriptors: [StageDescriptor] = []) {
        self.descriptors = Mutex(Dictionary(uniqueKeysWithValues: descriptors.map { ($0.name, $0) }))
    }

    /// Registers `descriptor`, replacing any stage of the same name.
    public func register(_ descriptor: StageDescriptor) {
        descriptors.withLock { $0[descriptor.name] = descriptor }
    }

    public func descriptor(named name: String) -> StageDescriptor? {
        descriptors.withLock { $0[name] }
    }

    /// All registered stages, by role then name.
    public var all: [StageDescriptor] {
        descriptors.withLock { Array($0.values) }.sorted {
            (StageDescriptor.Role.allCases.firstIndex(of: $0.role)!, $0.name) < (StageDescriptor.Role.allCases.firstIndex(of: $1.role)!, $1.name)
        }
    }
}
