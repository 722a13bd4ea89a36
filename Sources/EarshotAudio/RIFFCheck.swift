/// Finds WAV files cut short. libsndfile opens a truncated WAV without complaint and quietly
/// shortens it to the bytes present, so a fixture cut mid-copy would otherwise load as a shorter
/// utterance and skew every ground-truth time after it. Walking the RIFF chunk headers is enough.
enum RIFFCheck {
    /// Why the RIFF/WAVE file is truncated, or nil when it is not (or is not RIFF/WAVE at all).
    /// `read(offset, count)` returns up to `count` bytes at `offset`.
    static func truncation(length: Int, read: (Int, Int) -> [UInt8]) -> String? {
        let head = read(0, 12)
        guard head.count >= 4, head[0..<4].elementsEqual("RIFF".utf8) else { return nil }
        guard head.count == 12 else { return "file ends inside the RIFF header, at byte \(length)" }
        guard head[8..<12].elementsEqual("WAVE".utf8) else { return nil }

        var offset = 12
        // A bound on the walk, so a corrupt chain of tiny chunks cannot spin for long.
        for _ in 0..<10_000 {
            if offset == length { return nil }  // No data chunk: let libsndfile say what is wrong.
            let header = read(offset, 8)
            guard header.count == 8 else { return "file ends inside a chunk header, at byte \(length)" }
            // Shown in messages: anything unprintable in a corrupt id becomes "?".
            let id = String(header[0..<4].map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "?" })
            let size = Int(header[4]) | Int(header[5]) << 8 | Int(header[6]) << 16 | Int(header[7]) << 24
            let available = length - offset - 8
            if id == "data" {
                // Streaming writers leave the size at 0 or 0xFFFFFFFF when they cannot seek back.
                if size == 0 || size == 0xFFFF_FFFF { return nil }
                return size > available ? "data chunk declares \(size) bytes, file holds \(available)" : nil
            }
            if size > available {
                return "'\(id)' chunk declares \(size) bytes, file holds \(available)"
            }
            offset += 8 + size + (size & 1)
            if offset > length { return nil }
        }
        return nil
    }
}
