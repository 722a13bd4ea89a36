import ArgumentParser
import EarshotAudio
import EarshotCore
import Foundation

extension Earshot {
    struct ScenarioCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scenario",
            abstract: "Make scenarios from your own recordings.",
            subcommands: [New.self])

        struct New: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Turn recordings (one file per user turn) into a scenario that run and compare can play.",
                discussion: """
                    Each recording is read in any format libsndfile reads, at any rate and channel count, \
                    averaged to mono and resampled (speexdsp) to --sample-rate, then written to \
                    DIR/utterances/NAME-01.wav, -02.wav, ... The turns go on one timeline, --gap-ms apart \
                    so the agent has room to answer; speech start, end and pauses are measured with the \
                    energy rule `earshot fixtures verify` checks (10 ms frames, -40 dBFS, pauses of 300 ms \
                    or more). The manifest, DIR/scenarios/NAME.yaml, notes each turn's original file, rate \
                    and channels under `source:`. Existing files are left alone unless --force.

                    A folder given as a recording stands for the audio files in it, in name order \
                    (turn-2 before turn-10). Transcripts and replies are one per turn, in order: repeat \
                    --text/--reply, or give a file with one line per turn. A turn without a reply expects \
                    "\(New.defaultReply)": give the real replies where reply length matters to a design.

                    Example:
                      earshot scenario new q1.flac q2.wav --name support --out MyFixtures \\
                          --text "Where is my order?" --text "Thanks, bye." \\
                          --reply "It ships today." --reply "Bye!"
                      earshot scenario new calls/ --name support --out MyFixtures \\
                          --replies calls/replies.txt
                      earshot compare --fixtures MyFixtures --scenario support
                    """)

            static let defaultReply = "Sure, one moment please."

            @Argument(help: "Audio files, one per user turn in order, or a folder of them.")
            var recordings: [String]

            @Option(help: "Scenario name: the manifest's file name and the name reports use.")
            var name: String

            @Option(help: "Fixtures folder to write into (its utterances/ and scenarios/).")
            var out: String

            @Option(help: "Sample rate of the scenario, Hz.")
            var sampleRate = RecordedScenario.defaultSampleRate

            @Option(help: "Silence after each turn, ms: room for the agent's reply.")
            var gapMs = RecordedScenario.defaultGapMs

            @Option(help: "What the user says in each turn, in order; repeat per turn.")
            var text: [String] = []

            @Option(help: "File with one transcript line per turn (instead of --text).")
            var transcripts: String?

            @Option(help: "The agent's expected reply to each turn, in order; repeat per turn.")
            var reply: [String] = []

            @Option(help: "File with one expected reply per line, one line per turn (instead of --reply).")
            var replies: String?

            @Option(help: "One line on what the scenario tests.")
            var description = ""

            @Flag(help: "Replace files that already exist.")
            var force = false

            func validate() throws {
                guard !recordings.isEmpty else { throw ValidationError("give the recordings: one audio file per user turn, or a folder") }
                guard !(transcripts != nil && !text.isEmpty) else { throw ValidationError("give --text or --transcripts, not both") }
                guard !(replies != nil && !reply.isEmpty) else { throw ValidationError("give --reply or --replies, not both") }
                guard (8_000...96_000).contains(sampleRate) else {
                    throw ValidationError("--sample-rate must be within 8000...96000 Hz (what a manifest holds), got \(sampleRate)")
                }
                guard (0...Int(InputLimits.longestMilliseconds)).contains(gapMs) else {
                    throw ValidationError("--gap-ms must be within 0...\(Int(InputLimits.longestMilliseconds)), got \(gapMs)")
                }
            }

            func run() throws {
                let files = try recordings.flatMap { try Self.audioFiles(in: $0) }
                let texts = try transcripts.map { try Self.lines(of: $0, option: "--transcripts", count: files.count) }
                    ?? Self.perTurn(text, option: "--text", count: files.count)
                let answers = try replies.map { try Self.lines(of: $0, option: "--replies", count: files.count) }
                    ?? Self.perTurn(reply, option: "--reply", count: files.count)
                let turns = files.indices.map { i in
                    RecordedScenario.Recording(url: files[i], text: texts?[i], reply: answers?[i] ?? Self.defaultReply)
                }
                let scenario = try RecordedScenario(name: name, description: description, recordings: turns,
                                                    sampleRate: sampleRate, gapMs: gapMs)
                let folder = URL(fileURLWithPath: out, isDirectory: true)
                try scenario.write(to: folder, force: force)
                for (i, turn) in scenario.turns.enumerated() {
                    print("turn \(i + 1)\t\(turn.audioPath)\t\(turn.source)")
                }
                print("wrote \(folder.appendingPathComponent(scenario.manifestPath).relativePath): \(scenario.turns.count == 1 ? "1 turn" : "\(scenario.turns.count) turns"), "
                      + "\(scenario.durationMs) ms; run it with: earshot run --pipeline PIPELINE --fixtures \(out) --scenario \(name)")
            }

            /// Audio files libsndfile reads, by extension: a folder of recordings often holds notes too.
            static let audioExtensions: Set<String> = ["wav", "wave", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff", "aifc",
                                                       "au", "snd", "caf", "w64", "rf64", "voc", "sph", "nist"]

            static func audioFiles(in path: String) throws -> [URL] {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw InputError(file: path, "no such file or folder")
                }
                guard isDirectory.boolValue else { return [URL(fileURLWithPath: path)] }
                let names: [String]
                do {
                    names = try FileManager.default.contentsOfDirectory(atPath: path)
                } catch {
                    throw InputError(file: path, "cannot list the folder (\(SystemErrorText.describe(error)))")
                }
                let audio = names.filter { !$0.hasPrefix(".") && audioExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
                    .sorted { $0.compare($1, options: [.numeric, .caseInsensitive]) == .orderedAscending }
                guard !audio.isEmpty else {
                    throw InputError(file: path, "no audio files in the folder (looked for .\(audioExtensions.sorted().joined(separator: ", .")))")
                }
                return audio.map { URL(fileURLWithPath: path, isDirectory: true).appendingPathComponent($0) }
            }

            static func perTurn(_ values: [String], option: String, count: Int) throws -> [String]? {
                guard !values.isEmpty else { return nil }
                guard values.count == count else {
                    throw InputError("\(option) given \(values.count) time(s) for \(count) recording(s): give one per turn, in order")
                }
                return values
            }

            /// One entry per non-empty line; blank lines (a trailing one, spacing) are not turns.
            static func lines(of path: String, option: String, count: Int) throws -> [String] {
                let content: String
                do {
                    content = try String(contentsOfFile: path, encoding: .utf8)
                } catch {
                    throw InputError(file: path, "\(option): cannot read as UTF-8 text")
                }
                let lines = content.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                guard lines.count == count else {
                    throw InputError(file: path, "\(option): \(lines.count) non-empty line(s) for \(count) recording(s): one line per turn, in order")
                }
                return lines
            }
        }
    }
}
