import Foundation

/// Reads an OpenAI-compatible chat completion SSE stream: `data: {json}` lines, `data: [DONE]`.
/// Bytes may split anywhere, so it keeps the unfinished line until its newline arrives.
struct ChatStreamParser {
    enum Item: Equatable {
        /// A non-empty `choices[0].delta.content`.
        case content(String)
        case done
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    private var buffer = Data()

    mutating func feed(_ data: Data) throws -> [Item] {
        buffer.append(data)
        var items: [Item] = []
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            var line = buffer[buffer.startIndex..<newline]
            buffer = Data(buffer[(newline + 1)...])
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if let item = try Self.item(String(decoding: line, as: UTF8.self)) { items.append(item) }
        }
        return items
    }

    static func item(_ line: String) throws -> Item? {
        if line.isEmpty || line.hasPrefix(":") { return nil }
        for field in ["event:", "id:", "retry:"] where line.hasPrefix(field) { return nil }
        guard line.hasPrefix("data:") else { throw Malformed(description: "malformed SSE line: \(quoted(line))") }
        let payload = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
        if payload == "[DONE]" { return .done }
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else {
            throw Malformed(description: "malformed SSE data (not a JSON object): \(quoted(payload))")
        }
        if let message = errorMessage(object) { throw Malformed(description: "server error in stream: \(message)") }
        guard let choices = object["choices"] as? [[String: Any]] else {
            throw Malformed(description: "malformed SSE data (no choices): \(quoted(payload))")
        }
        // Usage-only chunks have no choices; role-only and finish chunks have no content.
        guard let delta = choices.first?["delta"] as? [String: Any], let content = delta["content"] as? String,
              !content.isEmpty else { return nil }
        return .content(content)
    }

    /// `{"error": {"message": ...}}` or `{"error": "..."}`, as OpenAI-compatible servers send.
    static func errorMessage(_ object: [String: Any]) -> String? {
        if let error = object["error"] as? [String: Any] { return error["message"] as? String ?? "\(error)" }
        return object["error"] as? String
    }

    private static func quoted(_ s: String) -> String {
        s.count > 120 ? "\"\(s.prefix(120))…\"" : "\"\(s)\""
    }
}
