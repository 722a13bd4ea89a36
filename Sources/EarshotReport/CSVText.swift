import EarshotCore

/// RFC 4180 output: a field is quoted when it holds a quote, a comma, CR or LF, and its quotes
/// are doubled; records end in CRLF, the last one included.
///
/// This is CSV.swift's quoting rule, byte for byte (a test holds the two to it). CSV.swift's
/// writer checks each field with five `String.contains` calls and writes a byte per stream call:
/// about 50 µs a row here, so a 100,000-turn run spent seconds on `turns.csv` alone. Bytes in,
/// bytes out, this takes well under a microsecond a field.
///
/// One departure: other control characters (NUL, ESC, …) are written escaped (`PrintableText`),
/// since many CSV readers stop at a NUL and a terminal showing the file runs escape sequences.
///
/// Another: the columns in `quoted` are quoted in every row, empty or not, so a free-text column
/// reads as text in tools that guess a column's type (an empty or number-like `failure` column
/// would otherwise turn numeric in one run and text in the next).
enum CSVText {
    static func encode(_ rows: [[String]], quoted: Set<Int> = []) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * 128)
        for row in rows {
            for (i, field) in row.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(field, to: &out, quoted: !quoted.isEmpty && quoted.contains(i))
            }
            out.append(contentsOf: [0x0D, 0x0A])
        }
        return out
    }

    private static func append(_ field: String, to out: inout [UInt8], quoted: Bool) {
        if field.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D) || $0 == 0x7F }) {
            return append(PrintableText.escape(field, keepingLineBreaks: true), to: &out, quoted: quoted)
        }
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        let utf8 = field.utf8
        guard quoted || utf8.contains(where: { $0 == quote || $0 == comma || $0 == 0x0D || $0 == 0x0A }) else {
            out.append(contentsOf: utf8)
            return
        }
        out.append(quote)
        for b in utf8 {
            if b == quote { out.append(quote) }
            out.append(b)
        }
        out.append(quote)
    }
}
