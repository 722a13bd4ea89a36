import Foundation
import Testing

/// Every `earshot` command the README shows — in its shell blocks and inline — names a subcommand
/// that exists and only options that subcommand's `--help` lists, so a renamed flag cannot leave
/// the README behind (it once said `--clock realtime`; the flag is `--mode`). The commands that
/// need a user's own files are not run; the main one is, by `BaselineTests`.
@Suite struct ReadmeCommandTests {
    struct Command: CustomStringConvertible {
        var words: [String]
        var line: Int
        var description: String { "README.md:\(line): \(words.joined(separator: " "))" }
    }

    /// The `earshot …` commands of `text`: shell blocks with their continuations joined and
    /// comments cut, split at `&&`, `||`, `;` and `|`; and inline code spans that start with `earshot `.
    static func commands(_ text: String) -> [Command] {
        var found: [Command] = []
        var inShell = false, pending = "", pendingLine = 0
        for (i, raw) in text.components(separatedBy: "\n").enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") {
                inShell = line == "```sh"
                continue
            }
            if inShell {
                if pending.isEmpty { pendingLine = i + 1 }
                let code = line.range(of: " #").map { String(line[..<$0.lowerBound]) } ?? line
                if code.hasSuffix("\\") {
                    pending += code.dropLast() + " "
                    continue
                }
                found += segments(pending + code, line: pendingLine)
                pending = ""
            } else {
                for span in raw.components(separatedBy: "`").enumerated().filter({ $0.offset % 2 == 1 }).map(\.element)
                where span.hasPrefix("earshot ") {
                    found += segments(span, line: i + 1)
                }
            }
        }
        return found
    }

    static func segments(_ command: String, line: Int) -> [Command] {
        command.replacingOccurrences(of: "&&", with: ";").replacingOccurrences(of: "||", with: ";")
            .replacingOccurrences(of: "|", with: ";").split(separator: ";")
            .map { $0.split(separator: " ").map(String.init) }
            .compactMap { words in
                guard let first = words.first, first == "earshot" || first.hasSuffix("/earshot") else { return nil }
                return Command(words: Array(words.dropFirst()), line: line)
            }
    }

    @Test func everyCommandInTheReadmeParses() throws {
        let readme = try String(contentsOf: CLI.root.appendingPathComponent("README.md"), encoding: .utf8)
        let commands = Self.commands(readme)
        #expect(commands.count >= 15, "found \(commands.count): the README shows more commands than that")
        var help: [String: String] = [:]
        for command in commands {
            // A subcommand path: the leading words that are not options or their values, e.g. `fixtures verify`.
            var path: [String] = []
            for word in command.words {
                guard !word.hasPrefix("-"), help[(path + [word]).joined(separator: " ")] != nil || (try? Self.help(path + [word], &help)) != nil
                else { break }
                path.append(word)
            }
            let text = try #require(try? Self.help(path, &help), "\(command): no such command")
            for word in command.words where word.hasPrefix("--") {
                let flag = String(word.prefix { $0 != "=" })
                #expect(text.contains(flag + " ") || text.contains(flag + "\n") || text.contains(flag + ","),
                        "\(command): `earshot \(path.joined(separator: " ")) --help` lists no \(flag)")
            }
        }
    }

    /// `earshot PATH --help`, cached; throws when PATH is no command.
    static func help(_ path: [String], _ cache: inout [String: String]) throws -> String {
        let key = path.joined(separator: " ")
        if let text = cache[key] { return text }
        let r = try CLI.run(path + ["--help"])
        guard r.status == 0, r.stdout.contains("USAGE: earshot" + (path.isEmpty ? "" : " " + key)) else {
            throw CocoaError(.featureUnsupported)
        }
        cache[key] = r.stdout
        return r.stdout
    }
}
