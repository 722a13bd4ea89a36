import EarshotCore
import Foundation

/// The line-delimited JSON messages of the out-of-process stage protocol (Scripts/stages/PROTOCOL.md).
enum ProcessMessage {
    static let version = 1

    /// What a child can say in reply to a frame.
    enum Reply: Sendable {
        case frame(Frame.Payload, turn: Int)
        case mark(String, turn: Int)
        case error(String, turn: Int)
        case done
    }

    /// The child's answer to `hello`.
    struct Ready: Equatable {
        var role: String
        var consumes: FrameKinds
        var produces: FrameKinds
    }

    /// A line the harness cannot accept; the reason quotes it, escaped (it may hold anything).
    struct Malformed: Error, CustomStringConvertible {
        var line: String
        var why: String
        var description: String {
            let shown = line.count > 200 ? String(line.prefix(200)) + "…" : line
            return PrintableText.escape("malformed line from child (\(why)): \(shown)")
        }
    }

    static let eventNames: [(Event, String)] = [
        (.speechStarted, "speech_started"), (.speechStopped, "speech_stopped"), (.endOfTurn, "end_of_turn"),
        (.interruption, "interruption"), (.flush, "flush"),
    ]

    static func hello(session: Int, sampleRate: Int) -> String {
        encode(["type": "hello", "protocol": version, "session": session, "sample_rate": sampleRate])
    }

    static let shutdown = encode(["type": "shutdown"])

    /// The frame as one line; nil for a kind the protocol does not carry (encoded packets).
    static func line(for frame: Frame) -> String? {
        switch frame.payload {
        case .audio(let a):
            var bytes = [UInt8]()
            bytes.reserveCapacity(a.samples.count * 2)
            for s in a.samples {
                let v = UInt16(bitPattern: Int16(clamping: Int((max(-1, min(1, s)) * 32_767).rounded())))
                bytes.append(UInt8(v & 0xFF))
                bytes.append(UInt8(v >> 8))
            }
            return encode(["type": "audio", "turn": frame.turn, "rate": a.sampleRate, "channels": a.channels,
                           "pcm16": Data(bytes).base64EncodedString()])
        case .text(let t):
            return encode(["type": "text", "turn": frame.turn, "text": t.text, "final": t.isFinal])
        case .event(let e):
            return encode(["type": "event", "turn": frame.turn, "name": name(of: e)])
        case .encoded:
            return nil
        }
    }

    static func name(of event: Event) -> String {
        if case .custom(let s) = event { return s }
        return eventNames.first { $0.0 == event }!.1
    }

    static func event(named name: String) -> Event {
        eventNames.first { $0.1 == name }?.0 ?? .custom(name)
    }

    static func ready(_ line: String) throws -> Ready {
        let m = try object(line)
        guard m["type"] as? String == "ready" else { throw Malformed(line: line, why: "expected a ready message") }
        guard let v = m["protocol"] as? Int, v == version else {
            throw Malformed(line: line, why: "protocol version \(m["protocol"].map { "\($0)" } ?? "missing"), harness speaks \(version)")
        }
        guard let role = m["role"] as? String else { throw Malformed(line: line, why: "ready needs a role") }
        return Ready(role: role, consumes: try kinds(m["consumes"], "consumes", line), produces: try kinds(m["produces"], "produces", line))
    }

    static func reply(_ line: String) throws -> Reply {
        let m = try object(line)
        guard let type = m["type"] as? String else { throw Malformed(line: line, why: "no type") }
        if type == "done" { return .done }
        guard let turn = m["turn"] as? Int else { throw Malformed(line: line, why: "\(type) needs an integer turn") }
        func text(_ key: String) throws -> String {
            guard let s = m[key] as? String else { throw Malformed(line: line, why: "\(type) needs \(key) as a string") }
            return s
        }
        switch type {
        case "mark": return .mark(try text("name"), turn: turn)
        case "error": return .error(PrintableText.escape(try text("reason")), turn: turn)
        case "text":
            guard let final = m["final"] as? Bool else { throw Malformed(line: line, why: "text needs final as true/false") }
            return .frame(.text(TextChunk(try text("text"), isFinal: final)), turn: turn)
        case "event": return .frame(.event(event(named: try text("name"))), turn: turn)
        case "audio":
            guard let rate = m["rate"] as? Int, rate > 0, let channels = m["channels"] as? Int, channels > 0 else {
                throw Malformed(line: line, why: "audio needs positive integer rate and channels")
            }
            guard let data = Data(base64Encoded: try text("pcm16")), data.count % (2 * channels) == 0 else {
                throw Malformed(line: line, why: "pcm16 must be base64 of whole 16-bit little-endian sample frames")
            }
            var samples = [Float](repeating: 0, count: data.count / 2)
            data.withUnsafeBytes { raw in
                for i in samples.indices {
                    let v = Int16(bitPattern: UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8)
                    samples[i] = max(-1, Float(v) / 32_767)
                }
            }
            return .frame(.audio(AudioChunk(samples: samples, sampleRate: rate, channels: channels)), turn: turn)
        default:
            throw Malformed(line: line, why: "unknown type '\(type)'")
        }
    }

    private static func object(_ line: String) throws -> [String: Any] {
        guard let any = try? JSONSerialization.jsonObject(with: Data(line.utf8)), let m = any as? [String: Any] else {
            throw Malformed(line: line, why: "not a JSON object")
        }
        return m
    }

    private static func kinds(_ value: Any?, _ key: String, _ line: String) throws -> FrameKinds {
        guard let names = value as? [String] else { throw Malformed(line: line, why: "\(key) must be a list of kinds") }
        var out: FrameKinds = []
        for n in names {
            guard let k = FrameKind(rawValue: n), k != .encoded else {
                throw Malformed(line: line, why: "\(key) lists '\(n)' (the protocol carries audio, text, event)")
            }
            out.insert(FrameKinds(k))
        }
        return out
    }

    private static func encode(_ object: [String: Any]) -> String {
        // Sorted keys keep the lines stable, so a child's logs and the tests read the same every run.
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
