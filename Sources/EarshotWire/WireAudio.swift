import Foundation

/// Audio bytes as base64, the way both agent protocols carry audio in JSON: 16-bit little-endian
/// PCM (OpenAI Realtime) or μ-law bytes (Twilio).
public enum WireAudio {
    public static func base64(_ samples: some Collection<Int16>) -> String {
        var data = Data(count: samples.count * 2)
        data.withUnsafeMutableBytes { raw in
            for (i, s) in samples.enumerated() { raw.storeBytes(of: s.littleEndian, toByteOffset: 2 * i, as: Int16.self) }
        }
        return data.base64EncodedString()
    }

    /// nil when the text is not base64 of whole 16-bit samples.
    public static func samples(base64 text: String) -> [Int16]? {
        guard let data = Data(base64Encoded: text), data.count % 2 == 0 else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 2)).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
        }
    }

    public static func base64Bytes(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    public static func bytes(base64 text: some StringProtocol) -> [UInt8]? { Data(base64Encoded: String(text)).map(Array.init) }
}
