import EarshotCore
import Foundation

extension Scenario {
    /// Loads a scenario manifest (schema in AudioFixtures/README.md), reads its utterances and lays
    /// them onto one silent mono timeline of `duration_ms`.
    ///
    /// - Parameters:
    ///   - url: the manifest; its file name without `.yaml` must be the scenario's `name`.
    ///   - fixturesRoot: the folder the manifest's `audio` paths are relative to.
    /// - Throws: `InputError` with the manifest's file and line for anything wrong in it, including
    ///   an utterance that is missing, unreadable, not mono, at another rate, or off the timeline.
    public static func load(from url: URL, fixturesRoot: URL) throws -> Scenario {
        try loadWithManifest(from: url, fixturesRoot: fixturesRoot).scenario
    }

    /// `load`, keeping the parsed manifest: its lines are where a check of the loaded scenario points.
    static func loadWithManifest(from url: URL, fixturesRoot: URL) throws -> (scenario: Scenario, manifest: ScenarioManifest) {
        let file = displayPath(url)
        let yaml: String
        do {
            yaml = try String(contentsOf: url, encoding: .utf8)
        } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw InputError(file: file, exists ? "cannot read the manifest as UTF-8 text" : "no such manifest")
        }
        let manifest = try ScenarioManifest(yaml: yaml, file: file)

        let stem = url.deletingPathExtension().lastPathComponent
        guard manifest.name.value == stem else {
            throw InputError(file: file, line: manifest.name.line,
                             "name '\(manifest.name.value)' does not match the file name: call it '\(stem)' or rename the file")
        }

        let rate = manifest.sampleRate.value
        var timeline = [Float](repeating: 0, count: samples(ms: manifest.durationMs.value, rate: rate))
        var utterances: [String: AudioChunk] = [:]
        var turns: [ScenarioTurn] = []
        var previousEnd: (turn: Int, ms: Int)?
        for turn in manifest.turns {
            let chunk = try utterances[turn.audio.value]
                ?? utterance(turn.audio, manifest: manifest, fixturesRoot: fixturesRoot)
            utterances[turn.audio.value] = chunk

            let at = turn.atMs.value
            // Rounded up, so the check below never lets a file's last partial millisecond overlap.
            let endMs = at + (chunk.frameCount * 1000 + rate - 1) / rate
            if let previousEnd, at < previousEnd.ms {
                throw InputError(file: file, line: turn.atMs.line,
                                 "turn \(turn.id) starts at \(at) ms, before turn \(previousEnd.turn)'s audio ends at \(previousEnd.ms) ms")
            }
            guard endMs <= manifest.durationMs.value else {
                throw InputError(file: file, line: turn.atMs.line,
                                 "turn \(turn.id)'s audio runs to \(endMs) ms, past duration_ms \(manifest.durationMs.value) (line \(manifest.durationMs.line))")
            }
            guard turn.speechEndMs.value <= endMs else {
                throw InputError(file: file, line: turn.speechEndMs.line,
                                 "speech_end_ms \(turn.speechEndMs.value) is past the end of \(turn.audio.value) at \(endMs) ms")
            }
            previousEnd = (turn.id, endMs)

            let offset = samples(ms: at, rate: rate)
            let count = min(chunk.samples.count, timeline.count - offset)
            timeline.replaceSubrange(offset..<offset + count, with: chunk.samples[0..<count])

            turns.append(ScenarioTurn(
                id: turn.id, kind: turn.kind, audioFile: turn.audio.value, offset: .milliseconds(at),
                speechStart: .milliseconds(turn.speechStartMs.value), speechEnd: .milliseconds(turn.speechEndMs.value),
                pauses: turn.pauses.map { Duration.milliseconds($0.value.lowerBound) ..< Duration.milliseconds($0.value.upperBound) },
                reply: turn.reply, text: turn.text))
        }
        return (Scenario(name: manifest.name.value, description: manifest.description,
                         audio: AudioChunk(samples: timeline, sampleRate: rate, channels: 1), turns: turns), manifest)
    }

    /// Loads every `*.yaml` manifest directly in `fixturesRoot/scenarios`, sorted by name.
    public static func loadAll(in fixturesRoot: URL) throws -> [Scenario] {
        try manifests(in: fixturesRoot).map { try load(from: $0, fixturesRoot: fixturesRoot) }
    }

    /// Every `*.yaml` manifest directly in `fixturesRoot/scenarios`, in the order of the
    /// scenarios' names (each manifest is named after its scenario).
    public static func manifests(in fixturesRoot: URL) throws -> [URL] {
        let folder = fixturesRoot.appendingPathComponent("scenarios", isDirectory: true)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw InputError(file: displayPath(folder), "no scenarios folder to read")
        }
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(".yaml".count)) }.sorted()
            .map { folder.appendingPathComponent("\($0).yaml") }
    }

    /// The fixtures folder a manifest's `audio` paths are relative to, when nobody said: the
    /// folder above `scenarios/` for a manifest kept there (the layout of AudioFixtures and of
    /// what `earshot scenario new` writes), else nil.
    public static func fixturesRoot(of manifest: URL) -> URL? {
        let folder = manifest.standardizedFileURL.deletingLastPathComponent()
        guard folder.lastPathComponent == "scenarios" else { return nil }
        return folder.deletingLastPathComponent()
    }

    private static func utterance(_ audio: Located<String>, manifest: ScenarioManifest,
                                  fixturesRoot: URL) throws -> AudioChunk {
        let url = fixturesRoot.appendingPathComponent(audio.value)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw InputError(file: manifest.file, line: audio.line,
                             "audio file '\(audio.value)' not found in \(displayPath(fixturesRoot))")
        }
        let chunk: AudioChunk
        do {
            chunk = try AudioFile.read(url)
        } catch {
            throw InputError(file: manifest.file, line: audio.line, "cannot read '\(audio.value)': \(error.reason)")
        }
        guard chunk.channels == 1 else {
            throw InputError(file: manifest.file, line: audio.line,
                             "'\(audio.value)' has \(chunk.channels) channels; scenario utterances must be mono")
        }
        guard chunk.sampleRate == manifest.sampleRate.value else {
            throw InputError(file: manifest.file, line: audio.line,
                             "'\(audio.value)' is \(chunk.sampleRate) Hz but sample_rate is \(manifest.sampleRate.value) (line \(manifest.sampleRate.line))")
        }
        return chunk
    }

    private static func samples(ms: Int, rate: Int) -> Int { ms * rate / 1000 }

    /// Relative to the working directory when the path lies inside it: a user who typed
    /// `AudioFixtures/scenarios/x.yaml` expects to see that back in the message.
    private static func displayPath(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        let prefix = cwd.hasSuffix("/") ? cwd : cwd + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
