import EarshotAudio
import EarshotCore
import Foundation
import Testing

/// `scenario new` from recordings, and the ground-truth check `run`, `compare` and `fixtures verify`
/// make of any manifest, through the binary.
@Suite struct ScenarioCommandTests {
    /// A 440 Hz tone (`amplitudes` per channel, 0 for silence) over `parts` of milliseconds,
    /// interleaved at `rate`.
    static func recording(rate: Int, _ parts: [(ms: Int, amplitudes: [Float])]) -> AudioChunk {
        let channels = parts[0].amplitudes.count
        var samples: [Float] = []
        for part in parts {
            for i in 0..<part.ms * rate / 1000 {
                let s = Float(sin(2 * Double.pi * 440 * Double(i) / Double(rate)))
                samples += part.amplitudes.map { $0 * s }
            }
        }
        return AudioChunk(samples: samples, sampleRate: rate, channels: channels)
    }

    static func folder() throws -> URL {
        let url = URL(fileURLWithPath: CLI.temporaryFolder(), isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func ms(_ d: Duration) -> Int { Int(d.nanoseconds / 1_000_000) }

    @Test func newConvertsRateAndChannelsAndMeasuresTheSpeech() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Turn 1: 48 kHz stereo, louder on the left; speech 300-1100 and 1600-2200 ms (a 500 ms pause).
        let stereo = Self.recording(rate: 48_000, [(300, [0, 0]), (800, [0.3, 0.1]), (500, [0, 0]), (600, [0.3, 0.1]), (300, [0, 0])])
        try AudioFile.write(stereo, to: dir.appendingPathComponent("q1.wav"))
        // Turn 2: 44.1 kHz mono FLAC; speech 200-900 ms.
        let mono = Self.recording(rate: 44_100, [(200, [0]), (700, [0.5]), (400, [0])])
        try AudioFile.write(mono, to: dir.appendingPathComponent("q2.flac"))

        let out = dir.appendingPathComponent("Mine")
        let r = try CLI.run(["scenario", "new", "q1.wav", "q2.flac", "--name", "mine", "--out", "Mine",
                             "--text", "First question?", "--text", "Second \"quoted\" one.", "--reply", "One.", "--reply", "Two."],
                            in: dir)
        #expect(r.status == 0, "\(r.stderr)")

        let first = try AudioFile.read(out.appendingPathComponent("utterances/mine-01.wav"))
        #expect(first.sampleRate == 16_000)
        #expect(first.channels == 1)
        #expect(first.frameCount == 2_500 * 16)
        // Averaged, not summed or one side: (0.3 + 0.1) / 2.
        let peak = first.samples.map(abs).max() ?? 0
        #expect(abs(peak - 0.2) < 0.01, "peak \(peak)")
        let second = try AudioFile.read(out.appendingPathComponent("utterances/mine-02.wav"))
        #expect(second.sampleRate == 16_000 && second.channels == 1)

        let manifest = out.appendingPathComponent("scenarios/mine.yaml")
        let scenario = try Scenario.load(from: manifest, fixturesRoot: out)
        #expect(scenario.turns.count == 2)
        let frame = 10
        func near(_ d: Duration, _ expected: Int) -> Bool { abs(Self.ms(d) - expected) <= frame }
        let t1 = scenario.turns[0], t2 = scenario.turns[1]
        #expect(near(t1.speechStart - t1.offset, 300), "\(t1)")
        #expect(near(t1.speechEnd - t1.offset, 2_200), "\(t1)")
        #expect(t1.pauses.count == 1)
        if let pause = t1.pauses.first {
            #expect(near(pause.lowerBound - t1.offset, 1_100) && near(pause.upperBound - t1.offset, 1_600), "\(pause)")
        }
        #expect(near(t2.speechStart - t2.offset, 200), "\(t2)")
        #expect(near(t2.speechEnd - t2.offset, 900), "\(t2)")
        #expect(t2.reply == "Two.")
        #expect(FixtureVerifier().verify(scenario).isEmpty)

        let yaml = try String(contentsOf: manifest, encoding: .utf8)
        #expect(yaml.contains("source: \"q1.wav: 48000 Hz, 2 channels, 2.50 s; channels averaged to mono, resampled to 16000 Hz"))
        #expect(yaml.contains("source: \"q2.flac: 44100 Hz, 1 channel, 1.30 s; resampled to 16000 Hz"))
        #expect(yaml.contains("text: \"Second \\\"quoted\\\" one.\""))

        // Runs as made, found from the manifest's own folder, and refuses to be overwritten.
        let run = try CLI.run(["run", "--pipeline", "passthrough-4", "--scenario", "Mine/scenarios/mine.yaml",
                               "--out", "runs", "--quiet"], in: dir)
        // An echo talks over the user, which misses the budget (exit 1): the scenario itself is sound.
        #expect(run.status == 1 && run.stdout.contains("FAIL"), "\(run.stdout)\(run.stderr)")
        let again = try CLI.run(["scenario", "new", "q1.wav", "--name", "mine", "--out", "Mine"], in: dir)
        #expect(again.status == 2)
        #expect(again.stderr.contains("Mine/utterances/mine-01.wav: already exists; pass --force"), "\(again.stderr)")
        #expect(try CLI.run(["scenario", "new", "q1.wav", "--name", "mine", "--out", "Mine", "--force"], in: dir).status == 0)
    }

    @Test func newTeachesWithAnExample() throws {
        let r = try CLI.run(["scenario", "new", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Example:"))
        #expect(r.stdout.contains("earshot scenario new calls/"))
    }

    @Test func newRefusesASilentRecording() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try AudioFile.write(Self.recording(rate: 8_000, [(500, [0.001])]), to: dir.appendingPathComponent("quiet.wav"))
        let r = try CLI.run(["scenario", "new", "quiet.wav", "--name", "q", "--out", "out"], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("quiet.wav: no speech"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }

    /// A committed manifest with one value changed, in a scenarios/ folder of its own; the audio
    /// stays the committed one (`--fixtures`).
    static func edited(_ name: String, replacing old: String, with new: String) throws -> (dir: URL, manifest: String, line: Int) {
        let original = try String(contentsOf: CLI.root.appendingPathComponent("AudioFixtures/scenarios/\(name).yaml"), encoding: .utf8)
        let edited = original.replacingOccurrences(of: old, with: new)
        #expect(edited != original, "\(old) is not in \(name).yaml")
        let dir = try folder()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("scenarios"), withIntermediateDirectories: true)
        let manifest = dir.appendingPathComponent("scenarios/\(name).yaml").path
        try edited.write(toFile: manifest, atomically: true, encoding: .utf8)
        let line = original.prefix(upTo: try #require(original.range(of: old)).lowerBound).filter { $0 == "\n" }.count + 1
        return (dir, manifest, line)
    }

    @Test(arguments: ["run", "compare"])
    func runRefusesGroundTruthTheAudioContradicts(command: String) throws {
        // barge-in turn 2 ends at 5370 ms; the manifest now says 50 ms later: five frames off.
        let (dir, manifest, line) = try Self.edited("barge-in", replacing: "speech_end_ms: 5370\n", with: "speech_end_ms: 5420\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try CLI.run([command, "--pipeline", "passthrough-4", "--fixtures", "AudioFixtures", "--scenario", manifest, "--out", out])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("scenarios/barge-in.yaml:\(line): barge-in turn 2: speech_end_ms is 5420, the audio says 5370"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "a refused run writes nothing")
    }

    @Test func verifyTakesOneManifestAndPrintsThePauseTimes() throws {
        let (dir, manifest, line) = try Self.edited("mid-turn-pause", replacing: "pauses: [[2840, 3570]]", with: "pauses: []")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["fixtures", "verify", manifest, "--fixtures", "AudioFixtures"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("mid-turn-pause.yaml:\(line): mid-turn-pause turn 1: pauses lists 0 ([]), the audio has 1 ([[2840, 3570]])"),
                "\(r.stderr)")

        let good = try CLI.run(["fixtures", "verify", "AudioFixtures/scenarios/mid-turn-pause.yaml"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("1 scenario, 2 turns: ground truth matches the audio"), "\(good.stdout)")
    }
}
