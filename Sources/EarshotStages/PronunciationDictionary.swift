import Foundation
import Synchronization

/// The words PocketSphinx can pronounce: the first column of the model's `cmudict-en-us.dict`
/// (alternative pronunciations, `word(2)`, counted once). Read once per model folder.
public enum PronunciationDictionary {
    private static let loaded = Mutex<[String: Set<String>]>([:])

    public static func words(modelDirectory: String) throws(PocketSphinxError) -> Set<String> {
        if let words = loaded.withLock({ $0[modelDirectory] }) { return words }
        let path = URL(fileURLWithPath: modelDirectory).appendingPathComponent("cmudict-en-us.dict").path
        guard let data = FileManager.default.contents(atPath: path) else { throw .modelMissing(path) }
        var words = Set<String>()
        words.reserveCapacity(140_000)
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let end = line.firstIndex(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: "\t") }) else { continue }
            words.insert(String(decoding: line[line.startIndex..<end], as: UTF8.self))
        }
        loaded.withLock { $0[modelDirectory] = words }
        return words
    }
}
