import EarshotCore
import Foundation

/// Where `llm-openai` sends its requests, the headers it adds and how it connects, checked once
/// when the stage is made, so a wrong `base_url`, header, query parameter, CA bundle or proxy
/// stops the run at load time (exit 2) instead of failing every turn.
struct HTTPLLMEndpoint: Sendable {
    /// `{base_url}/v1/chat/completions` with the query parameters; `base_url` may end in `/v1`.
    let chat: URL
    /// `{base_url}/v1/models`: what the connection is opened with before the first turn.
    let models: URL
    let headers: [StageArgument.Entry]
    let connection: HTTPConnectionSettings
    /// Values read from the environment for headers and query parameters, and a proxy's password:
    /// never put in a message.
    let secrets: [String]

    /// Set by the stage on every request; a configured header must not change the framing.
    static let reservedHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection"]

    init(_ configuration: HTTPLLMStage.Configuration,
         environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let shown = Self.redacted(configuration.baseURL)
        guard var components = URLComponents(string: configuration.baseURL),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty else {
            throw InputError("base_url \"\(shown)\" is not an http(s) URL")
        }
        guard components.user == nil && components.password == nil else {
            throw InputError("base_url must not carry a user or password (\(shown)): they would go out as Basic auth; "
                             + "put the API key in the environment variable named by api_key_env (\(configuration.apiKeyVariable))")
        }
        var secrets: [String] = []
        let headers = try Self.headers(configuration.headers, reserved: Self.reservedHeaders, environment: environment, secrets: &secrets)
        var items: [URLQueryItem] = []
        for entry in configuration.query {
            guard !entry.name.isEmpty else { throw InputError("query: a parameter needs a name") }
            items.append(URLQueryItem(name: entry.name,
                                      value: try Self.expand(entry.value, what: "query.\(entry.name)", environment: environment, secrets: &secrets)))
        }
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        // The OpenAI SDKs' base URL ends in /v1; a server's root does not. Both mean the same endpoint.
        if path.hasSuffix("/v1") { path.removeLast(3) }
        components.fragment = nil
        if !items.isEmpty { components.queryItems = (components.queryItems ?? []) + items }
        components.path = path + "/v1/chat/completions"
        let chat = components.url
        components.path = path + "/v1/models"
        guard let chat, let models = components.url else { throw InputError("base_url \"\(shown)\" does not make a URL with /v1/chat/completions") }
        self.chat = chat
        self.models = models
        self.headers = headers
        connection = try HTTPConnectionSettings(caBundle: configuration.caBundle, url: chat, environment: environment)
        if let password = connection.proxy?.password { secrets.append(password) }
        // Longest first, so a secret that contains another is hidden whole.
        self.secrets = secrets.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
    }

    /// The `headers` parameter checked and read: names that are header names and not `reserved`
    /// (lowercase), values with the environment read in, each one line.
    static func headers(_ entries: [StageArgument.Entry], reserved: Set<String>, environment: [String: String],
                        secrets: inout [String]) throws -> [StageArgument.Entry] {
        try entries.map { entry in
            let name = entry.name
            guard !name.isEmpty, name.unicodeScalars.allSatisfy(Self.isTokenCharacter) else {
                throw InputError("headers: \"\(name)\" is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)")
            }
            guard !reserved.contains(name.lowercased()) else {
                throw InputError("headers: \(name) is set by the stage itself")
            }
            let value = try Self.expand(entry.value, what: "headers.\(name)", environment: environment, secrets: &secrets)
            guard !value.contains(where: \.isNewline) else { throw InputError("headers.\(name) must be one line") }
            return .init(name, value)
        }
    }

    /// `$NAME` and `${NAME}` read the environment variable NAME; `$$` is a `$`. An unset variable is
    /// an error naming the setting, so a missing secret stops the run before its first turn.
    static func expand(_ text: String, what: String, environment: [String: String], secrets: inout [String]) throws -> String {
        var out = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                out += "$"
                rest = rest.dropFirst()
                continue
            }
            let braced = rest.first == "{"
            if braced { rest = rest.dropFirst() }
            let name = rest.prefix { $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }
            guard !name.isEmpty, !name.first!.isNumber, !braced || rest.dropFirst(name.count).first == "}" else {
                throw InputError("\(what): \"$\" must begin $NAME or ${NAME} (an environment variable), or be written $$")
            }
            guard let value = environment[String(name)] else {
                throw InputError("\(what) reads the environment variable \(name), which is not set")
            }
            secrets.append(value)
            out += value
            rest = rest.dropFirst(name.count + (braced ? 1 : 0))
        }
        return out + rest
    }

    /// The URL as a message may show it: a user or password in it becomes `***`.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let authorityEnd = url[scheme.upperBound...].firstIndex { "/?#".contains($0) } ?? url.endIndex
        guard let at = url[scheme.upperBound..<authorityEnd].lastIndex(of: "@") else { return url }
        return url.replacingCharacters(in: scheme.upperBound..<at, with: "***")
    }

    /// RFC 9110's token characters.
    static func isTokenCharacter(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || "!#$%&'*+-.^_`|~".unicodeScalars.contains(c))
    }
}
