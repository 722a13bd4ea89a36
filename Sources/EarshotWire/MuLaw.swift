import EarshotCore
import NIOCore

/// G.711 μ-law, the telephone network's 8-bit companding (ITU-T G.711), which Twilio Media Streams
/// carries at 8 kHz. Encoding follows the reference: bias 0x84, clip at 32635, bits inverted.
public enum MuLaw {
    public static func encode(_ samples: ArraySlice<Int16>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: samples.count) { out, count in
            samples.withUnsafeBufferPointer { input in
                for i in 0..<input.count { out[i] = encode(input[i]) }
            }
            count = samples.count
        }
    }

    public static func encode(_ samples: [Int16]) -> [UInt8] { encode(samples[...]) }

    /// Appends audio samples (as `AudioChunk.pcm16` reads them) as base64 μ-law: a Twilio payload, in place.
    public static func writeBase64(_ samples: ArraySlice<Float>, into out: inout ByteBuffer) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: samples.count) { codes in
            for (i, x) in samples.enumerated() { codes[i] = encode(AudioChunk.pcm16(x)) }
            WireAudio.writeBase64(UnsafeRawBufferPointer(codes), into: &out)
        }
    }

    public static func encode(_ sample: Int16) -> UInt8 {
        var s = Int(sample)
        let sign: Int = s < 0 ? 0x80 : 0
        if s < 0 { s = -s }
        s = min(s, 32635) + 0x84
        // The segment: the highest bit set above bit 7 (the reference finds it by shifting a mask down from bit 14).
        let exponent = max(0, Int.bitWidth - 1 - s.leadingZeroBitCount - 7)
        let mantissa = (s >> (exponent + 3)) & 0x0F
        return ~UInt8(sign | exponent << 4 | mantissa)
    }

    public static func decode(_ bytes: [UInt8]) -> [Int16] {
        bytes.withUnsafeBytes { decode($0) }
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) -> [Int16] {
        table.withUnsafeBufferPointer { table in
            [Int16](unsafeUninitializedCapacity: bytes.count) { out, count in
                for i in 0..<bytes.count { out[i] = table[Int(bytes[i])] }
                count = bytes.count
            }
        }
    }

    /// Byte → linear sample, for all 256 codes.
    public static let table: [Int16] = (0...255).map { code in
        let u = ~UInt8(code)
        let exponent = Int(u >> 4) & 0x07
        let mantissa = Int(u) & 0x0F
        let magnitude = ((mantissa << 3) + 0x84) << exponent - 0x84
        return Int16(u & 0x80 != 0 ? -magnitude : magnitude)
    }
}
