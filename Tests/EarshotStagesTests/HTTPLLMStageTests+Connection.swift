import EarshotCore
@testable import EarshotStages
import Foundation
import Testing

/// `llm-openai`'s connection: kept open across turns, opened before the first, redirects that keep
/// the request, and the total limit.
extension HTTPLLMStageTests {
    @Test(arguments: [true, false])
    func oneConnectionCarriesEveryTurn(preconnect: Bool) throws {
        let server = try HTTPLLMTestServer((0..<3).map { _ in HTTPLLMTestServer.sse(["Ok", "."], first: .milliseconds(5)) })
        defer { server.stop() }
        var configuration = Self.configuration(server)
        configuration.preconnect = preconnect
        let stage = try HTTPLLMStage(configuration)
        let h = StageHarness(stage)
        Self.drain(h)
        for turn in 1...3 {
            try h.feed(Self.final("turn \(turn)"), turn: turn)
            Self.drain(h)
        }
        #expect(h.failures.isEmpty)
        #expect(h.emitted.compactMap(\.text?.text).joined() == "Ok.Ok.Ok.")
        let requests = server.requests
        try #require(requests.count == 3)
        #expect(server.openings.count == (preconnect ? 1 : 0))
        // Every request, the opening one included, came on the first connection the server accepted.
        #expect(server.connections == 1, "\(server.connections) connections for \(requests.count) turns")
        #expect((requests + server.openings).allSatisfy { $0.connection == 1 })
        // Opened by the opening request or by the first turn's: set up once either way.
        #expect(h.connections.count == 1 && h.connections == [stage.connectTime].compactMap { $0 })
        #expect(h.finish().isClean)
    }

    /// The reply is complete at [DONE]; the body's end comes 100 ms later. The stage lets it come
    /// instead of dropping the request, so the next turn rides the same connection.
    @Test func aConnectionIsKeptWhenTheBodyEndsAfterDone() throws {
        var late = HTTPLLMTestServer.sse(["Ok", "."], first: .milliseconds(5))
        late.end = .milliseconds(100)
        let server = try HTTPLLMTestServer([late, HTTPLLMTestServer.sse(["Fine."], first: .milliseconds(5))])
        defer { server.stop() }
        var configuration = Self.configuration(server)
        configuration.preconnect = false
        let h = StageHarness(try HTTPLLMStage(configuration))
        try h.feed(Self.final("one"), turn: 1)
        Self.drain(h)
        #expect(h.emitted.compactMap(\.text?.text).joined() == "Ok.")
        Thread.sleep(forTimeInterval: 0.4)
        try h.feed(Self.final("two"), turn: 2)
        Self.drain(h)
        #expect(h.failures.isEmpty)
        #expect(h.emitted.compactMap(\.text?.text).joined() == "Ok.Fine.")
        #expect(server.connections == 1 && server.requests.map(\.connection) == [1, 1], "\(server.requests.map(\.connection))")
        #expect(h.finish().isClean)
    }

    /// The opening request is answered only after `openingMs`: the connection's set-up is recorded
    /// as its own figure (the server's slowness is no part of it), outside the turn, and the first
    /// turn's time to first token holds none of either.
    @Test func theOpeningRequestIsTimedApartFromTheFirstTurn() throws {
        let openingMs = 300, firstMs = 20
        let server = try HTTPLLMTestServer([HTTPLLMTestServer.sse(["Hi"], first: .milliseconds(firstMs))],
                                           opening: .milliseconds(openingMs))
        defer { server.stop() }
        let stage = try Self.stage(server)
        let h = StageHarness(stage)
        Self.drain(h)
        let connect = try #require(stage.connectTime)
        #expect(connect > .zero && connect < .milliseconds(openingMs), "\(connect)")
        #expect(h.connections == [connect])
        let asked = h.now
        try h.feed(Self.final("hi"), turn: 1)
        Self.drain(h)
        let first = try #require(h.marks[1]?[.llmFirstToken])
        let ttft = (first - asked).milliseconds
        #expect(ttft >= Double(firstMs) && ttft < Double(openingMs), "ttft \(ttft) ms")
        #expect(server.connections == 1)
    }

    @Test func aServerThatNeverAnswersTheOpeningRequestIsLeftAfterTheIdleLimit() throws {
        let server = try HTTPLLMTestServer([], opening: .seconds(3))
        defer { server.stop() }
        let stage = try Self.stage(server, timeout: .milliseconds(200))
        let start = ContinuousClock.now
        let h = StageHarness(stage)  // sends the opening request
        Self.drain(h)
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(200) && waited < .milliseconds(1_500), "\(waited)")
        // The connection itself was made: its set-up is known even though no answer came.
        #expect(stage.connectTime != nil && h.connections.count == 1)
        #expect(h.failures.isEmpty)
        #expect(h.finish().isClean)
    }

    @Test(arguments: [307, 308])
    func aRedirectThatKeepsTheRequestIsFollowedWithTheBody(status: Int) throws {
        let server = try HTTPLLMTestServer([
            .init(status: status, contentType: "text/plain", headers: ["Location: /v1/chat/completions?moved=1"], pieces: []),
            HTTPLLMTestServer.sse(["Moved", "."], first: .milliseconds(5)),
        ])
        defer { server.stop() }
        let h = StageHarness(try Self.stage(server))
        Self.drain(h)
        try h.feed(Self.final("hi"), turn: 1)
        Self.drain(h)
        #expect(h.failures.isEmpty, "\(h.failures)")
        #expect(h.emitted.compactMap(\.text?.text).joined() == "Moved.")
        let requests = server.requests
        try #require(requests.count == 2)
        #expect(requests[0].target == "/v1/chat/completions")
        #expect(requests[1].head.hasPrefix("POST /v1/chat/completions?moved=1 "))
        #expect(!requests[0].body.isEmpty && requests[1].body == requests[0].body)
        #expect(requests[1].header("Authorization") == "Bearer \(Self.key)")
        #expect(requests[1].header("Content-Type") == "application/json")
        // The redirect's own response ended cleanly, so its connection carries the request again.
        #expect(server.connections == 1)
    }

    /// Another host might be anyone: the key is not sent there, and the turn says where the server pointed.
    @Test func aRedirectToAnotherHostIsNotFollowed() throws {
        let server = try HTTPLLMTestServer([])
        defer { server.stop() }
        let server2 = try HTTPLLMTestServer([
            .init(status: 307, contentType: "text/plain",
                  headers: ["Location: http://localhost:\(server.port)/v1/chat/completions"], pieces: []),
        ])
        defer { server2.stop() }
        let h = StageHarness(try Self.stage(server2))
        let (reason, _) = try Self.failedTurn(h)
        #expect(reason.contains("HTTP 307") && reason.contains("not followed") && reason.contains("localhost:\(server.port)"), "\(reason)")
        #expect(server.requests.isEmpty && server2.requests.count == 1)
    }

    @Test func aMovedPermanentlyFailsTheTurnInsteadOfTurningThePostIntoAGet() throws {
        let server = try HTTPLLMTestServer([
            .init(status: 301, contentType: "text/html", headers: ["Location: /elsewhere"], pieces: [(.zero, "<html>moved</html>")]),
        ])
        defer { server.stop() }
        let h = StageHarness(try Self.stage(server))
        let (reason, _) = try Self.failedTurn(h)
        #expect(reason.contains("HTTP 301") && reason.contains("/elsewhere") && reason.contains("base_url"), "\(reason)")
        #expect(server.requests.count == 1)
    }

    /// One byte every 100 ms never trips the idle limit; the total limit ends it.
    @Test func aServerThatTricklesForeverFailsTheTurnAtTheTotalLimit() throws {
        var trickling = HTTPLLMTestServer.sse(["Slow"], first: .zero)
        trickling.pieces.removeLast()  // no [DONE]
        trickling.trickle = .milliseconds(100)
        let server = try HTTPLLMTestServer([trickling])
        defer { server.stop() }
        var configuration = Self.configuration(server, timeout: .milliseconds(500))
        configuration.totalTimeout = .milliseconds(900)
        let h = StageHarness(try HTTPLLMStage(configuration))
        let (reason, waited) = try Self.failedTurn(h)
        #expect(reason.contains("900 ms in all") && reason.contains("total_timeout_ms"), "\(reason)")
        #expect(waited >= .milliseconds(900) && waited < .milliseconds(2_500), "\(waited)")
        #expect(h.emitted.compactMap(\.text?.text) == ["Slow"])
        #expect(h.finish().pendingWork == 0)
    }

    /// Turn 1's request is still waiting for its first token when turn 2's transcript comes: turn
    /// 1 will never be heard, so it fails with the reason instead of ending up missed with none.
    @Test func aRequestStillSilentWhenTheNextTurnComesFailsItsTurn() throws {
        let server = try HTTPLLMTestServer([HTTPLLMTestServer.sse(["Late"], first: .seconds(3)),
                                            HTTPLLMTestServer.sse(["Ok."], first: .milliseconds(5))])
        defer { server.stop() }
        let h = StageHarness(try Self.stage(server, timeout: .seconds(5)))
        try h.feed(Self.final("one"), turn: 1)
        h.advance(by: .milliseconds(300))
        try h.feed(Self.final("two"), turn: 2)
        Self.drain(h)
        let reason = try #require(h.failures[1]?.reason)
        #expect(reason.contains("no reply before the next turn began") && reason.contains("300 ms"), "\(reason)")
        #expect(h.failures[2] == nil)
        #expect(h.emitted.filter { $0.turn == 2 }.compactMap(\.text?.text).joined() == "Ok.")
        #expect(h.finish().pendingWork == 0)
    }

    @Test func aBare404SaysWhereTheRequestWent() throws {
        let server = try HTTPLLMTestServer([.init(status: 404, contentType: "text/plain", pieces: [])])
        defer { server.stop() }
        let h = StageHarness(try Self.stage(server))
        #expect(try Self.failedTurn(h).reason == "HTTP 404 (POST /v1/chat/completions)")
    }
}

extension HTTPLLMStageTests {
    /// The proxy is asked to CONNECT to a host that does not resolve, and the requests go through
    /// the tunnel as they would to the server: one tunnel carries the opening request and the turn.
    @Test func httpProxyFromTheEnvironmentIsHonoured() throws {
        let proxy = try HTTPLLMTestServer([HTTPLLMTestServer.sse(["Via", " proxy"], first: .zero)])
        defer { proxy.stop() }
        let saved = ["http_proxy", "no_proxy", "NO_PROXY"].map { ($0, ProcessInfo.processInfo.environment[$0]) }
        defer { for (name, value) in saved { if let value { setenv(name, value, 1) } else { unsetenv(name) } } }
        setenv("http_proxy", proxy.baseURL, 1)
        unsetenv("no_proxy")
        unsetenv("NO_PROXY")
        var configuration = Self.configuration(proxy)
        configuration.baseURL = "http://llm.example.invalid:8000/v1"
        let h = StageHarness(try HTTPLLMStage(configuration))
        Self.drain(h)
        try h.feed(Self.final("hi"), turn: 1)
        Self.drain(h)
        #expect(h.failures.isEmpty, "\(h.failures)")
        #expect(h.emitted.compactMap(\.text?.text).joined() == "Via proxy")
        #expect(proxy.tunnels.map(\.target) == ["llm.example.invalid:8000"])
        #expect(proxy.requests.map(\.target) == ["/v1/chat/completions"])
        #expect(proxy.requests.first?.header("Host") == "llm.example.invalid:8000")
        #expect(proxy.openings.map(\.target) == ["/v1/models"])
        #expect(proxy.connections == 1)
    }
}

extension HTTPLLMStageTests {
    /// Nothing listens: the turn fails at once with the reason, not after the idle limit with "timed out".
    @Test func aRefusedConnectionFailsTheTurnAtOnceSayingWhy() throws {
        let server = try HTTPLLMTestServer([])
        let port = server.port
        server.stop()
        var configuration = Self.configuration(server, timeout: .seconds(5))
        configuration.baseURL = "http://127.0.0.1:\(port)"
        configuration.preconnect = false
        let h = StageHarness(try HTTPLLMStage(configuration))
        let (reason, waited) = try Self.failedTurn(h)
        #expect(reason.hasPrefix("request failed: ") && reason.lowercased().contains("refused"), "\(reason)")
        #expect(waited < .seconds(2), "\(waited)")
        #expect(h.connections.isEmpty, "no connection was set up")
    }
}
