import EarshotAudio
import EarshotCore
import Foundation
import Testing

@Suite struct FixtureVerifierTests {
    /// `parts` of (milliseconds, amplitude) at 16 kHz: 0 is silence, anything else a 440 Hz tone.
    static func audio(_ parts: [(ms: Int, amplitude: Float)]) -> [Float] {
        var samples: [Float] = []
        for part in parts {
            for i in 0..<part.ms * 16 {
                samples.append(part.amplitude * Float(sin(2 * Double.pi * 440 * Double(i) / 16_000)))
            }
        }
        return samples
    }

    @Test func energyRuleFindsKnownEdgesAndPauses() throws {
        let samples = Self.audio([(200, 0), (500, 0.1), (400, 0), (300, 0.1), (290, 0), (200, 0.1), (100, 0)])
        let timing = try #require(FixtureVerifier.measure(samples[...], sampleRate: 16_000))
        #expect(timing.speechStart == .milliseconds(200))
        #expect(timing.speechEnd == .milliseconds(1890))
        // 400 ms of silence is a pause; 290 ms is not.
        #expect(timing.pauses == [Duration.milliseconds(700) ..< Duration.milliseconds(1100)])
    }

    @Test func theThresholdIsMinus40dBFSRMS() throws {
        // A sine's RMS is its amplitude / √2: −40 dBFS RMS is amplitude 0.01·√2.
        let loud = Self.audio([(100, 0), (100, 0.0145), (100, 0)])
        let quiet = Self.audio([(100, 0), (100, 0.0137), (100, 0)])
        #expect(FixtureVerifier.measure(loud[...], sampleRate: 16_000)?.speechStart == .milliseconds(100))
        #expect(FixtureVerifier.measure(quiet[...], sampleRate: 16_000) == nil)
    }

    @Test func framesAreAlignedToTheSliceStart() throws {
        // The same audio seen from 5 ms later: frames shift with the slice, not the array.
        let samples = Self.audio([(205, 0), (100, 0.1), (100, 0)])
        let timing = try #require(FixtureVerifier.measure(samples[80...], sampleRate: 16_000))
        #expect(timing.speechStart == .milliseconds(200))
        #expect(timing.speechEnd == .milliseconds(300))
    }

    @Test func catchesASpeechEndOffBy50ms() throws {
        let original = try String(contentsOf: CommittedFixtures.manifest("barge-in"), encoding: .utf8)
        let scenario = try CommittedFixtures.scenario("barge-in")
        let end = scenario.turns[1].speechEnd
        let endMs = Int(end.nanoseconds / 1_000_000)
        let yaml = original.replacingOccurrences(of: "speech_end_ms: \(endMs)\n", with: "speech_end_ms: \(endMs + 50)\n")
        #expect(yaml != original)

        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("earshot-verify-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("barge-in.yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)

        let shifted = try Scenario.load(from: url, fixturesRoot: CommittedFixtures.root)
        let mismatches = FixtureVerifier().verify(shifted)
        #expect(mismatches == [FixtureVerifier.Mismatch(
            scenario: "barge-in", turn: 2, kind: .speechEnd(expected: end + .milliseconds(50), measured: end))])
        #expect(mismatches.first?.description
            == "barge-in turn 2: speech_end_ms is \(endMs + 50), the audio says \(endMs)")
    }

    @Test func oneFrameOffIsAgreement() throws {
        var scenario = try CommittedFixtures.scenario("numbers")
        scenario.turns[0].speechStart += .milliseconds(10)
        scenario.turns[1].speechEnd -= .milliseconds(10)
        #expect(FixtureVerifier().verify(scenario).isEmpty)
        scenario.turns[2].speechStart += .milliseconds(20)
        #expect(FixtureVerifier().verify(scenario).map(\.turn) == [3])
    }

    @Test func reportsMissingAndMovedPauses() throws {
        var scenario = try CommittedFixtures.scenario("mid-turn-pause")
        let index = try #require(scenario.turns.firstIndex { !$0.pauses.isEmpty })
        let pause = scenario.turns[index].pauses[0]
        let id = scenario.turns[index].id

        scenario.turns[index].pauses[0] = pause.lowerBound ..< pause.upperBound + .milliseconds(100)
        #expect(FixtureVerifier().verify(scenario) == [FixtureVerifier.Mismatch(
            scenario: "mid-turn-pause", turn: id,
            kind: .pause(index: 0, expected: pause.lowerBound ..< pause.upperBound + .milliseconds(100), measured: pause))])

        scenario.turns[index].pauses = []
        let missing = FixtureVerifier().verify(scenario)
        #expect(missing.map(\.kind) == [.pauseCount(expected: [], measured: [pause])])
        // The measured times are in the message, so the fix can be typed from it.
        let ms = { (d: Duration) in d.nanoseconds / 1_000_000 }
        #expect(missing.first?.description
            == "mid-turn-pause turn \(id): pauses lists 0 ([]), the audio has 1 ([[\(ms(pause.lowerBound)), \(ms(pause.upperBound))]])")
    }

    @Test func silentTurnHasNoSpeech() throws {
        let scenario = Scenario(
            name: "silent", audio: .silence(.seconds(2)),
            turns: [ScenarioTurn(id: 1, kind: .turn, audioFile: "x.wav", offset: .zero,
                                 speechStart: .milliseconds(100), speechEnd: .milliseconds(900), reply: "hi")])
        #expect(FixtureVerifier().verify(scenario).map(\.kind) == [.noSpeech])
    }
}
