import EarshotCore
@testable import EarshotStages
import Foundation
import Testing

/// `llm-openai`'s settings: where it posts, what it adds, what it refuses at load time.
extension HTTPLLMStageTests {
    static func load(_ parameters: String) throws -> HTTPLLMStage {
        let yaml = "name: net\nstages:\n  - stage: llm-openai\n" + parameters
        guard case .stage(let spec)? = try PipelineFile.parse(yaml, file: "net.yaml").pipeline.steps.first else {
            throw InputError("no stage step")
        }
        return try #require(try spec.make() as? HTTPLLMStage)
    }

    static func loadError(_ parameters: String) -> InputError? {
        do {
            _ = try load(parameters)
            return nil
        } catch {
            return error as? InputError
        }
    }

    /// A user and password in the URL would go out as Basic auth and show in messages: the file is refused.
    @Test func credentialsInTheBaseURLAreRefusedAtLoadTimeWithoutBeingEchoed() throws {
        let error = try #require(Self.loadError("    base_url: http://alice:hunter2@127.0.0.1:8000/v1\n    api_key_env: MY_KEY\n"))
        #expect(error.file == "net.yaml" && error.line == 3)
        #expect(error.message.contains("base_url") && error.message.contains("api_key_env (MY_KEY)"), "\(error)")
        #expect(!error.description.contains("hunter2") && !error.description.contains("alice"), "\(error)")
        #expect(!error.description.contains("\n"))
    }

    @Test(arguments: ["", "/", "/v1", "/v1/", "/v1//"])
    func baseURLWithOrWithoutV1PostsToOneV1(suffix: String) throws {
        let server = try HTTPLLMTestServer([HTTPLLMTestServer.sse(["Ok"], first: .zero)])
        defer { server.stop() }
        var configuration = Self.configuration(server)
        configuration.baseURL = server.baseURL + suffix
        let h = StageHarness(try HTTPLLMStage(configuration))
        try h.feed(Self.final("hi"), turn: 1)
        Self.drain(h)
        #expect(h.failures.isEmpty, "\(h.failures)")
        #expect(server.requests.map(\.target) == ["/v1/chat/completions"])
        #expect(server.openings.map(\.target) == ["/v1/models"])
    }

    @Test func aPathBeforeV1IsKept() throws {
        var configuration = HTTPLLMStage.Configuration(baseURL: "https://example.test/openai/v1?keep=1")
        configuration.query = [.init("api-version", "2024-10-21")]
        let endpoint = try HTTPLLMEndpoint(configuration, environment: [:])
        #expect(endpoint.chat.absoluteString == "https://example.test/openai/v1/chat/completions?keep=1&api-version=2024-10-21")
        #expect(endpoint.models.absoluteString == "https://example.test/openai/v1/models?keep=1&api-version=2024-10-21")
    }

    @Test func headersAndQueryParametersFromThePipelineFileAreSentAndReadTheEnvironment() throws {
        setenv("EARSHOT_TEST_AZURE_KEY", "azure-secret-31337", 1)
        let server = try HTTPLLMTestServer([
            .init(status: 401, contentType: "application/json",
                  pieces: [(.zero, #"{"error":{"message":"key azure-secret-31337 is not valid here"}}"#)]),
        ])
        defer { server.stop() }
        let stage = try Self.load("""
                base_url: \(server.baseURL)/v1
                headers:
                  api-key: $EARSHOT_TEST_AZURE_KEY
                  X-Trace: "run-${EARSHOT_TEST_AZURE_KEY}-$$1"
                query:
                  api-version: 2024-10-21
                  user: a b&c

            """)
        let h = StageHarness(stage)
        try h.feed(Self.final("hi"), turn: 1)
        Self.drain(h)
        let request = try #require(server.requests.first)
        #expect(request.target == "/v1/chat/completions?api-version=2024-10-21&user=a%20b%26c")
        #expect(request.header("api-key") == "azure-secret-31337")
        #expect(request.header("X-Trace") == "run-azure-secret-31337-$1")
        #expect(server.openings.first?.header("api-key") == "azure-secret-31337")
        // A value read from the environment is as secret as the key: the server's echo of it is redacted.
        let reason = try #require(h.failures[1]?.reason)
        #expect(reason == "HTTP 401: key [redacted] is not valid here", "\(reason)")
    }

    @Test func aHeaderThatNamesAnUnsetVariableStopsTheLoad() throws {
        unsetenv("EARSHOT_TEST_UNSET_VARIABLE")
        let error = try #require(Self.loadError("    base_url: http://127.0.0.1:8000\n    headers: {api-key: $EARSHOT_TEST_UNSET_VARIABLE}\n"))
        #expect(error.message == "stage 'llm-openai': headers.api-key reads the environment variable EARSHOT_TEST_UNSET_VARIABLE, which is not set",
                "\(error)")
    }

    @Test(arguments: [
        ("    headers: api-key\n", "llm-openai.headers must be a mapping of names to text"),
        ("    headers: {api-key: [1, 2]}\n", "llm-openai.headers.api-key must be text, got a list"),
        ("    headers: {\"bad name\": x}\n", "\"bad name\" is not a header name"),
        ("    headers: {Content-Length: \"5\"}\n", "headers: Content-Length is set by the stage itself"),
        ("    headers: {api-key: \"$\"}\n", "headers.api-key: \"$\" must begin $NAME or ${NAME}"),
        ("    query: {api-version: ~}\n", "llm-openai.query.api-version must be text, got nothing"),
        ("    total_timeout_ms: 0\n", "llm-openai.total_timeout_ms must be within"),
    ])
    func badSettingsAreInputErrors(parameters: String, message: String) throws {
        let error = try #require(Self.loadError("    base_url: http://127.0.0.1:8000\n" + parameters))
        #expect(error.message.contains(message), "\(error)")
    }

    @Test func aBaseURLThatIsNotHTTPIsAnInputError() throws {
        let error = try #require(Self.loadError("    base_url: ftp://bob:pw@example.test\n"))
        #expect(error.message.contains("is not an http(s) URL") && !error.message.contains("pw"), "\(error)")
    }

    /// The key is redacted in the whole body before it is cut to 200 characters: a key that
    /// straddles the cut leaves no prefix of itself behind.
    @Test func theKeyIsRedactedBeforeTheBodyIsCut() {
        let body = Data((String(repeating: "x", count: 190) + Self.key + " trailing").utf8)
        let reason = HTTPLLMStage.httpFailure(502, body: body, secrets: [Self.key])
        #expect(!reason.contains("sk-test") && reason.contains("[redacted]"), "\(reason)")
    }
}

/// Which proxy the environment names for the server, by the rules curl keeps.
extension HTTPLLMStageTests {
    static func proxy(_ url: String, _ environment: [String: String]) throws -> HTTPConnectionSettings.Proxy? {
        try HTTPConnectionSettings.proxy(for: URL(string: url)!, environment: environment)
    }

    @Test func theProxyIsChosenByTheServersSchemeAndNoProxy() throws {
        let both = ["http_proxy": "http://plain.proxy:3128", "https_proxy": "secure.proxy:8080"]
        #expect(try Self.proxy("http://llm.test/v1", both) == .init(host: "plain.proxy", port: 3128, variable: "http_proxy"))
        #expect(try Self.proxy("https://llm.test/v1", both) == .init(host: "secure.proxy", port: 8080, variable: "https_proxy"))
        #expect(try Self.proxy("https://llm.test", ["HTTPS_PROXY": "http://upper.proxy"]) == .init(host: "upper.proxy", port: 80, variable: "HTTPS_PROXY"))
        // HTTP_PROXY may come from a request's Proxy: header in a CGI program; curl ignores it, and so does the stage.
        #expect(try Self.proxy("http://llm.test", ["HTTP_PROXY": "http://evil.proxy"]) == nil)
        #expect(try Self.proxy("http://llm.test", ["http_proxy": ""]) == nil)
        for (list, host, bypassed) in [("llm.test", "llm.test", true), ("llm.test", "api.v2.llm.test", true),
                                       (".llm.test", "llm.test", true), ("other.test, llm.test:8000", "llm.test", true),
                                       ("*", "llm.test", true), ("lm.test", "llm.test", false), ("api.llm.test", "llm.test", false),
                                       ("", "llm.test", false)] {
            let chosen = try Self.proxy("https://\(host)/v1", ["https_proxy": "proxy:1", "no_proxy": list])
            #expect((chosen == nil) == bypassed, "no_proxy \"\(list)\" for \(host)")
        }
        #expect(try Self.proxy("http://127.0.0.1:8000", ["http_proxy": "proxy:1", "NO_PROXY": "localhost,127.0.0.1"]) == nil)
        #expect(try Self.proxy("http://[::1]:8000", ["http_proxy": "proxy:1", "no_proxy": "[::1]"]) == nil)
    }

    @Test func aProxysPasswordIsUsedAndRedactedAndAnUnsupportedProxyStopsTheLoad() throws {
        let proxy = try #require(try Self.proxy("https://llm.test", ["https_proxy": "http://me:s%40cret@proxy.test:3128/"]))
        #expect(proxy.user == "me" && proxy.password == "s@cret" && proxy.port == 3128)
        let saved = ProcessInfo.processInfo.environment["https_proxy"]
        defer { if let saved { setenv("https_proxy", saved, 1) } else { unsetenv("https_proxy") } }
        setenv("https_proxy", "http://me:pr0xy-pw@proxy.test:3128", 1)
        let stage = try Self.load("    base_url: https://llm.test/v1\n")
        #expect(stage.endpoint.secrets.contains("pr0xy-pw"))
        setenv("https_proxy", "socks5://me:pr0xy-pw@proxy.test:1080", 1)
        let error = try #require(Self.loadError("    base_url: https://llm.test/v1\n"))
        #expect(error.message.contains("https_proxy") && error.message.contains("only an http:// proxy") && !error.message.contains("pr0xy-pw"),
                "\(error)")
    }
}
