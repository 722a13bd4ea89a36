import Foundation
import Testing

/// Earshot as the phone caller of a real Pipecat 1.14 bot over Twilio Media Streams
/// (Scripts/agents): Scripts/agents/compare-pipecat starts the bot, calls it with the built
/// `earshot run --mode realtime --scenario basic-qa`, and keeps turns.csv and the bot's latency log,
/// which are read here on their own. The bot needs Scripts/agents/.venv; when it is missing the
/// suite runs Scripts/agents/setup-pipecat once, and skips, saying why, only if that fails.
///
/// The bot logs its moments as stream positions (the ms of caller audio it had received then), and
/// a caller streaming at real time keeps the stream position on its own timeline, so the two
/// programs' figures are compared without comparing their clocks.
@Suite struct PipecatAgentTests {
    static let agents = CLI.root.appendingPathComponent("Scripts/agents")

    static let unavailable: String? = {
        let setup = Process()
        setup.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        setup.arguments = ["timeout", "300", agents.appendingPathComponent("setup-pipecat").path]
        let pipe = Pipe()
        setup.standardOutput = pipe
        setup.standardError = pipe
        do { try setup.run() } catch { return "Scripts/agents/setup-pipecat could not start: \(error)" }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        setup.waitUntilExit()
        if setup.terminationStatus == 0 { return nil }
        let tail = output.split(separator: "\n").suffix(2).joined(separator: " | ")
        return "the Pipecat bot could not be set up (Scripts/agents/setup-pipecat exited \(setup.terminationStatus)\(setup.terminationStatus == 124 ? ", timed out" : ""): \(tail))"
    }()

    /// Rows of a CSV (CRLF lines) without quoted commas in the columns read, by header name.
    static func table(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else { return [] }
        return lines.dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(header, cells))
        }
    }

    /// basic-qa's four turns are all answered, and Earshot's voice-to-voice less Pipecat's own
    /// figure is accounted for by parts measured apart: the caller's uplink framing (turns.csv), the
    /// VAD's error against the speech it had received, and BotStartedSpeaking to the caller hearing
    /// the reply (both from the bot's stream positions and turns.csv). What the parts leave is the
    /// stream position's drift from Pipecat's wall clock between its VAD stop and BotStartedSpeaking,
    /// which is within a frame or so only if the caller really streams at real time. The reply can
    /// be heard no earlier than the bot started it, and on 127.0.0.1 not long after.
    @Test func basicQAIsAnsweredAndTheDifferenceFromPipecatsFigureIsAccountedFor() throws {
        if let why = Self.unavailable { try Test.cancel(Comment(rawValue: why)) }
        let out = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }

        // Output to a file, not a pipe: a reader of a pipe waits for every process holding it, and
        // a bot left behind would hold it for ever. Past the limit the script is stopped.
        let printedPath = "\(out)/compare-pipecat.txt"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: printedPath, contents: nil)
        let printedFile = try FileHandle(forWritingTo: URL(fileURLWithPath: printedPath))
        let compare = Process()
        compare.executableURL = Self.agents.appendingPathComponent("compare-pipecat")
        compare.arguments = ["basic-qa", "--earshot", CLI.binary.path, "--out", out]
        compare.currentDirectoryURL = CLI.root
        compare.standardOutput = printedFile
        compare.standardError = printedFile
        let started = ContinuousClock.now
        try compare.run()
        let watchdog = DispatchWorkItem { if compare.isRunning { compare.interrupt() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(120), execute: watchdog)
        compare.waitUntilExit()
        watchdog.cancel()
        try printedFile.close()
        let took = ContinuousClock.now - started
        let printed = (try? String(contentsOfFile: printedPath, encoding: .utf8)) ?? ""
        #expect(compare.terminationStatus == 0, "\(printed)")
        #expect(took < .seconds(90), "compare-pipecat took \(took)")

        let turns = try Self.table("\(out)/basic-qa/turns.csv")
        #expect(turns.count == 4, "\(printed)")
        #expect(turns.map { $0["outcome"] } == Array(repeating: "responded", count: 4), "\(printed)")

        let log = try String(contentsOfFile: "\(out)/pipecat-latency.jsonl", encoding: .utf8)
        let lines = try log.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        try #require(lines.count == turns.count, "one bot line per turn: \(log)")

        for (row, bot) in zip(turns, lines) {
            func csv(_ name: String) throws -> Double { try #require(Double(row[name] ?? ""), "\(name) in \(row)") }
            func logged(_ name: String) throws -> Double { try #require((bot[name] as? NSNumber)?.doubleValue, "\(name) in \(bot)") }
            let userEnd = try csv("user_end_ms"), agentStart = try csv("agent_start_ms"), uplink = try csv("uplink_ms")
            let caller = try csv("voice_to_voice_ms"), pipecat = try logged("user_bot_latency_s") * 1000
            let pipecatEnd = try logged("stream_ms_at_vad_stop") - logged("vad_stop_secs") * 1000
            let vad = pipecatEnd - userEnd - uplink
            let heard = agentStart - (try logged("stream_ms_at_bot_started"))
            let residue = (caller - pipecat) - (uplink + vad + heard)
            let turn = row["turn"] ?? "?"
            #expect(abs(residue) <= 25, "turn \(turn): caller \(caller) − Pipecat \(pipecat) = \(caller - pipecat), parts \(uplink) + \(vad) + \(heard)")
            #expect(heard >= -1 && heard <= 250, "turn \(turn): heard \(heard) ms after BotStartedSpeaking")
        }
    }
}
