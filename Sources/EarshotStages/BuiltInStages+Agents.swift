import EarshotCore
import EarshotWire
import Foundation

extension BuiltInStages {
    /// What both connectors take: where the agent is, how to reach it, when to give up on it.
    static func agentParameters(headersHelp: String) -> [StageParameter] {
        [
            StageParameter("url", .text,
                           help: "The agent's WebSocket, ws:// or wss:// (TLS), e.g. ws://127.0.0.1:8765/ws; $NAME or ${NAME} reads an environment variable (a token in the query), never shown in any output."),
            StageParameter("headers", .map, default: .map([]), help: headersHelp),
            StageParameter("ca_bundle", .text, default: .text(""),
                           help: "A PEM file of CA certificates to trust for wss:// instead of the system's (empty: the system's)."),
            StageParameter("connect_timeout_ms", .milliseconds, default: .number(10_000), range: 1...600_000,
                           help: "Longest a connection and its handshake may take; past it the turn fails."),
            StageParameter("silence_timeout_ms", .milliseconds, default: .number(10_000), range: 1...3_600_000,
                           help: "A turn fails when the agent has sent nothing for this long since the turn began or since it last spoke, and no reply audio has come for the turn."),
            StageParameter("hang_up_after_ms", .milliseconds, default: .number(2_000), range: 0...600_000,
                           help: "The caller hangs up this long after the scenario's audio ends."),
        ]
    }

    /// The connection settings both connectors read; `reserved` headers are the protocol's own.
    static func agentConfiguration<Wire: CallerWire>(_ args: StageArguments, extraHeaders: [(String, String)] = [],
                                                     environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> AgentConnector<Wire>.Configuration {
        var secrets: [String] = []
        let shown = args.text("url")
        let url = try HTTPLLMEndpoint.expand(shown, what: "url", environment: environment, secrets: &secrets)
        var c = AgentConnector<Wire>.Configuration(address: try WebSocketAddress(parsing: url), shownURL: shown)
        let reserved: Set<String> = ["host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "content-length"]
        c.headers = extraHeaders + (try HTTPLLMEndpoint.headers(args.map("headers"), reserved: reserved, environment: environment, secrets: &secrets)
            .map { ($0.name, $0.value) })
        let caBundle = args.text("ca_bundle")
        if !caBundle.isEmpty { c.trustRoots = try HTTPConnectionSettings.certificates(inBundle: caBundle) }
        c.connectTimeout = args.duration("connect_timeout_ms")
        c.silenceTimeout = args.duration("silence_timeout_ms")
        c.hangUpAfter = args.duration("hang_up_after_ms")
        return c
    }

    static let agentTwilio = StageDescriptor(
        name: "agent-twilio", role: .agent,
        summary: "A whole voice agent that takes phone calls as Twilio Media Streams over WebSocket (Pipecat, hosted voice platforms); Earshot is the caller: μ-law 8 kHz in 20 ms media messages, playout of what comes back, clear and mark as Twilio does them. Real time only.",
        parameters: agentParameters(headersHelp: "Headers on the upgrade request, e.g. {Authorization: \"Bearer $AGENT_TOKEN\"}; $NAME reads the environment when the stage is made, and an unset one stops the run.")
            + [StageParameter("custom_parameters", .map, default: .map([]),
                              help: "Sent in the start message's customParameters, as a TwiML <Parameter> would; values read the environment as headers do.")],
        needsRealTime: true,
        lineRate: { _ in TwilioCaller.lineRate },
        runsOnEventLoops: true
    ) { args in
        let configuration: AgentConnector<TwilioCaller>.Configuration = try agentConfiguration(args)
        var secrets: [String] = []
        let custom = try args.map("custom_parameters").map {
            ($0.name, try HTTPLLMEndpoint.expand($0.value, what: "custom_parameters.\($0.name)", environment: ProcessInfo.processInfo.environment, secrets: &secrets))
        }
        return AgentConnector(name: "agent-twilio", configuration: configuration) { session in
            TwilioCaller(call: UInt64(session) + 1, customParameters: custom)
        }
    }

    static let agentRealtime = StageDescriptor(
        name: "agent-openai-realtime", role: .agent,
        summary: "A speech-to-speech agent speaking the OpenAI Realtime protocol over WebSocket (OpenAI, and servers that implement it); Earshot is the client: PCM16 in, server-side turn detection, audio deltas out. Real time only.",
        parameters: agentParameters(headersHelp: "Headers on the upgrade request besides the API key, e.g. {OpenAI-Beta: realtime=v1} for a beta-era server; values read the environment as $NAME.")
            + [
                StageParameter("api_key_env", .text, default: .text("OPENAI_API_KEY"),
                               help: "Name of the environment variable holding the API key, sent as a Bearer token (unset sends none)."),
                StageParameter("sample_rate", .integer, default: .number(24_000), range: 8_000...48_000,
                               help: "The PCM rate both ways, as the session asks for it."),
                StageParameter("session", .text, default: .text(""),
                               help: "The session object of session.update, as JSON (empty: audio/pcm at sample_rate both ways, server_vad with the server's defaults, audio out)."),
            ],
        needsRealTime: true,
        lineRate: { $0.integer("sample_rate") },
        runsOnEventLoops: true
    ) { args in
        let environment = ProcessInfo.processInfo.environment
        let key = environment[args.text("api_key_env")].flatMap { $0.isEmpty ? nil : $0 }
        let configuration: AgentConnector<RealtimeCaller>.Configuration = try agentConfiguration(
            args, extraHeaders: key.map { [("Authorization", "Bearer \($0)")] } ?? [])
        let rate = args.integer("sample_rate")
        let session = args.text("session")
        if !session.isEmpty {
            guard case .object? = try? JSONValue(parsing: session) else { throw InputError("session must be a JSON object, got \(session.prefix(60))") }
        }
        return AgentConnector(name: "agent-openai-realtime", configuration: configuration) { _ in
            RealtimeCaller(sampleRate: rate, session: session.isEmpty ? nil : session)
        }
    }
}
