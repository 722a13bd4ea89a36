import EarshotCore
import Foundation

extension FixtureVerifier {
    /// Loads the manifest at `url` and checks its ground truth against its audio. Each mismatch
    /// names the manifest and the line of the value to fix.
    ///
    /// - Throws: `InputError`, as `Scenario.load` does, for a manifest that does not load at all.
    public func verify(manifestAt url: URL, fixturesRoot: URL) throws -> (scenario: Scenario, mismatches: [Mismatch]) {
        let (scenario, manifest) = try Scenario.loadWithManifest(from: url, fixturesRoot: fixturesRoot)
        let mismatches = verify(scenario).map { mismatch in
            var located = mismatch
            located.file = manifest.file
            if let turn = manifest.turns.first(where: { $0.id == mismatch.turn }) {
                located.line = switch mismatch.kind {
                case .noSpeech: turn.audio.line
                case .speechStart: turn.speechStartMs.line
                case .speechEnd: turn.speechEndMs.line
                case .pauseCount: turn.pausesLine
                case let .pause(index, _, _): turn.pauses.indices.contains(index) ? turn.pauses[index].line : turn.pausesLine
                }
            }
            return located
        }
        return (scenario, mismatches)
    }
}
