import Foundation

extension RunInfo {
    /// The machine a run measured on: real-time figures mean little without it.
    public struct Machine: Sendable, Equatable, Codable {
        public var hostName: String
        public var operatingSystem: String
        public var architecture: String
        public var processorCount: Int
        public var memoryBytes: UInt64

        enum CodingKeys: String, CodingKey {
            case hostName = "host_name"
            case operatingSystem = "operating_system"
            case architecture
            case processorCount = "processor_count"
            case memoryBytes = "memory_bytes"
        }

        public init(hostName: String, operatingSystem: String, architecture: String, processorCount: Int, memoryBytes: UInt64) {
            self.hostName = hostName
            self.operatingSystem = operatingSystem
            self.architecture = architecture
            self.processorCount = processorCount
            self.memoryBytes = memoryBytes
        }

        public static var current: Machine {
            let p = ProcessInfo.processInfo
            #if arch(x86_64)
            let arch = "x86_64"
            #elseif arch(arm64)
            let arch = "arm64"
            #else
            let arch = "unknown"
            #endif
            return Machine(hostName: p.hostName, operatingSystem: p.operatingSystemVersionString, architecture: arch,
                           processorCount: p.activeProcessorCount, memoryBytes: p.physicalMemory)
        }
    }
}
