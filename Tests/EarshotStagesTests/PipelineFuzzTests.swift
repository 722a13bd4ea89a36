import EarshotCore
import EarshotTestSupport
import Foundation
import Testing
@testable import EarshotStages

/// The pipeline reader fed a fixed number of mutants of the presets and the hostile corpus's
/// pipelines: never a trap, every refusal an `InputError` (exit 2). Stages that start programs,
/// open sockets or load engines are left out of the registry: a mutant may name them.
@Suite struct PipelineFuzzTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func pipelineFiles() {
        let outside: Set<String> = ["process", "llm-openai", "stt-pocketsphinx", "tts-espeak"]
        let registry = StageRegistry(StageRegistry.shared.all.filter { !outside.contains($0.name) })
        let folders = ["Sources/EarshotStages/Presets", "Tests/HostileCorpus/pipelines"]
        let seeds = folders.flatMap { folder -> [[UInt8]] in
            let url = Self.root.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            return names.filter { $0.hasSuffix(".yaml") }.sorted().compactMap {
                FileManager.default.contents(atPath: url.appendingPathComponent($0).path).map { [UInt8]($0) }
            }
        }
        #expect(seeds.count > 20)
        let mutator = Mutator(seeds: seeds, seed: Fuzzing.seed(31))
        var accepted = 0
        for i in 0..<Fuzzing.iterations(5_000) {
            do {
                _ = try PipelineFile.parse(String(decoding: mutator.next(), as: UTF8.self), file: "fuzz.yaml", registry: registry)
                accepted += 1
            } catch {
                #expect(error is InputError, "mutant \(i): \(type(of: error)) \(error)")
            }
        }
        #expect(accepted > 0)
    }
}
