/// Columns padded to their widest cell: text left-aligned, numbers right-aligned.
struct TextTable {
    var rows: [[String]] = []

    mutating func append(_ row: [String]) { rows.append(row) }

    func render(indent: String = "", rightAligned: (Int) -> Bool) -> [String] {
        let widths = rows.reduce(into: [Int]()) { widths, row in
            for (i, cell) in row.enumerated() {
                if i >= widths.count { widths.append(0) }
                widths[i] = max(widths[i], cell.count)
            }
        }
        return rows.map { row in
            let cells = row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return rightAligned(i) ? pad + cell : (i == row.count - 1 ? cell : cell + pad)
            }
            return indent + cells.joined(separator: "  ")
        }
    }
}
