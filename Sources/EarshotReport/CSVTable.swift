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
    private let index: [String: Int]

    /// Parses `text` and checks its header against `columns`: every one present, no other.
    init(file: String, text: String, columns: [String]) throws {
        self.file = file
        var rows = try Self.parse(text, file: file)
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
        self.index = index
        records = rows
    }

    var rows: [Record] { records.map { Record(table: self, line: $0.line, fields: $0.fields) } }

    func column(_ name: String) -> Int { index[name]! }

    private static func parse(_ text: String, file: String) throws -> [(line: Int, fields: [String])] {
        var rows: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var rowLine = 1
        var quoteLine = 1
        var inQuotes = false
        var afterQuote = false
        var rowHasContent = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        if text.unicodeScalars.first == "\u{FEFF}" { _ = scalars.next() }

        func endRow() {
            fields.append(field)
            rows.append((rowLine, fields))
            fields = []
            field = ""
            afterQuote = false
            rowHasContent = false
        }

        while let c = pending ?? scalars.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    let next = scalars.next()
                    if next == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; afterQuote = true; pending = next }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                fields.append(field)
                field = ""
                afterQuote = false
                rowHasContent = true
            case "\r", "\n":
                if c == "\r" {
                    let next = scalars.next()
                    if next != "\n" { pending = next }
                }
                if rowHasContent || !field.isEmpty || afterQuote || !fields.isEmpty { endRow() }
                line += 1
                rowLine = line
            case "\"":
                guard field.isEmpty, !afterQuote else {
                    throw InputError(file: file, line: line, "stray quote inside an unquoted field (RFC 4180 quotes whole fields)")
                }
                inQuotes = true
                quoteLine = line
                rowHasContent = true
            default:
                guard !afterQuote else {
                    throw InputError(file: file, line: line, "text after a closing quote; expected a comma or end of line")
                }
                field.unicodeScalars.append(c)
                rowHasContent = true
            }
        }
        if inQuotes { throw InputError(file: file, line: quoteLine, "quoted field never closed") }
        if rowHasContent || !field.isEmpty || !fields.isEmpty { endRow() }
        return rows
    }
}

extension CSVTable.Record {
    private func fail(_ column: String, _ expected: String, _ text: String) -> InputError {
        InputError(file: table.file, line: line, "\(column): expected \(expected), got \"\(text)\"")
    }

    func string(_ column: String) -> String { fields[table.column(column)] }

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

    func optionalMilliseconds(_ column: String) throws -> Duration? {
        let s = string(column)
        if s.isEmpty { return nil }
        guard let d = Field.milliseconds(parsing: s[...]) else { throw fail(column, "milliseconds like 12.345", s) }
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
        guard let v = Field.double(parsing: s[...]) else { throw fail(column, "a number", s) }
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
