#!/usr/bin/env python3
"""Writes the corpus's hostile audio from one committed fixture utterance (stdlib only).
Run from this folder; the outputs are committed, so the tests never need to run this."""
import math, struct, wave, os

SRC = "../../AudioFixtures/utterances/what-time.wav"
with wave.open(SRC) as w:
    rate, frames = w.getframerate(), w.readframes(w.getnframes())
samples = [s / 32768 for s in struct.unpack("<%dh" % (len(frames) // 2), frames)]

def float_wav(path, xs, channels=1):
    data = struct.pack("<%df" % len(xs), *xs)
    fmt = struct.pack("<HHIIHH", 3, channels, rate, rate * 4 * channels, 4 * channels, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    open(path, "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)

def pcm_wav(path, xs, channels=1):
    with wave.open(path, "wb") as w:
        w.setnchannels(channels); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes(struct.pack("<%dh" % len(xs), *(max(-32768, min(32767, round(x * 32768))) for x in xs)))

u = "fixtures/utterances/"
nan = list(samples); nan[rate] = math.nan
float_wav(u + "nan.wav", nan)
inf = list(samples); inf[rate // 2] = math.inf
float_wav(u + "inf.wav", inf)
pcm_wav(u + "six-channel.wav", [x for x in samples for _ in range(6)], channels=6)
pcm_wav(u + "ok.wav", samples)
open(u + "text.wav", "w").write("this is not audio\n")
open(u + "empty.wav", "wb").close()
whole = open(u + "ok.wav", "rb").read()
open(u + "truncated.wav", "wb").write(whole[: len(whole) // 3])
