import ArgumentParser
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
        subcommands: [Run.self, Compare.self, Check.self, Baseline.self, Merge.self, Report.self, Stages.self, Fixtures.self, Codec.self])

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

/// Where the committed fixtures are: `--fixtures`, else ./AudioFixtures.
struct FixturesOption: ParsableArguments {
    @Option(name: .customLong("fixtures"), help: "The fixtures folder (utterances/ and scenarios/).")
    var path = "AudioFixtures"

    var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--fixtures \(path): no such folder (run from the repository root, or pass --fixtures DIR)")
        }
    }
}
