import EarshotCore
import EarshotReport
import Foundation
import Yams

/// What `--gate` and `--gates FILE` say: a bare percentile (`--gate p99`) moves the voice-to-voice
/// budget's percentile; anything else is a threshold in `Gate(parsing:)`'s form.
struct GateSpecs {
    var percentile: Percentile?
    var gates: [Gate] = []

    /// The file's gates first, then the flags', in the order given. Errors name the flag, or the
    /// file and line, and what was expected: bad input, exit 2.
    init(flags: [String], file: String?) throws {
        if let file { gates = try Self.read(file) }
        for flag in flags {
            if let p = Percentile(rawValue: flag) {
                percentile = p
                continue
            }
            do { gates.append(try Gate(parsing: flag)) } catch let error as InputError {
                throw InputError("--gate: \(error.message)")
            }
        }
    }

    /// A YAML list of thresholds, one per item:
    ///
    ///     - voice_to_voice:p95<=300
    ///     - response_rate>=0.95@cascade-local
    static func read(_ path: String) throws -> [Gate] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw InputError(file: path, "cannot read the gates file (--gates)")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw InputError(file: path, "not YAML: \(error)")
        }
        let example = "expected a list of thresholds, one per line, like \"- voice_to_voice:p95<=300\""
        guard let root else { throw InputError(file: path, "holds no gates; \(example)") }
        guard let items = root.sequence else { throw InputError(file: path, line: root.mark?.line, example) }
        return try items.map { item in
            let line = item.mark?.line
            guard let scalar = item.scalar else {
                throw InputError(file: path, line: line, "a threshold must be text such as voice_to_voice:p95<=300 (quote it if it holds \": \")")
            }
            do { return try Gate(parsing: scalar.string) } catch let error as InputError {
                throw InputError(file: path, line: line, error.message)
            }
        }
    }
}
