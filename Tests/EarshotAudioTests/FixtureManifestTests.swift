import EarshotAudio
import EarshotCore
import Foundation
import Testing

/// The committed AudioFixtures, found from this file so the tests run from any directory.
enum CommittedFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("AudioFixtures", isDirectory: true)

    /// Every committed manifest's file name, for parameterised tests.
    static let manifests: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: scenarios.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    static var scenarios: URL { root.appendingPathComponent("scenarios", isDirectory: true) }

    static func manifest(_ name: String) -> URL { scenarios.appendingPathComponent("\(name).yaml") }

    static func scenario(_ name: String) throws -> Scenario {
        try Scenario.load(from: manifest(name), fixturesRoot: root)
    }
}

@Suite struct FixtureManifestTests {
    @Test func theCommittedScenariosAreAllThere() throws {
        let names = try Scenario.loadAll(in: CommittedFixtures.root).map(\.name)
        #expect(names == ["backchannel", "barge-in", "basic-qa", "mid-turn-pause", "numbers"])
        #expect(names == CommittedFixtures.manifests.map { String($0.dropLast(".yaml".count)) })
    }

    @Test(arguments: CommittedFixtures.manifests)
    func manifestLoadsOntoItsTimeline(_ file: String) throws {
        let url = CommittedFixtures.scenarios.appendingPathComponent(file)
        let scenario = try Scenario.load(from: url, fixturesRoot: CommittedFixtures.root)
        #expect(scenario.audio.sampleRate == 16_000)
        #expect(scenario.audio.channels == 1)
        #expect(!scenario.description.isEmpty)
        #expect(!scenario.turns.isEmpty)
        #expect(scenario.turns.map(\.id) == Array(1...scenario.turns.count))
        for turn in scenario.turns {
            let audio = CommittedFixtures.root.appendingPathComponent(turn.audioFile)
            #expect(FileManager.default.fileExists(atPath: audio.path), "\(turn.audioFile)")
            #expect(turn.offset <= turn.speechStart && turn.speechStart < turn.speechEnd)
            #expect(turn.speechEnd <= scenario.audio.duration)
            #expect((turn.kind == .backchannel) == (turn.reply == nil))
        }
    }

    @Test(arguments: CommittedFixtures.manifests)
    func groundTruthMatchesTheAudio(_ file: String) throws {
        let url = CommittedFixtures.scenarios.appendingPathComponent(file)
        let scenario = try Scenario.load(from: url, fixturesRoot: CommittedFixtures.root)
        let mismatches = FixtureVerifier().verify(scenario)
        #expect(mismatches.isEmpty, "\(mismatches.map(\.description).joined(separator: "\n"))")
    }

    @Test func eachUtteranceSitsOnTheTimelineSampleForSample() throws {
        let scenario = try CommittedFixtures.scenario("basic-qa")
        for turn in scenario.turns {
            let file = try AudioFile.read(CommittedFixtures.root.appendingPathComponent(turn.audioFile))
            let start = Int(turn.offset.nanoseconds / 1_000_000) * 16
            #expect(Array(scenario.audio.samples[start..<start + file.samples.count]) == file.samples)
        }
        // Between turns the timeline is digital silence: nothing for an endpointer to hear.
        let firstStart = Int(scenario.turns[0].offset.nanoseconds / 1_000_000) * 16
        #expect(scenario.audio.samples[0..<firstStart].allSatisfy { $0 == 0 })
    }

    @Test func midTurnPauseHoldsOnePauseOf600To900ms() throws {
        let scenario = try CommittedFixtures.scenario("mid-turn-pause")
        let paused = scenario.turns.filter { !$0.pauses.isEmpty }
        #expect(paused.count == 1)
        let pause = try #require(paused.first?.pauses.first)
        let length = pause.upperBound - pause.lowerBound
        #expect(length >= .milliseconds(600) && length <= .milliseconds(900), "pause is \(length)")
        let turn = try #require(paused.first)
        #expect(turn.kind == .turn)
        #expect(turn.speechStart < pause.lowerBound && pause.upperBound < turn.speechEnd)
    }

    @Test func onlyTheDeliberatePauseIsLongEnoughToCount() throws {
        for scenario in try Scenario.loadAll(in: CommittedFixtures.root) {
            for turn in scenario.turns where !turn.audioFile.hasSuffix("paused-sentence.wav") {
                #expect(turn.pauses.isEmpty, "\(scenario.name) turn \(turn.id)")
            }
        }
    }

    @Test func bargeInStartsDuringTheReplyToALongQuestion() throws {
        let scenario = try CommittedFixtures.scenario("barge-in")
        let bargeIn = try #require(scenario.turns.firstIndex { $0.kind == .bargeIn })
        #expect(bargeIn > 0)
        let asked = scenario.turns[bargeIn - 1]
        let gap = scenario.turns[bargeIn].speechStart - asked.speechEnd
        #expect(gap >= .milliseconds(1500) && gap <= .milliseconds(2000), "barge-in \(gap) after the question")
        #expect(asked.kind == .turn)
        #expect((asked.reply?.split(separator: " ").count ?? 0) >= 10, "the reply must be long enough to interrupt")
    }

    @Test func backchannelsExpectNoReplyAndFollowALongOne() throws {
        let scenario = try CommittedFixtures.scenario("backchannel")
        let backchannels = scenario.turns.filter { $0.kind == .backchannel }
        #expect(!backchannels.isEmpty)
        #expect(backchannels.allSatisfy { $0.reply == nil })
        #expect(backchannels.contains { $0.audioFile == "utterances/mm-hm.wav" })
        #expect(scenario.turns.first?.kind == .turn)
    }

    @Test func timelineLastsDurationMs() throws {
        let scenario = try CommittedFixtures.scenario("numbers")
        let manifest = try String(contentsOf: CommittedFixtures.manifest("numbers"), encoding: .utf8)
        let line = try #require(manifest.split(separator: "\n").first { $0.hasPrefix("duration_ms:") })
        let ms = try #require(Int(line.dropFirst("duration_ms:".count).trimmingCharacters(in: .whitespaces)))
        #expect(scenario.audio.duration == .milliseconds(ms))
        #expect(scenario.audio.frameCount == ms * 16)
    }

    @Test func utterancesAreSmallMonoSixteenKilohertzFiles() throws {
        let folder = CommittedFixtures.root.appendingPathComponent("utterances")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".wav") }
        #expect(names.count >= 12)
        var bytes = 0
        for name in names {
            let url = folder.appendingPathComponent(name)
            let chunk = try AudioFile.read(url)
            #expect(chunk.sampleRate == 16_000 && chunk.channels == 1, "\(name)")
            let peak = chunk.samples.map(abs).max() ?? 0
            let peakDBFS = 20 * log10(Double(peak))
            #expect(abs(peakDBFS - -3) < 0.1, "\(name) peaks at \(peakDBFS) dBFS")
            bytes += try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        }
        #expect(bytes < 5_000_000)
    }
}
