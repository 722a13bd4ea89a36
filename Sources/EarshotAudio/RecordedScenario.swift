import EarshotCore
import Foundation

/// A scenario made from a user's own recordings, one file per user turn: each converted to the
/// scenario's rate and to mono, laid on a timeline with room for the agent's reply after it, and
/// given the ground truth the energy rule measures (`FixtureVerifier.measure`), so it passes
/// `fixtures verify` by construction.
public struct RecordedScenario {
    /// One user turn as given.
    public struct Recording {
        /// The audio as the user named it: any rate, any channel count, any format libsndfile reads.
        public var url: URL
        /// What the user says, when known.
        public var text: String?
        /// What the agent is expected to answer.
        public var reply: String

        public init(url: URL, text: String? = nil, reply: String) {
            self.url = url
            self.text = text
            self.reply = reply
        }
    }

    /// One converted turn, ready to write.
    public struct Turn {
        public var recording: Recording
        /// Relative to the fixtures folder: `utterances/<name>-01.wav`.
        public var audioPath: String
        /// The converted file's bytes (16-bit WAV): what was measured is what gets written.
        public var wav: [UInt8]
        public var atMs: Int
        public var timing: FixtureVerifier.Timing
        /// The manifest's note on where the audio came from and what was done to it.
        public var source: String
    }

    /// Silence before the first turn, as the committed fixtures have: a VAD starts on silence.
    public static let defaultLeadMs = 500
    /// Silence after each turn: room for the agent to answer (the committed `basic-qa` leaves 5 s).
    public static let defaultGapMs = 5_000
    /// The rate of the committed fixtures.
    public static let defaultSampleRate = 16_000

    public var name: String
    public var description: String
    public var sampleRate: Int
    public var turns: [Turn]
    public var durationMs: Int

    /// Reads, converts and measures every recording.
    ///
    /// - Throws: `InputError` naming the recording for one that cannot be read or holds no speech
    ///   (no 10 ms frame at or above −40 dBFS), and for a bad name or rate.
    public init(name: String, description: String = "", recordings: [Recording], sampleRate: Int = RecordedScenario.defaultSampleRate,
                leadMs: Int = RecordedScenario.defaultLeadMs, gapMs: Int = RecordedScenario.defaultGapMs) throws {
        try Self.check(name: name)
        guard (8_000...96_000).contains(sampleRate) else {
            throw InputError("the sample rate must be within 8000...96000 Hz (what a manifest holds), got \(sampleRate)")
        }
        guard !recordings.isEmpty else { throw InputError("no recordings: give one audio file per user turn") }
        let frame = Int(FixtureVerifier.frameDuration.nanoseconds / 1_000_000)
        // Whole frames, so each utterance's frames line up with the timeline's (AudioFixtures/README.md).
        func frames(_ ms: Int) -> Int { (ms + frame - 1) / frame * frame }

        var turns: [Turn] = []
        var at = frames(leadMs)
        for (index, recording) in recordings.enumerated() {
            let file = recording.url.relativePath
            let original: AudioChunk
            do {
                original = try AudioFile.read(recording.url)
            } catch {
                throw error.inputError
            }
            let converted: AudioChunk
            do {
                converted = try Resampler.resample(original.mono, to: sampleRate)
            } catch {
                throw InputError(file: file, "cannot convert to \(sampleRate) Hz: \(error)")
            }
            let audioPath = "utterances/\(name)-\(String(format: "%02d", index + 1)).wav"
            // Measured from the 16-bit file as the loader will read it back, so rounding to 16 bits
            // cannot move a frame across the threshold between measuring and running.
            let wav = try AudioFile.bytes(of: converted, format: .wav16, name: audioPath)
            let written = try AudioFile.read(bytes: wav, name: audioPath)
            guard let timing = FixtureVerifier.measure(written.samples[...], sampleRate: sampleRate) else {
                throw InputError(file: file, "no speech: no 10 ms frame reaches \(Int(FixtureVerifier.speechThresholdDBFS)) dBFS; "
                                 + "is it silent, or recorded very quietly? (raise its level and try again)")
            }
            turns.append(Turn(recording: recording, audioPath: audioPath, wav: wav, atMs: at, timing: timing,
                              source: Self.source(file, original, sampleRate: sampleRate)))
            at = frames(at + Self.ceilMilliseconds(written.frameCount, rate: sampleRate)) + gapMs
        }
        self.name = name
        self.description = description
        self.sampleRate = sampleRate
        self.turns = turns
        durationMs = at
    }

    /// The manifest (schema in AudioFixtures/README.md) with every turn's measured ground truth.
    public var manifest: String {
        var lines = [
            "# Made by `earshot scenario new`. speech_* and pauses are measured from the audio by the",
            "# energy rule (10 ms frames, -40 dBFS); `earshot fixtures verify` checks them.",
            "schema: \(ScenarioManifest.schema)",
            "name: \(Self.quoted(name))",
        ]
        if !description.isEmpty { lines.append("description: \(Self.quoted(description))") }
        lines += ["sample_rate: \(sampleRate)", "duration_ms: \(durationMs)", "turns:"]
        for (index, turn) in turns.enumerated() {
            let ms = { (d: Duration) in turn.atMs + Int(d.milliseconds.rounded()) }
            let pauses = turn.timing.pauses.map { "[\(ms($0.lowerBound)), \(ms($0.upperBound))]" }.joined(separator: ", ")
            lines += [
                "  - id: \(index + 1)",
                "    kind: turn",
                "    audio: \(turn.audioPath)",
                "    source: \(Self.quoted(turn.source))",
            ]
            if let text = turn.recording.text { lines.append("    text: \(Self.quoted(text))") }
            lines += [
                "    at_ms: \(turn.atMs)",
                "    speech_start_ms: \(ms(turn.timing.speechStart))",
                "    speech_end_ms: \(ms(turn.timing.speechEnd))",
                "    pauses: [\(pauses)]",
                "    reply: \(Self.quoted(turn.recording.reply))",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Where `write(to:)` puts the manifest, relative to the fixtures folder.
    public var manifestPath: String { "scenarios/\(name).yaml" }

    /// Every file `write(to:)` writes, relative to the fixtures folder.
    public var paths: [String] { turns.map(\.audioPath) + [manifestPath] }

    /// Writes the utterances, then the manifest, into `folder` (its `utterances/` and `scenarios/`,
    /// made if missing). Without `force`, nothing is written when any of those files exists.
    public func write(to folder: URL, force: Bool = false) throws {
        if !force, let existing = paths.first(where: { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }) {
            throw InputError(file: folder.appendingPathComponent(existing).relativePath,
                             "already exists; pass --force to replace it, or choose another --name or --out")
        }
        for sub in ["utterances", "scenarios"] {
            let url = folder.appendingPathComponent(sub, isDirectory: true)
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                throw InputError(file: url.relativePath, "cannot make the folder (\(SystemErrorText.describe(error)))")
            }
        }
        // The manifest goes last: a run interrupted half-way leaves no manifest naming missing audio.
        for turn in turns {
            try write(Data(turn.wav), to: folder.appendingPathComponent(turn.audioPath))
        }
        try write(Data(manifest.utf8), to: folder.appendingPathComponent(manifestPath))
    }

    private func write(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw InputError(file: url.relativePath, "cannot write (\(SystemErrorText.describe(error)))")
        }
    }

    /// A name is a file name in two folders and a word in reports: letters, digits, `-`, `_`, `.`.
    static func check(name: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !name.isEmpty, !name.hasPrefix("."), name.allSatisfy(allowed.contains) else {
            throw InputError("scenario name '\(name)' must be letters, digits, '-', '_' or '.' (not first), like support-calls")
        }
    }

    private static func source(_ file: String, _ original: AudioChunk, sampleRate: Int) -> String {
        var steps: [String] = []
        if original.channels > 1 { steps.append("channels averaged to mono") }
        if original.sampleRate != sampleRate {
            steps.append("resampled to \(sampleRate) Hz (speexdsp, quality \(Resampler.defaultQuality))")
        }
        steps.append("written as 16-bit WAV")
        let seconds = String(format: "%.2f", Double(original.frameCount) / Double(original.sampleRate))
        return "\(file): \(original.sampleRate) Hz, \(original.channels) channel\(original.channels == 1 ? "" : "s"), \(seconds) s; "
            + steps.joined(separator: ", ")
    }

    private static func ceilMilliseconds(_ frames: Int, rate: Int) -> Int { (frames * 1000 + rate - 1) / rate }

    /// A YAML double-quoted scalar: any text, including quotes, backslashes and new lines, reads back as given.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\x%02X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
