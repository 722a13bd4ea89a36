import NIOCore

/// Audio bytes as base64, the way both agent protocols carry audio in JSON: 16-bit little-endian
/// PCM (OpenAI Realtime) or μ-law bytes (Twilio).
///
/// Fifty messages a second per call go through here both ways, so the codec works on bytes in
/// place — into the message being built, out of the message as it came off the socket — with no
/// intermediate strings or `Data`.
public enum WireAudio {
    public static func base64(_ samples: some Collection<Int16>) -> String {
        var out = ByteBuffer()
        writeBase64(pcm16: samples, into: &out)
        return String(buffer: out)
    }

    /// nil when the text is not base64 of whole 16-bit samples.
    public static func samples(base64 text: some StringProtocol) -> [Int16]? {
        var text = String(text)
        return text.withUTF8 { samples(base64: UnsafeRawBufferPointer($0)) }
    }

    public static func base64Bytes(_ bytes: [UInt8]) -> String {
        var out = ByteBuffer()
        bytes.withUnsafeBufferPointer { writeBase64(UnsafeRawBufferPointer($0), into: &out) }
        return String(buffer: out)
    }

    public static func bytes(base64 text: some StringProtocol) -> [UInt8]? {
        var text = String(text)
        return text.withUTF8 { decoded(UnsafeRawBufferPointer($0)) { Array($0) } }
    }

    // MARK: In place

    /// Appends `bytes` as base64 (with padding).
    public static func writeBase64(_ bytes: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        let n = bytes.count
        let length = (n + 2) / 3 * 4
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { dst in
            alphabet.withUnsafeBufferPointer { a in
                var i = 0, o = 0
                while i + 3 <= n {
                    let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                    dst[o] = a[Int(v >> 18)]
                    dst[o + 1] = a[Int(v >> 12 & 63)]
                    dst[o + 2] = a[Int(v >> 6 & 63)]
                    dst[o + 3] = a[Int(v & 63)]
                    i += 3
                    o += 4
                }
                if i < n {
                    let second = i + 1 < n
                    let v = UInt32(bytes[i]) << 16 | (second ? UInt32(bytes[i + 1]) << 8 : 0)
                    dst[o] = a[Int(v >> 18)]
                    dst[o + 1] = a[Int(v >> 12 & 63)]
                    dst[o + 2] = second ? a[Int(v >> 6 & 63)] : UInt8(ascii: "=")
                    dst[o + 3] = UInt8(ascii: "=")
                }
            }
            return length
        }
    }

    /// Appends 16-bit samples as base64 of their little-endian bytes.
    public static func writeBase64(pcm16 samples: some Collection<Int16>, into out: inout ByteBuffer) {
        withUnsafeTemporaryAllocation(of: Int16.self, capacity: samples.count) { tmp in
            for (i, s) in samples.enumerated() { tmp[i] = s.littleEndian }
            writeBase64(UnsafeRawBufferPointer(tmp), into: &out)
        }
    }

    /// `body` over the bytes that base64 `text` stands for; nil when it is not base64 (padding optional).
    public static func decoded<T>(_ text: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> T) -> T? {
        var n = text.count
        while n > 0 && text[n - 1] == UInt8(ascii: "=") { n -= 1 }
        guard n % 4 != 1, text.count - n <= 2 else { return nil }
        let length = n / 4 * 3 + max(0, n % 4 - 1)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, length)) { out -> T? in
            let ok = values.withUnsafeBufferPointer { table -> Bool in
                var acc: UInt32 = 0, bits = 0, o = 0
                for i in 0..<n {
                    let v = table[Int(text[i])]
                    guard v < 64 else { return false }
                    acc = acc << 6 | UInt32(v)
                    bits += 6
                    if bits >= 8 {
                        bits -= 8
                        out[o] = UInt8(truncatingIfNeeded: acc >> UInt32(bits))
                        o += 1
                    }
                }
                return true
            }
            return ok ? body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(out)[0..<length])) : nil
        }
    }

    /// 16-bit little-endian samples out of base64 `text`; nil when it is not base64 of whole samples.
    public static func samples(base64 text: UnsafeRawBufferPointer) -> [Int16]? {
        decoded(text) { bytes -> [Int16]? in
            guard bytes.count % 2 == 0 else { return nil }
            return (0..<(bytes.count / 2)).map { Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
        } ?? nil
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    /// Byte → its 6-bit value, 255 for a byte outside the alphabet.
    private static let values: [UInt8] = {
        var t = [UInt8](repeating: 255, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()
}
