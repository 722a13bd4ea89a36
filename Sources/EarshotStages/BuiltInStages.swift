import EarshotCore

/// The stages Earshot ships, as the registry lists them.
enum BuiltInStages {
    static let all: [StageDescriptor] = [
        StageDescriptor(name: "pass-through", role: .utility, summary: "Forwards every frame unchanged; costs one hop.") { _ in
            PassThrough()
        },
        StageDescriptor(
            name: "delay", role: .utility, summary: "Holds each frame for a drawn delay, keeping arrival order.",
            parameters: [
                StageParameter("delay", .distribution, help: "Delay per frame (ms, or a distribution)."),
                StageParameter("kinds", .text, default: .text("all"), choices: ["all", "audio", "text", "event", "encoded"],
                               help: "Which frame kinds it delays; others pass straight through."),
            ]
        ) { args in
            let kinds: FrameKinds = switch args.text("kinds") {
            case "audio": .audio
            case "text": .text
            case "event": .event
            case "encoded": .encoded
            default: .all
            }
            return DelayStage(delay: args.distribution("delay"), consumes: kinds)
        },
        // Real on-box engines: real compute (measured) except where noted; figures cited in help.
        StageDescriptor(
            name: "vad-webrtc", role: .vad,
            summary: "WebRTC VAD (libwebrtc-audio-processing) per frame; emits speechStarted/speechStopped where speech began/ended, forwards audio. Measured.",
            parameters: [
                StageParameter("mode", .integer, default: .number(3), range: 0...3,
                               help: "Aggressiveness: 0 calls the most audio speech, 3 the least (fewest false starts on noise)."),
                StageParameter("frame_ms", .integer, default: .number(20), range: 10...30,
                               help: "Analysis window: 10, 20 or 30 ms (rates other than 8/16/32/48 kHz are resampled to 16 kHz)."),
                StageParameter("start_ms", .milliseconds, default: .number(200), range: 0...2_000,
                               help: "Voiced audio needed before speech counts as started (Pipecat VADParams start_secs 0.2)."),
                StageParameter("stop_ms", .milliseconds, default: .number(200), range: 0...2_000,
                               help: "Unvoiced audio needed before speech counts as stopped (Pipecat 1.14 stop_secs 0.2); the event still sits where speech ended."),
                StageParameter("charge", .text, default: .text("measured"), choices: ["measured", "free"],
                               help: "measured: virtual time charges the engine's real ~10 µs per frame; free: not charged, so a design whose VAD cost is beside the point (a cloud server's) gives byte-identical virtual runs."),
            ]
        ) { args in
            try WebRtcVadStage(mode: args.integer("mode"), windowMilliseconds: args.integer("frame_ms"),
                               start: args.duration("start_ms"), stop: args.duration("stop_ms"),
                               timing: args.text("charge") == "free" ? .modelled : .measured)
        },
        StageDescriptor(
            name: "vad-energy", role: .vad,
            summary: "RMS-level VAD, same events as vad-webrtc; fooled by loud noise. Modelled (costs next to nothing).",
            parameters: [
                StageParameter("threshold_dbfs", .number, default: .number(-40), range: -120...0,
                               help: "A frame at or above this RMS level (dBFS, Level.rmsDBFS) is voiced; −40 is the fixtures' speech rule."),
                StageParameter("start_ms", .milliseconds, default: .number(200), range: 0...2_000,
                               help: "Voiced audio needed before speech counts as started."),
                StageParameter("stop_ms", .milliseconds, default: .number(200), range: 0...2_000,
                               help: "Unvoiced audio needed before speech counts as stopped."),
            ]
        ) { args in
            EnergyVadStage(thresholdDBFS: args.number("threshold_dbfs"), start: args.duration("start_ms"), stop: args.duration("stop_ms"))
        },
        StageDescriptor(
            name: "endpointer", role: .endpoint,
            summary: "Ends the turn after silence_ms of audio since the VAD's speechStopped (marks endpoint); the plain silence endpointer.",
            parameters: [
                StageParameter("silence_ms", .milliseconds, default: .number(800), range: 0...10_000,
                               help: "Silence that ends a turn, counted in audio (Pipecat before 1.x: VAD stop_secs 0.8, no model)."),
                StageParameter("interruptions", .bool, default: .bool(true),
                               help: "Emit interruption when the user speaks after an ended turn, so the agent stops (backchannels included)."),
            ]
        ) { args in
            Endpointer(silence: args.duration("silence_ms"), interruptions: args.bool("interruptions"))
        },
        StageDescriptor(
            name: "turn-detector", role: .endpoint,
            summary: "Pipecat 1.14 default: after vad_stop_ms of silence a turn model (Smart Turn v3) judges complete or not; errs with set probabilities against the scenario's ground truth.",
            parameters: [
                StageParameter("vad_stop_ms", .milliseconds, default: .number(200), range: 0...5_000,
                               help: "Silence before the model runs (Pipecat 1.14 VADParams stop_secs 0.2)."),
                StageParameter("inference", .distribution, default: .distribution(.uniform(.milliseconds(12), .milliseconds(60))),
                               help: "Model inference time (Daily, Smart Turn v3 announcement: 12 ms on modern CPUs, 60 ms on a low-cost AWS instance)."),
                StageParameter("incomplete_timeout_ms", .milliseconds, default: .number(3_000), range: 0...30_000,
                               help: "Further silence after which a turn judged incomplete ends anyway (Pipecat SmartTurnParams stop_secs 3.0)."),
                StageParameter("p_false_incomplete", .number, default: .number(0.05), range: 0...1,
                               help: "Chance a complete utterance is judged incomplete: the turn ends only after the timeout (assumed)."),
                StageParameter("p_false_complete", .number, default: .number(0.05), range: 0...1,
                               help: "Chance a mid-turn pause is judged the end: a premature end of turn (assumed)."),
                StageParameter("interruptions", .bool, default: .bool(true),
                               help: "Emit interruption when the user speaks after an ended turn, so the agent stops."),
            ]
        ) { args in
            TurnDetector(vadStop: args.duration("vad_stop_ms"), inference: args.distribution("inference"),
                         incompleteTimeout: args.duration("incomplete_timeout_ms"),
                         pFalseIncomplete: args.number("p_false_incomplete"), pFalseComplete: args.number("p_false_complete"),
                         interruptions: args.bool("interruptions"))
        },
        sttPocketSphinx,
        StageDescriptor(
            name: "tts-espeak", role: .tts,
            summary: "espeak-ng (en-us, 175 wpm) speaking each clause as the tokens arrive, streaming its chunks (marks tts_first_audio). Measured; one engine shared by all sessions.",
            parameters: [
                StageParameter("sample_rate", .integer, default: .number(16_000), range: 8_000...48_000,
                               help: "Output rate in Hz; espeak-ng's 22 050 Hz is resampled (speexdsp)."),
            ]
        ) { args in
            EspeakTTSStage(sampleRate: args.integer("sample_rate"))
        },
        // Parametric models, duplex, transport
        sttParametric, llmScripted, ttsParametric, duplexModel, uplink, downlink,
        // Out of process, any language
        process,
        // Over the network
        llmOpenAI,
        // A whole agent behind a socket, the harness as its caller
        agentTwilio, agentRealtime,
    ]
}
