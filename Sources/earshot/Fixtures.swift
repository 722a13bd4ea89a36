import ArgumentParser
import EarshotAudio
import EarshotCore
import Foundation

extension Earshot {
    struct Fixtures: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the committed scenarios, or check their ground truth against the audio.",
            subcommands: [List.self, Verify.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "One line per scenario: turns, kinds, length.")
            @OptionGroup var fixtures: FixturesOption

            func run() throws {
                for s in try Scenario.loadAll(in: fixtures.url) {
                    let kinds = s.turns.map(\.kind.rawValue).joined(separator: ",")
                    print("\(s.name)\t\(s.turns.count) turns\t\(kinds)\t\(String(format: "%.1f", s.audio.duration.milliseconds / 1000)) s\t\(s.description)")
                }
            }
        }

        struct Verify: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Check that every manifest loads and its speech times match the audio within one 10 ms frame.")
            @OptionGroup var fixtures: FixturesOption

            func run() throws {
                let scenarios = try Scenario.loadAll(in: fixtures.url)
                let mismatches = scenarios.flatMap { FixtureVerifier().verify($0) }
                for m in mismatches { FileHandle.standardError.write(Data("earshot: \(m)\n".utf8)) }
                guard mismatches.isEmpty else { throw ExitCode(2) }
                print("\(scenarios.count) scenarios, \(scenarios.reduce(0) { $0 + $1.turns.count }) turns: ground truth matches the audio")
            }
        }
    }
}
