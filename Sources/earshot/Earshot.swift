import ArgumentParser
import EarshotAudio
import EarshotCore
import EarshotStages
import Foundation

/// `earshot`: parses, wires, and maps every failure to one line and a documented exit code.
@main
struct Earshot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "earshot",
        abstract: "Measure voice-agent latency: a cascade and a full-duplex model, turn by turn, against a budget.",
        discussion: """
            Exit codes: 0 within budget, 1 a gate or regression failed, 2 bad usage or input, \
            3 the harness itself failed.
            """,
        subcommands: [Run.self, Compare.self, Check.self, Baseline.self, Merge.self, Report.self, Stages.self, Fixtures.self, ScenarioCommand.self, Codec.self])

    static let version = "0.1.0"

    static func main() {
        // A plug-in's child runs in a process group of its own, out of the terminal's reach:
        // whichever way Earshot leaves, it takes every child and grandchild with it.
        do {
            var command = try parseAsRoot()
            try command.run()
            ChildProcesses.killAll()
        } catch {
            ChildProcesses.killAll()
            Foundation.exit(Self.report(error))
        }
    }

    /// Whether `report` maps `error` to exit 3.
    static func isHarnessFailure(_ error: Error) -> Bool {
        switch error {
        case is InputError, is ExitCode: false
        case is HarnessFailure: true
        default: ![.success, ExitCode(64)].contains(exitCode(for: error))
        }
    }

    /// Prints what went wrong (one line where it can) and returns the exit code.
    static func report(_ error: Error) -> Int32 {
        switch error {
        case let error as InputError:
            FileHandle.standardError.write(Data("earshot: \(error)\n".utf8))
            return 2
        case let code as ExitCode:
            return code.rawValue
        case let failure as HarnessFailure:
            FileHandle.standardError.write(Data("earshot: harness failure: \(failure)\n".utf8))
            return 3
        default:
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                return 0
            }
            // The parser's usage errors (unknown flag, bad value, failed validate()) are EX_USAGE.
            if code.rawValue == 64 {
                FileHandle.standardError.write(Data("\(fullMessage(for: error))\n".utf8))
                return 2
            }
            FileHandle.standardError.write(Data("earshot: harness failure: \(error)\n".utf8))
            return 3
        }
    }
}

/// Where the fixtures are: `--fixtures`; else, for a manifest kept in a fixtures folder's
/// `scenarios/`, that folder; else ./AudioFixtures.
struct FixturesOption: ParsableArguments {
    static let defaultPath = "AudioFixtures"

    @Option(name: .customLong("fixtures"),
            help: "The fixtures folder (utterances/ and scenarios/). Default: the folder above a manifest's scenarios/, else AudioFixtures.")
    var path: String?

    var url: URL { URL(fileURLWithPath: path ?? Self.defaultPath, isDirectory: true) }

    /// The folder `manifest`'s audio paths are read from.
    func root(for manifest: URL) -> URL {
        path == nil ? Scenario.fixturesRoot(of: manifest) ?? url : url
    }

    func validate() throws {
        guard let path else { return }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--fixtures \(path): no such folder (run from the repository root, or pass --fixtures DIR)")
        }
    }
}
