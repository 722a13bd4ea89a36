import EarshotCore

extension BuiltInStages {
    static let llmOpenAI = StageDescriptor(
        name: "llm-openai", role: .llm,
        summary: "An OpenAI-compatible streaming chat endpoint (vLLM, llama.cpp server, Ollama, a hosted API); time to first token from the SSE stream, measured.",
        parameters: [
            StageParameter("base_url", .text,
                           help: "The server's root or its /v1, e.g. http://127.0.0.1:8000 or https://api.openai.com/v1; the stage POSTs to .../v1/chat/completions. No user:password@ in it: the key goes in api_key_env. An http:// proxy named by https_proxy (https) or http_proxy (http) is used unless no_proxy names the host."),
            StageParameter("model", .text, default: .text("gpt-4o-mini"), help: "The model name the server expects."),
            StageParameter("api_key_env", .text, default: .text("OPENAI_API_KEY"),
                           help: "Name of the environment variable holding the API key (sent as a Bearer token; unset sends none)."),
            StageParameter("system_prompt", .text,
                           default: .text("You are a helpful voice assistant. Answer in one or two short spoken sentences."),
                           help: "The system message that opens every request."),
            StageParameter("timeout_ms", .milliseconds, default: .number(10_000), range: 1...600_000,
                           help: "Idle limit: longest wait for the response to start or for the stream to go on; past it the turn fails."),
            StageParameter("total_timeout_ms", .milliseconds, default: .number(60_000), range: 1...3_600_000,
                           help: "Longest a whole reply may take, however steadily it trickles; past it the turn fails."),
            StageParameter("max_tokens", .integer, default: .number(200), range: 1...100_000, help: "Longest reply, in tokens."),
            StageParameter("headers", .map, default: .map([]),
                           help: "Headers added to every request, e.g. {api-key: $AZURE_OPENAI_KEY}; $NAME or ${NAME} in a value reads that environment variable when the stage is made ($$ is a $), and an unset one stops the run."),
            StageParameter("query", .map, default: .map([]),
                           help: "Query parameters added to every request, e.g. {api-version: 2024-10-21}; values read the environment as in headers."),
            StageParameter("preconnect", .bool, default: .bool(true),
                           help: "Open the connection (GET /v1/models) when the session starts, so the first turn's time to first token holds no TCP or TLS handshake; connections are kept open between turns either way. The connection's set-up time goes to run.json (connect)."),
            StageParameter("ca_bundle", .text, default: .text(""),
                           help: "A PEM file of CA certificates to trust instead of the system's, for a server whose certificate comes from a private CA (empty: the system's). Read when the pipeline loads."),
        ]
    ) { args in
        var configuration = HTTPLLMStage.Configuration(baseURL: args.text("base_url"))
        configuration.model = args.text("model")
        configuration.apiKeyVariable = args.text("api_key_env")
        configuration.systemPrompt = args.text("system_prompt")
        configuration.timeout = args.duration("timeout_ms")
        configuration.totalTimeout = args.duration("total_timeout_ms")
        configuration.maxTokens = args.integer("max_tokens")
        configuration.headers = args.map("headers")
        configuration.query = args.map("query")
        configuration.preconnect = args.bool("preconnect")
        let caBundle = args.text("ca_bundle")
        configuration.caBundle = caBundle.isEmpty ? nil : caBundle
        return try HTTPLLMStage(configuration)
    }
}
