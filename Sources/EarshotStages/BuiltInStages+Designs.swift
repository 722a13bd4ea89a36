import EarshotAudio
import EarshotCore

/// The stages of the two designs under test that cannot run here as real engines: parametric
/// cloud services, a full-duplex model, and the transport legs both designs share.
extension BuiltInStages {
    static func ms(_ x: Double) -> Duration { .milliseconds(clamping: x) }

    static let sttParametric = StageDescriptor(
        name: "stt-parametric", role: .stt,
        summary: "A streaming cloud STT modelled frame by frame: partials while speech flows, the final a drawn delay after endOfTurn (marks stt_final). Modelled.",
        parameters: [
            StageParameter("partial_interval_ms", .milliseconds, default: .number(500), range: 0...10_000,
                           help: "Speech heard per partial transcript; 0 for none (assumed)."),
            StageParameter("partial_delay", .distribution, default: .number(500),
                           help: "From the audio completing a partial to the partial (Kyutai streaming STT: 0.5 s delay, DESIGN.md §4)."),
            StageParameter("final_delay", .distribution, default: .number(300),
                           help: "From endOfTurn to the final transcript (assumed: a streaming service finalising on request)."),
            StageParameter("speech_dbfs", .number, default: .number(-40), range: -120...0,
                           help: "A frame at or above this level counts as speech for partials (the fixtures' −40 dBFS energy rule)."),
        ]
    ) { args in
        var c = ParametricSTT.Configuration()
        c.partialInterval = args.duration("partial_interval_ms")
        c.partialDelay = args.distribution("partial_delay")
        c.finalDelay = args.distribution("final_delay")
        c.speechDBFS = args.number("speech_dbfs")
        return ParametricSTT(c)
    }

    static let llmScripted = StageDescriptor(
        name: "llm-scripted", role: .llm,
        summary: "A streaming LLM modelled by time to first token and token interval, saying the scenario's expected reply (marks llm_first_token). Modelled.",
        parameters: [
            StageParameter("ttft", .distribution, default: .number(350),
                           help: "Time to first token after the final transcript (assumed: hosted models typically take a few hundred ms)."),
            StageParameter("token_interval", .distribution, default: .number(15),
                           help: "Between tokens; 15 ms is about 67 tokens/s (assumed). Tokens are words."),
        ]
    ) { args in
        var c = ScriptedLLM.Configuration()
        c.timeToFirstToken = args.distribution("ttft")
        c.tokenInterval = args.distribution("token_interval")
        return ScriptedLLM(c)
    }

    static let ttsParametric = StageDescriptor(
        name: "tts-parametric", role: .tts,
        summary: "A streaming cloud TTS modelled by time to first audio, speaking real espeak-ng audio (made once per reply, not charged) in chunks (marks tts_first_audio). Modelled.",
        parameters: [
            StageParameter("ttfa", .distribution, default: .number(200),
                           help: "Time to first audio once the first aggregate of text is complete (Kyutai streaming TTS ~220 ms; Gradium 155 ms p50 on Coval, DESIGN.md §4)."),
            StageParameter("chunk_ms", .milliseconds, default: .number(40), range: 5...1_000,
                           help: "Audio per streamed chunk (assumed)."),
            StageParameter("speed", .number, default: .number(2), range: 1...100,
                           help: "How much faster than real time chunks are sent; the downlink paces playback (assumed)."),
            StageParameter("sample_rate", .integer, default: .number(24_000), range: 8_000...48_000,
                           help: "Output rate in Hz (24 kHz: a common streaming TTS output)."),
            StageParameter("aggregate", .text, default: .text("sentence"), choices: ParametricTTS.Aggregation.allCases.map(\.rawValue),
                           help: "Text gathered before the first request: sentence (Pipecat's default aggregator), clause, or token."),
        ]
    ) { args in
        var c = ParametricTTS.Configuration()
        c.timeToFirstAudio = args.distribution("ttfa")
        c.chunk = args.duration("chunk_ms")
        c.speed = args.number("speed")
        c.sampleRate = args.integer("sample_rate")
        c.aggregation = ParametricTTS.Aggregation(rawValue: args.text("aggregate")) ?? .sentence
        return ParametricTTS(c)
    }

    static let duplexModel = StageDescriptor(
        name: "duplex-model", role: .duplex,
        summary: "A full-duplex voice-to-voice model (Moshi/Gradium-like) step by step: fixed frames in and out, acoustic delay, step compute (it falls behind when a step outlasts a frame), turn-taking from the scenario's ground truth (turn_taking: script) or from its own speech detector on the audio it hears (turn_taking: listen) (marks model_first_audio). Modelled.",
        parameters: [
            StageParameter("frame_ms", .milliseconds, default: .number(80), range: 10...1_000,
                           help: "Frame per step (Mimi: 80 ms at 12.5 Hz; Moshi paper)."),
            StageParameter("sample_rate", .integer, default: .number(24_000), range: 8_000...48_000,
                           help: "Model audio rate in Hz (Mimi: 24 kHz); input is resampled to it."),
            StageParameter("acoustic_delay_frames", .integer, default: .number(1), range: 0...16,
                           help: "Steps between deciding to speak and the audio (Moshi: 80 ms = 1 frame of acoustic delay)."),
            StageParameter("step_time", .distribution, default: .number(40),
                           help: "Compute per step; above frame_ms the model falls behind (derived from Moshi's ~200 ms practical vs 160 ms theoretical on an L4)."),
            StageParameter("reply_delay", .distribution, default: .number(100),
                           help: "Script mode: how far past the user's real end of speech (heard) the model decides to reply (assumed)."),
            StageParameter("takeover_probability", .number, default: .number(0), range: 0...1,
                           help: "Script mode: chance it takes the turn at a mid-turn pause (Full-Duplex-Bench's pause-handling takeover rate)."),
            StageParameter("backchannel_rate", .number, default: .number(0), range: 0...10,
                           help: "Backchannels per second of user speech, after backchannel_after_ms (Full-Duplex-Bench's backchannel frequency)."),
            StageParameter("backchannel_after_ms", .milliseconds, default: .number(1_000), range: 0...60_000,
                           help: "User speech before a backchannel may come (assumed)."),
            StageParameter("stop_latency", .distribution, default: .number(160),
                           help: "From hearing a barge-in onset to going silent (Full-Duplex-Bench v1.5 stop latency)."),
            StageParameter("response_probability", .number, default: .number(1), range: 0...1,
                           help: "Chance it replies at all after the user's end (Full-Duplex-Bench turn-taking rate)."),
            StageParameter("turn_taking", .text, default: .text(DuplexModel.TurnTaking.script.rawValue),
                           choices: DuplexModel.TurnTaking.allCases.map(\.rawValue),
                           help: "script: decide from the scenario's ground truth (the calibrated reference); listen: from its own speech detector on the audio it hears, replies still the scenario's."),
            StageParameter("reaction_ms", .milliseconds, default: .number(160), range: 0...10_000,
                           help: "Listen mode: speech heard before the user counts as talking and a reply stops for it; whole frames (assumed: two Mimi frames)."),
            StageParameter("pause_tolerance_ms", .milliseconds, default: .number(240), range: 0...10_000,
                           help: "Listen mode: silence after the user's speech before it takes the turn; whole frames (assumed: three Mimi frames, a little over the ~200 ms human turn gap)."),
            StageParameter("speech_dbfs", .number, default: .number(-40), range: -120...0,
                           help: "Listen mode: a frame at or above this level counts as speech (the fixtures' −40 dBFS energy rule)."),
        ]
    ) { args in
        var c = DuplexModel.Configuration()
        c.frame = args.duration("frame_ms")
        c.sampleRate = args.integer("sample_rate")
        c.acousticDelay = args.integer("acoustic_delay_frames")
        c.stepTime = args.distribution("step_time")
        c.replyDelay = args.distribution("reply_delay")
        c.takeoverProbability = args.number("takeover_probability")
        c.backchannelRate = args.number("backchannel_rate")
        c.backchannelAfter = args.duration("backchannel_after_ms")
        c.stopLatency = args.distribution("stop_latency")
        c.responseProbability = args.number("response_probability")
        c.turnTaking = DuplexModel.TurnTaking(rawValue: args.text("turn_taking")) ?? .script
        c.reaction = args.duration("reaction_ms")
        c.pauseTolerance = args.duration("pause_tolerance_ms")
        c.speechDBFS = args.number("speech_dbfs")
        guard c.frame.nanoseconds * Int64(c.sampleRate) % 1_000_000_000 == 0 else {
            throw StageFailure(stage: "duplex-model", reason: "frame_ms must be a whole number of samples at sample_rate")
        }
        return DuplexModel(c)
    }

    static let uplink = transport(.uplink)
    static let downlink = transport(.downlink)

    /// Sentinel default: take the figure from the named network.
    private static let fromNetwork = StageArgument.number(-1)

    private static func transport(_ direction: TransportStage.Direction) -> StageDescriptor {
        let side = direction == .uplink
            ? "The user's device to the agent (marks uplink when the user's last speech sample leaves it; put it right after the source)"
            : "The agent to the user's device (marks downlink when a turn's first audible frame leaves it)"
        return StageDescriptor(
            name: direction.rawValue, role: .transport,
            summary: "\(side): Opus encode → network (delay, jitter, Gilbert–Elliott loss) → adaptive jitter buffer → Opus decode with FEC/PLC. Modelled.",
            parameters: [
                StageParameter("network", .text, default: .text("none"), choices: NetworkProfile.all.map(\.name),
                               help: "Named network; each figure's source is in NetworkProfile (wifi, 4g, congested: assumed)."),
                StageParameter("delay_ms", .milliseconds, default: fromNetwork, range: -1...10_000,
                               help: "One-way delay; −1 takes the network's."),
                StageParameter("jitter", .distribution, default: fromNetwork,
                               help: "Extra delay per packet on top of delay_ms; −1 (default) takes the network's."),
                StageParameter("loss_percent", .number, default: fromNetwork, range: -1...99,
                               help: "Long-run packet loss, %; −1 takes the network's."),
                StageParameter("loss_burst", .number, default: fromNetwork, range: -1...1_000,
                               help: "Mean loss burst in packets (Gilbert–Elliott); 0 for independent losses; −1 takes the network's."),
                StageParameter("reorder", .text, default: .text("network"), choices: ["network", "true", "false"],
                               help: "Let packets overtake each other; 'network' takes the network's."),
                StageParameter("codec", .text, default: .text("opus"), choices: TransportStage.Codec.allCases.map(\.rawValue),
                               help: "opus, or pcm (no look-ahead, silence for lost frames)."),
                StageParameter("frame_ms", .milliseconds, default: .number(20), range: 2.5...120,
                               help: "Codec frame (Opus default 20 ms: 26.5 ms algorithmic delay with the 6.5 ms look-ahead; RFC 6716)."),
                StageParameter("bitrate", .integer, default: .number(32_000), range: 6_000...510_000,
                               help: "Opus bitrate, bit/s (assumed: WebRTC's usual 32 kbit/s for mono voice)."),
                StageParameter("complexity", .integer, default: .number(9), range: 0...10,
                               help: "Opus complexity (assumed: WebRTC's desktop setting); costs CPU only, not modelled time."),
                StageParameter("fec", .bool, default: .bool(true),
                               help: "Opus in-band FEC (RFC 7587 useinbandfec; on in browsers' WebRTC offers)."),
                StageParameter("output_rate", .integer, default: .number(0), range: 0...48_000,
                               help: "Decoder output rate in Hz; 0 keeps the input's (Opus decodes to 8/12/16/24/48 kHz)."),
                StageParameter("jitter_min_ms", .milliseconds, default: fromNetwork, range: -1...2_000,
                               help: "Jitter buffer's least delay; −1: 0 with network none, else 20 (assumed: one packet)."),
                StageParameter("jitter_max_ms", .milliseconds, default: .number(400), range: 0...10_000,
                               help: "Jitter buffer's largest target delay (assumed)."),
                StageParameter("jitter_quantile", .number, default: .number(0.95), range: 0.5...1,
                               help: "Share of packets the target delay should catch (assumed, after WebRTC NetEq's high-quantile target)."),
            ]
        ) { args in
            guard let profile = NetworkProfile.named(args.text("network")) else {
                throw StageFailure(stage: direction.rawValue, reason: "unknown network '\(args.text("network"))'")
            }
            var network = profile.configuration
            func given(_ name: String) -> Double? {
                guard case .number(let x)? = args.values[name], x >= 0 else { return nil }
                return x
            }
            if let d = given("delay_ms") { network.delay = ms(d) }
            if case .number(let x)? = args.values["jitter"], x < 0 {} else { network.jitter = args.distribution("jitter") }
            let rate = given("loss_percent").map { $0 / 100 } ?? network.loss.stationaryLossRate
            if given("loss_percent") != nil || given("loss_burst") != nil {
                let burst = given("loss_burst") ?? 0
                network.loss = burst == 0 ? .independent(rate: rate) : .bursty(rate: rate, meanBurst: max(1, burst))
            }
            switch args.text("reorder") {
            case "true": network.reorders = true
            case "false": network.reorders = false
            default: break
            }
            var c = TransportStage.Configuration(direction: direction)
            c.network = network
            c.codec = TransportStage.Codec(rawValue: args.text("codec")) ?? .opus
            c.frameDuration = args.duration("frame_ms")
            c.bitrate = args.integer("bitrate")
            c.complexity = args.integer("complexity")
            c.fec = args.bool("fec")
            c.outputRate = args.integer("output_rate") == 0 ? nil : args.integer("output_rate")
            let minDelay = given("jitter_min_ms").map(ms) ?? (profile.name == "none" ? .zero : .milliseconds(20))
            let maxDelay = max(minDelay, args.duration("jitter_max_ms"))
            c.jitterBuffer = JitterBuffer.Configuration(frameDuration: c.frameDuration, minDelay: minDelay, maxDelay: maxDelay,
                                                        quantile: args.number("jitter_quantile"))
            if c.codec == .opus {
                guard OpusEncoderCheck.validFrame(c.frameDuration) else {
                    throw StageFailure(stage: direction.rawValue, reason: "Opus takes 2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms frames")
                }
            }
            return TransportStage(c)
        }
    }
}

private enum OpusEncoderCheck {
    static func validFrame(_ d: Duration) -> Bool {
        [2_500_000, 5_000_000, 10_000_000, 20_000_000, 40_000_000, 60_000_000, 80_000_000, 100_000_000, 120_000_000].contains(d.nanoseconds)
    }
}
