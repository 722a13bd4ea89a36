import EarshotCore

extension BuiltInStages {
    static let llmOpenAI = StageDescriptor(
        name: "llm-openai", role: .llm,
        summary: "An OpenAI-compatible streaming chat endpoint (vLLM, llama.cpp server, Ollama, a hosted API); time to first token from the SSE stream, measured.",
        parameters: [
            StageParameter("base_url", .text, help: "The server's root, e.g. http://127.0.0.1:8000; the stage POSTs to {base_url}/v1/chat/completions."),
            StageParameter("model", .text, default: .text("gpt-4o-mini"), help: "The model name the server expects."),
            StageParameter("api_key_env", .text, default: .text("OPENAI_API_KEY"),
                           help: "Name of the environment variable holding the API key (sent as a Bearer token; unset sends none)."),
            StageParameter("system_prompt", .text,
                           default: .text("You are a helpful voice assistant. Answer in one or two short spoken sentences."),
                           help: "The system message that opens every request."),
            StageParameter("timeout_ms", .milliseconds, default: .number(10_000), range: 1...600_000,
                           help: "Longest wait for the response to start or for the stream to go on; past it the turn fails."),
            StageParameter("max_tokens", .integer, default: .number(200), range: 1...100_000, help: "Longest reply, in tokens."),
        ]
    ) { args in
        var configuration = HTTPLLMStage.Configuration(baseURL: args.text("base_url"))
        configuration.model = args.text("model")
        configuration.apiKeyVariable = args.text("api_key_env")
        configuration.systemPrompt = args.text("system_prompt")
        configuration.timeout = args.duration("timeout_ms")
        configuration.maxTokens = args.integer("max_tokens")
        return HTTPLLMStage(configuration)
    }
}
