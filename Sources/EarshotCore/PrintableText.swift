/// Text from outside the harness (a child process's error, a line it wrote) made safe to show:
/// control characters are written as escapes, so a NUL, a terminal escape sequence or a stray
/// newline in a failure reason cannot cut a CSV cell, a log line or a terminal report short.
public enum PrintableText {
    /// `s` with C0 controls (tab aside), DEL and C1 controls escaped: `\0`, `\n`, `\r`, else `\xNN`
    /// (C1 as `\u{NN}`). Everything else, backslashes included, is left as it is. `keepingLineBreaks`
    /// leaves CR and LF alone, for a format that quotes them (CSV).
    public static func escape(_ s: String, keepingLineBreaks: Bool = false) -> String {
        let needsEscape = { (scalar: Unicode.Scalar) in
            isControl(scalar) && !(keepingLineBreaks && (scalar == "\n" || scalar == "\r"))
        }
        guard s.unicodeScalars.contains(where: needsEscape) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for scalar in s.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\0": out += "\\0"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default:
                let hex = String(scalar.value, radix: 16)
                out += scalar.value < 0x80 ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{" + hex + "}"
            }
        }
        return out
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return (v < 0x20 && v != 0x09) || (0x7F...0x9F).contains(v)
    }
}
