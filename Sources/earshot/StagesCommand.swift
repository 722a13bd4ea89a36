import ArgumentParser
import EarshotStages
import EarshotCore
import Foundation

extension Earshot {
    struct Stages: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stages",
            abstract: "List every registered stage with its parameters and defaults, and the shipped presets.",
            discussion: """
                A pipeline YAML names stages by these names; `earshot run --pipeline FILE.yaml` checks \
                every key and value against this list and says file:line on a mistake.

                Example:
                  earshot stages                 # everything
                  earshot stages --preset duplex-moshi
                """)

        @Option(help: "Print one preset's YAML (with its sources) instead of the list.")
        var preset: String?

        func run() throws {
            if let preset {
                guard let url = Presets.url(named: preset) else {
                    throw InputError("unknown preset '\(preset)' (presets: \(Presets.names.joined(separator: ", ")))")
                }
                print(try String(contentsOf: url, encoding: .utf8), terminator: "")
                return
            }
            for d in StageRegistry.shared.all {
                print("\(d.name)  [\(d.role.rawValue)]  \(d.summary)")
                for p in d.parameters {
                    var line = "    \(p.name): \(p.kind.rawValue)"
                    if let v = p.defaultValue { line += " = \(v)" } else { line += " (required)" }
                    if let r = p.range { line += "  in \(Self.number(r.lowerBound))...\(Self.number(r.upperBound))" }
                    if let c = p.choices { line += "  one of \(c.joined(separator: "|"))" }
                    print(line + "  — \(p.help)")
                }
            }
            print("\npresets: \(Presets.names.joined(separator: ", "))  (earshot stages --preset NAME prints one)")
        }

        static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x) }
    }
}
