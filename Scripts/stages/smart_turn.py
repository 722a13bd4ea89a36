#!/usr/bin/env python3
"""Earshot out-of-process stage: Smart Turn v3.2, Pipecat 1.14's end-of-turn model, as a turn detector.

    smart_turn.py [VAD_STOP_SECS [STOP_SECS [THRESHOLD]]]

Defaults are Pipecat's: the VAD's stop_secs 0.2, SmartTurnParams.stop_secs 3 (the fallback) and
the model's threshold 0.5. It stands where the `turn-detector` stage stands (after a VAD, before
the STT) and keeps its contract: it forwards every frame; once VAD_STOP_SECS of audio has followed
the VAD's speech_stopped it runs the model on the turn's audio so far and, when the probability of
a complete utterance is above THRESHOLD, marks `endpoint` and emits end_of_turn; otherwise it
waits, and ends the turn anyway once STOP_SECS more audio has gone by in silence (the fallback),
unless the user speaks again first. Speech that starts after a turn has ended emits interruption.

Silence is counted in audio received, not by the clock, as the in-process endpointers do; behind
the Silero VAD example, whose speech_stopped sits where speech ended and whose held frames arrive
with it, the model runs in the same reply as the event (Pipecat runs it on the VAD's stop).

What the model sees follows Pipecat's BaseSmartTurn (pipecat/audio/turn/smart_turn/base_smart_turn.py):
the turn's audio from 500 ms (pre_speech_ms) before the first speech_started since the last end
of turn, up to now, its last 8 s, left-padded with zeros to 8 s (local_smart_turn_v3.py). The
features are Pipecat's own numpy Whisper log-mel extractor and the model its bundled ONNX file,
both read out of the pipecat-ai 1.14.0 wheel by path (importing the package would pull in its
whole dependency tree): pipecat/audio/turn/smart_turn/_whisper_features.py and
pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx. The ONNX session takes Pipecat's
options (sequential, one thread). Audio must be 16 kHz mono PCM16, the model's rate.

Each inference is logged to stderr (probability, verdict, window, feature and model time); the
harness times the round trip that holds it. The model is loaded and run once on silence while
answering hello, so load and first-run costs are paid at load time, as in a long-lived bot.
Needs Scripts/stages/setup-smart-turn. Protocol: Scripts/stages/PROTOCOL.md.
"""
import base64
import importlib.util
import json
import sys
import time

MODEL = "pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx"
FEATURES = "pipecat/audio/turn/smart_turn/_whisper_features.py"
RATE = 16000
WINDOW_SECS = 8       # BaseSmartTurn's max_duration_secs; the model's input length
PRE_SPEECH_SECS = 0.5  # BaseSmartTurn's pre_speech_ms


class Model:
    def __init__(self):
        import importlib.metadata as metadata

        import numpy as np
        import onnxruntime as ort

        dist = metadata.distribution("pipecat-ai")
        spec = importlib.util.spec_from_file_location("smart_turn_whisper_features",
                                                      dist.locate_file(FEATURES))
        features = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(features)
        self.np = np
        self.features = features.compute_whisper_log_mel_features
        options = ort.SessionOptions()
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(dist.locate_file(MODEL)), sess_options=options)

    def probability(self, samples):
        """P(complete) for int16 samples at 16 kHz; also the feature and model times, in seconds."""
        np = self.np
        audio = samples.astype(np.float32) / 32768.0
        size = WINDOW_SECS * RATE
        audio = audio[-size:] if len(audio) > size else np.pad(audio, (size - len(audio), 0))
        started = time.perf_counter()
        features = np.expand_dims(self.features(audio, do_normalize=True), axis=0)
        featured = time.perf_counter()
        p = self.session.run(None, {"input_features": features})[0][0].item()
        return p, featured - started, time.perf_counter() - featured


class Detector:
    """One session's turn state; answers each frame with the lines to send."""

    def __init__(self, model, vad_stop, stop, threshold):
        self.model = model
        self.vad_stop = round(vad_stop * RATE)
        self.stop = round(stop * RATE)
        self.threshold = threshold
        self.chunks = []          # int16 arrays, the most recent audio
        self.buffered = 0         # samples in chunks
        self.position = 0         # samples received, in the stream
        self.turn_start = None    # stream position of the turn's first speech_started
        self.state = "idle"       # idle, speaking, silent, incomplete, ended
        self.quiet = 0            # samples since speech_stopped

    def event(self, name, turn):
        out = []
        if name == "speech_started":
            if self.state == "ended":
                out.append(emit_event(turn, "interruption"))
            if self.turn_start is None:
                self.turn_start = self.position
            self.state = "speaking"
        elif name == "speech_stopped" and self.state == "speaking":
            self.state = "silent"
            self.quiet = 0
        return out

    def audio(self, pcm16, turn):
        np = self.model.np
        samples = np.frombuffer(base64.b64decode(pcm16), dtype="<i2")
        self.position += len(samples)
        self.chunks.append(samples)
        self.buffered += len(samples)
        # Enough for the longest look back: the window, the pre-speech audio and the fallback.
        keep = round((WINDOW_SECS + PRE_SPEECH_SECS) * RATE) + self.vad_stop + self.stop
        while self.buffered - len(self.chunks[0]) >= keep:
            self.buffered -= len(self.chunks.pop(0))
        if self.state not in ("silent", "incomplete"):
            return []
        self.quiet += len(samples)
        if self.state == "silent" and self.quiet >= self.vad_stop:
            return self.judge(turn)
        if self.state == "incomplete" and self.quiet >= self.vad_stop + self.stop:
            sys.stderr.write("turn %d ended by the %.1f s fallback\n" % (turn, self.stop / RATE))
            return self.end(turn)
        return []

    def judge(self, turn):
        np = self.model.np
        held = np.concatenate(self.chunks)
        start = max(0, (self.turn_start or 0) - round(PRE_SPEECH_SECS * RATE))
        segment = held[max(0, len(held) - (self.position - start)):]
        p, featuring, inferring = self.model.probability(segment)
        complete = p > self.threshold
        sys.stderr.write("turn %d p=%.3f %s on %.2f s of audio: features %.1f ms, model %.1f ms\n" % (
            turn, p, "complete" if complete else "incomplete", min(len(segment), WINDOW_SECS * RATE) / RATE,
            featuring * 1000, inferring * 1000))
        if complete:
            return self.end(turn)
        self.state = "incomplete"
        return []

    def end(self, turn):
        self.state = "ended"
        self.turn_start = None
        return [json.dumps({"type": "mark", "turn": turn, "name": "endpoint"}) + "\n",
                emit_event(turn, "end_of_turn")]


def emit_event(turn, name):
    return json.dumps({"type": "event", "turn": turn, "name": name}) + "\n"


def main():
    try:
        vad_stop = float(sys.argv[1]) if len(sys.argv) > 1 else 0.2
        stop = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
        threshold = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
    except ValueError:
        sys.stderr.write("usage: smart_turn.py [VAD_STOP_SECS [STOP_SECS [THRESHOLD]]]\n")
        return 2
    try:
        model = Model()
    except Exception as error:  # a missing package or file: say which, and how to get it
        sys.stderr.write("Smart Turn cannot load (%s): run Scripts/stages/setup-smart-turn\n" % error)
        return 1

    detector = None
    out = sys.stdout
    for line in sys.stdin:
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "hello":
            if msg.get("protocol") != 1:
                sys.stderr.write("unsupported protocol %r\n" % msg.get("protocol"))
                return 1
            started = time.perf_counter()
            model.probability(model.np.zeros(RATE, dtype=model.np.int16))
            took = (time.perf_counter() - started) * 1000
            sys.stderr.write("model loaded; a first run on silence took %.1f ms\n" % took)
            detector = Detector(model, vad_stop, stop, threshold)
            reply = [json.dumps({"type": "ready", "protocol": 1, "role": "turn",
                                 "consumes": ["audio", "event"], "produces": ["audio", "event"]}) + "\n"]
        elif kind == "shutdown":
            break
        else:
            turn = msg["turn"]
            # The frame goes on first: the verdict it brings follows it, as the in-process turn
            # detector emits it.
            reply = [line if line.endswith("\n") else line + "\n"]
            if kind == "event":
                reply += detector.event(msg.get("name"), turn)
            elif kind == "audio":
                if msg.get("rate") != RATE or msg.get("channels", 1) != 1:
                    reason = "smart-turn: %s Hz, %s channels; the model takes 16000 Hz mono" % (
                        msg.get("rate"), msg.get("channels", 1))
                    reply = [json.dumps({"type": "error", "turn": turn, "reason": reason}) + "\n"]
                else:
                    reply += detector.audio(msg["pcm16"], turn)
        if kind != "hello":
            reply.append('{"type":"done","turn":%d}\n' % msg["turn"])
        out.write("".join(reply))
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
