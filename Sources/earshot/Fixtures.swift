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
                abstract: "Check that manifests load and their speech times match the audio within one 10 ms frame.",
                discussion: """
                    Each disagreement is one line on stderr with the manifest's line, the value listed \
                    and the value the audio gives (speech start, end, every pause); exit 2 if there is any.

                    Example:
                      earshot fixtures verify
                      earshot fixtures verify MyFixtures/scenarios/support-calls.yaml
                    """)
            @Argument(help: "Manifests to check (default: every manifest in the fixtures folder).")
            var manifests: [String] = []
            @OptionGroup var fixtures: FixturesOption

            func run() throws {
                let urls = try manifests.isEmpty ? Scenario.manifests(in: fixtures.url) : manifests.map { URL(fileURLWithPath: $0) }
                var turns = 0
                var mismatches: [FixtureVerifier.Mismatch] = []
                for url in urls {
                    let (scenario, found) = try FixtureVerifier().verify(manifestAt: url, fixturesRoot: fixtures.root(for: url))
                    turns += scenario.turns.count
                    mismatches += found
                }
                for m in mismatches { FileHandle.standardError.write(Data("earshot: \(m)\n".utf8)) }
                guard mismatches.isEmpty else { throw ExitCode(2) }
                print("\(urls.count == 1 ? "1 scenario" : "\(urls.count) scenarios"), \(turns == 1 ? "1 turn" : "\(turns) turns"): ground truth matches the audio")
            }
        }
    }
}
