import EarshotCore
import Foundation

/// An RFC 4180 file read back with the line each record starts on, so a bad cell is reported as
/// `file:line`. (Writing goes through CSV.swift; reading is ours because errors need line numbers
/// that survive quoted newlines.)
struct CSVTable {
    struct Record {
        let table: CSVTable
        let line: Int
        let fields: [String]
    }

    let file: String
    let header: [String]
    let records: [(line: Int, fields: [String])]
    let index: [String: Int]

    /// Parses `bytes` (UTF-8) and checks the header against `columns`: every one present, no other.
    init(file: String, bytes: [UInt8], columns: [String]) throws {
        self.file = file
        var rows = try Self.parse(bytes, file: file)
        guard !rows.isEmpty else { throw InputError(file: file, line: 1, "empty file: expected a header row") }
        let head = rows.removeFirst()
        header = head.fields
        var index: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            guard columns.contains(name) else {
                throw InputError(file: file, line: head.line,
                                 "unknown column \"\(name)\" (schema version \(ReportSchema.version) has: \(columns.joined(separator: ", ")))")
            }
            guard index[name] == nil else { throw InputError(file: file, line: head.line, "column \"\(name)\" appears twice") }
            index[name] = i
        }
        if let missing = columns.first(where: { index[$0] == nil }) {
            throw InputError(file: file, line: head.line, "missing column \"\(missing)\"")
        }
        for row in rows where row.fields.count != header.count {
            throw InputError(file: file, line: row.line, "\(row.fields.count) fields, the header has \(header.count)")
        }
        if let v = index[ReportSchema.versionColumn] {
            for row in rows where Int(row.fields[v]).map({ !ReportSchema.readable.contains($0) }) ?? true {
                throw InputError(file: file, line: row.line,
                                 "schema_version \"\(row.fields[v])\" is not supported: this earshot reads \(ReportSchema.readableText)")
            }
        }
        self.index = index
        records = rows
    }

    var rows: [Record] { records.map { Record(table: self, line: $0.line, fields: $0.fields) } }


    /// Works on bytes: every byte the grammar cares about is ASCII, and a UTF-8 sequence never
    /// contains an ASCII byte, so fields can be cut from the bytes and decoded afterwards.
    private static func parse(_ bytes: [UInt8], file: String) throws -> [(line: Int, fields: [String])] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var rows: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, rowLine = 1, quoteLine = 1
        var inQuotes = false, afterQuote = false, rowStarted = false
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0

        // Checked once for the whole file, so fields can be decoded without a check each.
        guard String(bytes: bytes, encoding: .utf8) != nil else { throw InputError(file: file, "not UTF-8 text") }

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            afterQuote = false
        }

        while i < bytes.count {
            let c = bytes[i]
            i += 1
            if inQuotes {
                if c == quote {
                    if i < bytes.count && bytes[i] == quote { field.append(quote); i += 1 } else { inQuotes = false; afterQuote = true }
                } else {
                    if c == lf { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case comma:
                endField()
                rowStarted = true
            case cr, lf:
                if c == cr && i < bytes.count && bytes[i] == lf { i += 1 }
                if rowStarted || !field.isEmpty || afterQuote {
                    endField()
                    rows.append((rowLine, fields))
                    fields = []
                    rowStarted = false
                }
                line += 1
                rowLine = line
            case quote:
                guard field.isEmpty, !afterQuote else {
                    throw InputError(file: file, line: line, "stray quote inside an unquoted field (RFC 4180 quotes whole fields)")
                }
                inQuotes = true
                quoteLine = line
                rowStarted = true
            default:
                guard !afterQuote else {
                    throw InputError(file: file, line: line, "text after a closing quote; expected a comma or end of line")
                }
                field.append(c)
                rowStarted = true
            }
        }
        if inQuotes { throw InputError(file: file, line: quoteLine, "quoted field never closed") }
        if rowStarted || !field.isEmpty || afterQuote {
            endField()
            rows.append((rowLine, fields))
        }
        return rows
    }
}

extension CSVTable.Record {
    private func fail(_ column: String, _ expected: String, _ text: String) -> InputError {
        InputError(file: table.file, line: line, "\(column): expected \(expected), got \"\(text)\"")
    }

    /// A column the table's schema version did not have reads as empty.
    func string(_ column: String) -> String { table.index[column].map { fields[$0] } ?? "" }

    func nonEmpty(_ column: String) throws -> String {
        let s = string(column)
        guard !s.isEmpty else { throw fail(column, "a value", s) }
        return s
    }

    func int(_ column: String) throws -> Int {
        let s = string(column)
        guard let v = Int(s) else { throw fail(column, "an integer", s) }
        return v
    }

    func optionalInt(_ column: String) throws -> Int? {
        string(column).isEmpty ? nil : try int(column)
    }

    func optionalMilliseconds(_ column: String) throws -> Duration? {
        let s = string(column)
        if s.isEmpty { return nil }
        guard let d = Field.milliseconds(parsing: s[...]) else { throw fail(column, "milliseconds like 12.345, within ±86400000", s) }
        return d
    }

    func milliseconds(_ column: String) throws -> Duration {
        guard let d = try optionalMilliseconds(column) else { throw fail(column, "milliseconds like 12.345", "") }
        return d
    }

    func optionalTime(_ column: String) throws -> RunTime? {
        try optionalMilliseconds(column).map { RunTime(nanoseconds: $0.nanoseconds) }
    }

    func time(_ column: String) throws -> RunTime { RunTime(nanoseconds: try milliseconds(column).nanoseconds) }

    func optionalDouble(_ column: String) throws -> Double? {
        let s = string(column)
        if s.isEmpty { return nil }
        guard let v = Field.double(parsing: s[...]) else { throw fail(column, "a number within ±86400000", s) }
        return v
    }

    func optionalBool(_ column: String) throws -> Bool? {
        switch string(column) {
        case "": return nil
        case "true": return true
        case "false": return false
        case let s: throw fail(column, "true, false or empty", s)
        }
    }

    func oneOf<T: RawRepresentable & CaseIterable>(_ column: String, _ type: T.Type) throws -> T where T.RawValue == String {
        let s = string(column)
        guard let v = T(rawValue: s) else {
            throw fail(column, "one of " + T.allCases.map(\.rawValue).joined(separator: ", "), s)
        }
        return v
    }
}
