import EarshotCore
import EarshotStages
import EarshotWire
import Foundation
import NIOPosix
import Testing

/// The agent connectors against a real WebSocket agent on loopback (`LocalAgent`), in real time.
///
/// The agent answers by an energy rule: `endSilence` (300 ms) of quiet after speech, then
/// `replyDelay` (200 ms), then a tone. So a caller-side voice-to-voice can never be under 500 ms,
/// and over it by the framing only: the 20 ms message holding the end of speech (the source comes
/// already on the line's rate, so no resampler holds a tail back), plus the machine's scheduling.
@Suite(.serialized) struct AgentConnectorTests {
    static let floor = 500.0
    /// A 20 ms message of framing and 60 ms for a loaded machine's scheduling.
    static let ceiling = 580.0

    static func run(_ wire: LocalAgent.Wire, _ behaviour: LocalAgent.Behaviour = .answer, scenario: Scenario? = nil,
                    extra: String = "", agentURL: ((LocalAgent) throws -> String)? = nil,
                    configure: (inout LocalAgent.Configuration) -> Void = { _ in }) throws -> [TurnResult] {
        try result(wire, behaviour, scenario: scenario, extra: extra, agentURL: agentURL, configure: configure).turns.sorted { $0.turn < $1.turn }
    }

    static func result(_ wire: LocalAgent.Wire, _ behaviour: LocalAgent.Behaviour = .answer, scenario: Scenario? = nil,
                       extra: String = "", agentURL: ((LocalAgent) throws -> String)? = nil,
                       configure: (inout LocalAgent.Configuration) -> Void = { _ in }) throws -> RunResult {
        var c = LocalAgent.Configuration(wire: wire, behaviour: behaviour)
        configure(&c)
        let agent = try LocalAgent(c)
        defer { agent.stop() }
        let stage = wire == .twilio ? "agent-twilio" : "agent-openai-realtime"
        let url = try agentURL?(agent) ?? agent.url
        let pipeline = try EngineTestSupport.pipeline("agent", "  - stage: \(stage)\n    url: \(url)\n    hang_up_after_ms: 500\n\(extra)")
        let s = scenario ?? EngineTestSupport.voiced(totalMs: 3_000, turns: [[300..<1_300]])
        return try RealtimeRuntime(pipeline: pipeline, scenarios: [s]).run()
    }

    /// A connector hears the source on its line (8 kHz for Twilio, the session's rate for
    /// Realtime), converted once per scenario, and its sessions run on the event loops.
    @Test func aConnectorsSessionsRunOnTheLoopsWithTheSourceOnTheLine() throws {
        let twilio = try EngineTestSupport.pipeline("a", "  - {stage: agent-twilio, url: \"ws://127.0.0.1:1/x\"}\n")
        let realtime = try EngineTestSupport.pipeline("b", "  - {stage: agent-openai-realtime, url: \"ws://127.0.0.1:1/x\", sample_rate: 16000}\n")
        for (pipeline, rate) in [(twilio, 8_000), (realtime, 16_000)] {
            guard case .stage(let spec) = try #require(pipeline.steps.first) else { Issue.record("not a stage"); continue }
            #expect(spec.sourceConversion?.sampleRate == rate)
            let executors = try #require(spec.executors?())
            #expect(executors.count == MultiThreadedEventLoopGroup.singleton.makeIterator().map { $0 }.count)
            #expect(executors.allSatisfy { $0 is EventLoopExecutor })
        }
    }

    @Test(arguments: LocalAgent.Wire.allCases)
    func aCallerHearsTheAgentsReplyAfterItsEndpointAndDelay(wire: LocalAgent.Wire) throws {
        let result = try Self.result(wire)
        #expect(result.connections.count == 1 && result.failedConnections == 0)
        let turn = try #require(result.turns.first)
        #expect(turn.outcome == .responded, "\(turn.failure.map { "\($0)" } ?? "")")
        let ms = try #require(turn.voiceToVoice).milliseconds
        #expect(ms >= Self.floor && ms <= Self.ceiling, "voice-to-voice \(ms) ms")
        #expect(turn.marks[.uplink] != nil)
    }

    /// Twilio's mark after a reply comes back when the caller's playout reaches it: the reply's
    /// length (600 ms of tone) after it was sent, give or take the machine's scheduling.
    @Test func aMarkIsEchoedWhenPlayoutReachesIt() throws {
        var c = LocalAgent.Configuration(wire: .twilio)
        c.replyLength = .milliseconds(600)
        let agent = try LocalAgent(c)
        defer { agent.stop() }
        let pipeline = try EngineTestSupport.pipeline("agent", "  - {stage: agent-twilio, url: \"\(agent.url)\", hang_up_after_ms: 1000}\n")
        let s = EngineTestSupport.voiced(totalMs: 3_000, turns: [[300..<1_300]])
        _ = try RealtimeRuntime(pipeline: pipeline, scenarios: [s]).run()
        let delays = agent.markEchoDelays.map(\.milliseconds)
        #expect(delays.count == 1)
        #expect(delays.allSatisfy { $0 >= 590 && $0 <= 660 }, "\(delays)")
    }

    @Test(arguments: LocalAgent.Wire.allCases)
    func anAgentThatClosesMidTurnFailsTheTurnAndTheNextTurnDialsAgain(wire: LocalAgent.Wire) throws {
        let scenario = EngineTestSupport.voiced(totalMs: 4_000, turns: [[300..<1_000], [2_000..<2_700]])
        let turns = try Self.run(wire, .closeMidTurn, scenario: scenario)
        #expect(turns.map(\.outcome) == [.failed, .failed])
        for t in turns { #expect(t.failure?.reason.contains("the agent closed the connection (code 1011") == true, "\(String(describing: t.failure))") }
    }

    @Test func aMalformedMessageFailsItsTurn() throws {
        let turns = try Self.run(.twilio, .malformed)
        #expect(turns.first?.outcome == .failed)
        #expect(turns.first?.failure?.reason.hasPrefix("malformed message from the agent") == true, "\(String(describing: turns.first?.failure))")
    }

    @Test func anAgentThatSaysNothingFailsTheTurnAtTheSilenceTimeout() throws {
        let turns = try Self.run(.twilio, .silent, extra: "    silence_timeout_ms: 1000\n")
        #expect(turns.first?.outcome == .failed)
        #expect(turns.first?.failure?.reason == "the agent sent nothing for 1000 ms")
    }

    @Test func aRefusedConnectionFailsTheTurn() throws {
        // A port that was just free: nothing listens on it.
        let result = try Self.result(.twilio, agentURL: { agent in
            let port = agent.port
            agent.stop()
            return "ws://127.0.0.1:\(port)/twilio"
        })
        let turns = result.turns
        // Dialled at the first frame and again when the user's turn begins, never through: both
        // counted apart from the set-ups, and the turn failed.
        #expect(result.failedConnections == 2)
        #expect(result.connections.count == 0)
        #expect(turns.first?.outcome == .failed)
        #expect(turns.first?.failure?.reason.hasPrefix("cannot connect to 127.0.0.1:") == true, "\(String(describing: turns.first?.failure))")
    }

    /// A server that takes the TCP connection and never answers the upgrade: the turn fails at
    /// `connect_timeout_ms`, and the run still ends.
    @Test func aHandshakeThatNeverAnswersFailsAtTheConnectTimeout() throws {
        // A listening socket nobody accepts on: the kernel completes TCP, nothing speaks HTTP.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let turns = try Self.run(.twilio, extra: "    connect_timeout_ms: 500\n", agentURL: { _ in "ws://127.0.0.1:\(port)/twilio" })
        #expect(turns.first?.outcome == .failed)
        #expect(turns.first?.failure?.reason == "no answer to the WebSocket handshake within 500 ms", "\(String(describing: turns.first?.failure))")
    }

    @Test func aRefusedHandshakeFailsTheTurn() throws {
        let turns = try Self.run(.twilio, agentURL: { "ws://127.0.0.1:\($0.port)/no-such-path" })
        #expect(turns.first?.outcome == .failed)
        #expect(turns.first?.failure?.reason.contains("HTTP 404") == true, "\(String(describing: turns.first?.failure))")
    }

    /// The wire between caller and agent is the project's transport: 100 ms each way on both legs
    /// moves the caller's figure by their sum, and the breakdown puts it on the legs.
    @Test func transportLegsAroundTheAgentAddTheirDelay() throws {
        let leg = "network: none, delay_ms: 100, jitter: 0, loss_percent: 0, codec: pcm"
        var c = LocalAgent.Configuration(wire: .twilio)
        c.replyLength = .milliseconds(600)
        let agent = try LocalAgent(c)
        defer { agent.stop() }
        let pipeline = try EngineTestSupport.pipeline("agent-over-a-wire", """
              - {stage: uplink, \(leg)}
              - {stage: agent-twilio, url: "\(agent.url)", hang_up_after_ms: 500}
              - {stage: downlink, \(leg)}
            """)
        let s = EngineTestSupport.voiced(totalMs: 3_000, turns: [[300..<1_300]])
        let turn = try #require(try RealtimeRuntime(pipeline: pipeline, scenarios: [s]).run().turns.first)
        #expect(turn.outcome == .responded, "\(turn.failure.map { "\($0)" } ?? "")")
        let ms = try #require(turn.voiceToVoice).milliseconds
        #expect(ms >= Self.floor + 200 && ms <= Self.ceiling + 200 + 40, "voice-to-voice \(ms) ms")
        let uplink = try #require(turn.marks[.uplink]).milliseconds - turn.userEnd.milliseconds
        #expect(uplink >= 100 && uplink <= 160, "uplink \(uplink) ms")
    }

    /// wss:// from a private CA: trusted with `ca_bundle`, a failed turn that says so without it.
    @Test(arguments: [true, false])
    func overTLS(trusted: Bool) throws {
        let certificates = try HTTPLLMStageTests.requireTLS()
        var front: HTTPLLMTLSFront?
        let turns = try Self.run(.twilio, extra: trusted ? "    ca_bundle: \(certificates.ca)\n" : "", agentURL: { agent in
            let f = try HTTPLLMTLSFront(backendPort: agent.port)
            front = f
            return "wss://127.0.0.1:\(f.port)/twilio"
        })
        front?.stop()
        let turn = try #require(turns.first)
        if trusted {
            #expect(turn.outcome == .responded, "\(String(describing: turn.failure))")
        } else {
            #expect(turn.outcome == .failed)
            #expect(turn.failure?.reason.hasPrefix("the TLS handshake failed") == true, "\(String(describing: turn.failure))")
        }
    }

    /// Drops every third source frame, as an overloaded pacer drops frames it reached too late.
    final class DropEveryThird: Stage {
        let name = "drop-every-third"
        let consumes: FrameKinds = .audio
        let produces: FrameKinds = .audio
        func receive(_ frame: Frame, context: StageContext) {
            if (frame.sourceIndex ?? 0) % 3 != 1 { context.emit(frame) }
        }
    }

    /// The caller sends the frames that never came as silence, so its stream stays on the
    /// timeline: the `uplink` mark lands within a frame of the end of speech, not behind by the
    /// third of the audio dropped before it (about 430 ms here), and the agent still answers.
    @Test func droppedSourceFramesLeaveAGapNotADrift() throws {
        let agent = try LocalAgent(LocalAgent.Configuration(wire: .twilio))
        defer { agent.stop() }
        let connector = try EngineTestSupport.pipeline("agent", "  - {stage: agent-twilio, url: \"\(agent.url)\", hang_up_after_ms: 500}\n")
        let pipeline = Pipeline(name: "dropping", steps: [.stage(EngineTestSupport.spec("drop") { DropEveryThird() })] + connector.steps)
        let s = EngineTestSupport.voiced(totalMs: 3_000, turns: [[300..<1_300]])
        let turn = try #require(try RealtimeRuntime(pipeline: pipeline, scenarios: [s]).run().turns.first)
        let lag = try #require(turn.marks[.uplink]).milliseconds - turn.userEnd.milliseconds
        #expect(lag >= 0 && lag <= 45, "uplink \(lag) ms after the end of speech")
        #expect(turn.outcome == .responded, "\(String(describing: turn.failure))")
    }

    @Test func twilioClearStopsPlayoutAtBargeIn() throws {
        // The reply (3 s of tone) starts about 500 ms after 1300; the user barges in at 2200.
        var s = EngineTestSupport.voiced(totalMs: 5_000, turns: [[300..<1_300], [2_200..<2_800]])
        s.turns[1].kind = .bargeIn
        let turns = try Self.run(.twilio, scenario: s, configure: { $0.replyLength = .seconds(3) })
        #expect(turns.first?.outcome == .interrupted, "\(turns.map(\.outcome))")
        let stop = try #require(turns.count > 1 ? turns[1].stopLatency : nil).milliseconds
        // The agent hears 20 ms messages: speech is noticed in the first one after the onset.
        #expect(stop >= 0 && stop <= 80, "stop latency \(stop) ms")
    }
}
