import CSV
import EarshotCore
import EarshotReport
import Foundation
import Testing

/// Earshot writes CSV with its own fast encoder; CSV.swift's writer is the reference it must match.
@Suite struct CSVWriterParityTests {
    static func reference(_ data: Data) throws -> Data {
        let text = String(decoding: data, as: UTF8.self)
        let reader = try CSVReader(string: text)
        let stream = OutputStream.toMemory()
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        while let row = reader.next() { try writer.write(row: row) }
        writer.stream.close()
        var out = try #require(stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data)
        out.append(contentsOf: [0x0D, 0x0A])
        return out
    }

    @Test func everyFileMatchesCSVSwiftByteForByte() throws {
        let nasty = ["", " ", "a,b", "\"", "\"\"", "x\ny", "x\r\ny", "\r", "tab\there", "ünïcødé, \"ok\"", "emoji 🎙️", "trailing "]
        var turns: [TurnRow] = []
        for (i, name) in nasty.enumerated() {
            turns.append(Fixtures.turn(name.isEmpty ? "d" : "design \(name)", scenario: name, session: i, micros: Int64(i) * 1000 - 3000))
        }
        turns[3].failure = "stt: said \"no\",\nthen crashed"
        let stages = nasty.enumerated().map { i, name in
            StageRow(runID: "run, \"1\"", design: "d", scenario: name, session: i, turn: 1, stage: "stage \(name)",
                     firstInput: .milliseconds(Int64(i)), firstOutput: nil, busy: .zero, framesIn: i, framesOut: 0)
        }
        var info = Fixtures.info(runID: "run, \"1\"")
        info.gates.append(Gate(.voiceToVoice, .p50, budget: .milliseconds(1), design: "design a,b"))
        let report = RunReport(info: info, turns: turns, stages: stages)
        for (name, data) in try CSVReportWriter.files(report) where name.hasSuffix(".csv") {
            // The one departure: the text columns (`failure`, `heard`) are quoted even when empty.
            // (Twice: two empty text cells side by side share a comma.)
            let ours = Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: ",\"\",", with: ",,")
                .replacingOccurrences(of: ",\"\",", with: ",,").replacingOccurrences(of: ",\"\"\r\n", with: ",\r\n").utf8)
            #expect(try Self.reference(data) == ours, "\(name)")
        }
    }

    /// A reason that came from outside (a child process's error) with a NUL and a terminal escape
    /// in it reaches turns.csv escaped; its line breaks stay, quoted.
    @Test func controlCharactersAreWrittenEscaped() throws {
        var turn = Fixtures.turn("d", scenario: "s", session: 0, micros: 0)
        turn.failure = "bad\0byte \u{1B}[31mred\u{7F}\nnext"
        let files = try CSVReportWriter.files(RunReport(info: Fixtures.info(runID: "r"), turns: [turn], stages: []))
        let data = try #require(files.first { $0.0 == "turns.csv" }?.1)
        #expect(!data.contains(0) && !data.contains(0x1B) && !data.contains(0x7F))
        #expect(String(decoding: data, as: UTF8.self).contains("\"bad\\0byte \\x1b[31mred\\x7f\nnext\""))
    }
}
