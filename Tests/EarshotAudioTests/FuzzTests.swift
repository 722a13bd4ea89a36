import EarshotCore
import EarshotTestSupport
import Foundation
import Testing
@testable import EarshotAudio

/// The readers of users' files, fed a fixed number of mutants of real inputs: never a trap, and
/// every refusal the error type the command line turns into exit 2.
@Suite struct FuzzTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let iterations = Fuzzing.iterations(5_000)

    static func files(_ folder: String, suffix: String) -> [[UInt8]] {
        let url = root.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().compactMap { FileManager.default.contents(atPath: url.appendingPathComponent($0).path).map { [UInt8]($0) } }
    }

    @Test func manifests() {
        let seeds = Self.files("AudioFixtures/scenarios", suffix: ".yaml") + Self.files("Tests/HostileCorpus/manifests", suffix: ".yaml")
        #expect(seeds.count > 10)
        let mutator = Mutator(seeds: seeds, seed: Fuzzing.seed(11))
        var accepted = 0
        for i in 0..<Self.iterations {
            let text = String(decoding: mutator.next(), as: UTF8.self)
            do {
                _ = try ScenarioManifest(yaml: text, file: "fuzz.yaml")
                accepted += 1
            } catch {
                #expect(error is InputError, "mutant \(i): \(type(of: error)) \(error)")
            }
        }
        // Mutants that still parse show the fuzzer reaches past the first line.
        #expect(accepted > 0)
    }

    @Test func audioHeaders() throws {
        let signal = TestSignal.speechLike(duration: .milliseconds(60), sampleRate: 16_000)
        let seeds = try [AudioFileFormat.wav16, .wavFloat, .flac16].map { try AudioFile.bytes(of: signal, format: $0) }
        let mutator = Mutator(seeds: seeds, seed: Fuzzing.seed(12))
        var accepted = 0
        for i in 0..<Self.iterations {
            // A refusal is an AudioFileError by the reader's signature (typed throws).
            guard let chunk = try? AudioFile.read(bytes: mutator.next(), name: "fuzz.wav") else { continue }
            let finite = chunk.samples.allSatisfy { $0.isFinite }
            #expect(finite, "mutant \(i) read non-finite samples")
            accepted += 1
        }
        #expect(accepted > 0)
    }
}
