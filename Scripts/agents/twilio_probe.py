#!/usr/bin/env python3
"""Plays the Twilio side of a Media Stream against a voice agent, to show that it answers.

One call: `connected`, `start`, then each WAV in turn as 20 ms mu-law `media` frames paced in real
time, each followed by --gap-s of silence (the line stays open and silent, as a phone line does),
then `stop`. For each WAV it prints when the agent's first media, and its first audible media,
arrived after the end of that WAV's speech.

    twilio_probe.py ws://127.0.0.1:8765/ws AudioFixtures/utterances/what-time.wav [...]

The end of speech comes from the fixture scenarios (speech_end_ms - at_ms of the turn that plays
the file) when the file is a fixture, otherwise from the audio: the end of the last 20 ms frame
within 35 dB of the file's loudest.
"""

import argparse
import asyncio
import base64
import json
import pathlib
import re
import sys
import time
import uuid
import wave

import numpy as np
import soxr
import websockets

RATE = 8000
FRAME = RATE // 50  # 20 ms, Twilio's packet size
REPO = pathlib.Path(__file__).resolve().parents[2]


def ulaw_encode(pcm: np.ndarray) -> bytes:
    # G.711 mu-law on the 14-bit scale, bit for bit what audioop (and so Pipecat) produces.
    v = pcm.astype(np.int32) >> 2
    mask = np.where(v < 0, 0x7F, 0xFF)
    mag = np.minimum(np.abs(v), 8158) + 33
    exponent = np.floor(np.log2(mag)).astype(np.int32) - 5
    mantissa = (mag >> (exponent + 1)) & 0x0F
    return (((exponent << 4) | mantissa) ^ mask).astype(np.uint8).tobytes()


def ulaw_decode(data: bytes) -> np.ndarray:
    u = ~np.frombuffer(data, dtype=np.uint8).astype(np.int32) & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return np.where(u & 0x80, 0x84 - t, t - 0x84)


def load_wav(path) -> np.ndarray:
    with wave.open(str(path)) as w:
        if w.getsampwidth() != 2:
            sys.exit(f"{path}: 16-bit PCM WAV expected")
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        pcm = pcm.reshape(-1, w.getnchannels())[:, 0]
        rate = w.getframerate()
    if rate != RATE:
        pcm = soxr.resample(pcm, rate, RATE)
    return pcm.astype(np.int16)


def fixture_speech_end(path):
    """Seconds into the file where its speech ends, per the scenario that plays it, or None."""
    try:
        rel = pathlib.Path(path).resolve().relative_to(REPO / "AudioFixtures")
    except ValueError:
        return None
    for scenario in sorted((REPO / "AudioFixtures" / "scenarios").glob("*.yaml")):
        # The scenario files are flat enough to read without a YAML parser.
        for turn in scenario.read_text().split("\n  - ")[1:]:
            fields = dict(re.findall(r"^\s*(\w+): (\S+)", turn, re.M))
            if fields.get("audio") == str(rel) and "speech_end_ms" in fields:
                return (int(fields["speech_end_ms"]) - int(fields["at_ms"])) / 1000
    return None


def measured_speech_end(pcm):
    frames = pcm[: len(pcm) // FRAME * FRAME].reshape(-1, FRAME).astype(np.float64)
    rms = np.sqrt((frames**2).mean(axis=1)) + 1e-9
    loud = np.nonzero(20 * np.log10(rms / rms.max()) > -35)[0]
    return (loud[-1] + 1) * FRAME / RATE if len(loud) else 0.0


async def call(url, files, gap_s, lead_s, verbose):
    stream_sid, call_sid = "MZ" + uuid.uuid4().hex, "CA" + uuid.uuid4().hex
    account_sid = "AC" + "0" * 32
    turns = []  # per file: speech end (wall), first media and first audible media after it
    received = []  # (wall time, event, peak, mu-law bytes) of everything the agent sends
    seq = 0

    def message(event, **body):
        nonlocal seq
        seq += 1
        return json.dumps({"event": event, "sequenceNumber": str(seq), "streamSid": stream_sid,
                           **body})

    async with websockets.connect(url, max_size=None) as ws:
        async def listen():
            async for raw in ws:
                now = time.time()
                msg = json.loads(raw)
                event = msg.get("event")
                peak, size = 0, 0
                if event == "media":
                    audio = base64.b64decode(msg["media"]["payload"])
                    peak, size = int(np.abs(ulaw_decode(audio)).max()), len(audio)
                elif event == "mark":
                    # Twilio echoes a mark once the audio sent before it has played; this caller
                    # plays nothing, so it echoes at once.
                    await ws.send(message("mark", mark=msg.get("mark", {})))
                if verbose and event != "media":
                    print(f"  <- {raw[:120]}", file=sys.stderr)
                received.append((now, event, peak, size))

        listener = asyncio.create_task(listen())
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send(message("start", start={
            "streamSid": stream_sid, "accountSid": account_sid, "callSid": call_sid,
            "tracks": ["inbound"], "customParameters": {},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": RATE, "channels": 1}}))

        silence = np.zeros(FRAME, dtype=np.int16)
        started = time.monotonic()
        epoch = time.time() - started  # wall clock of monotonic 0, for comparing with the bot's log
        sent = 0  # frames, which is also the media timestamp in 20 ms steps

        async def send_frames(pcm):
            nonlocal sent
            for i in range(0, len(pcm), FRAME):
                chunk = pcm[i : i + FRAME]
                if len(chunk) < FRAME:
                    chunk = np.concatenate([chunk, silence[: FRAME - len(chunk)]])
                # Deadlines from the call's start, so the pacing does not drift.
                await asyncio.sleep(max(0.0, started + sent * 0.02 - time.monotonic()))
                await ws.send(message("media", media={
                    "track": "inbound", "chunk": str(sent + 1), "timestamp": str(sent * 20),
                    "payload": base64.b64encode(ulaw_encode(chunk)).decode()}))
                sent += 1

        await send_frames(np.zeros(int(lead_s * RATE), dtype=np.int16))
        for path in files:
            pcm = load_wav(path)
            end = fixture_speech_end(path)
            source = "scenario"
            if end is None:
                end, source = measured_speech_end(pcm), "measured"
            turns.append({"file": str(path), "speech_end_in_file_s": end, "source": source,
                          "speech_end_wall": epoch + started + sent * 0.02 + end})
            await send_frames(pcm)
            await send_frames(np.zeros(int(gap_s * RATE), dtype=np.int16))
        await ws.send(message("stop", stop={"accountSid": account_sid, "callSid": call_sid}))
        await asyncio.sleep(0.2)
        listener.cancel()

    results = []
    for i, turn in enumerate(turns):
        until = turns[i + 1]["speech_end_wall"] if i + 1 < len(turns) else float("inf")
        media = [(t, p, n) for t, e, p, n in received
                 if e == "media" and turn["speech_end_wall"] <= t < until]
        audible = [t for t, p, _ in media if p > 1000]  # about -30 dBFS: past espeak's lead-in
        clears = [t for t, e, _, _ in received
                  if e == "clear" and turn["speech_end_wall"] <= t < until]
        results.append({
            **turn,
            "first_media_s": round(media[0][0] - turn["speech_end_wall"], 3) if media else None,
            "first_audible_s": round(audible[0] - turn["speech_end_wall"], 3) if audible else None,
            "media_frames": len(media),
            # Audio length against how long it took to arrive: an agent may send faster than
            # real time and leave the pacing to Twilio's buffer.
            "reply_audio_s": round(sum(n for _, _, n in media) / RATE, 3),
            "reply_arrival_s": round(media[-1][0] - media[0][0], 3) if media else None,
            "clears": len(clears),
        })
    events = sorted({e for _, e, _, _ in received})
    return results, events, call_sid


def attach_bot_log(results, log_path, call_sid):
    """Pairs each file with the bot's latency-log line for the turn it answered, by time."""
    lines = [json.loads(l) for l in pathlib.Path(log_path).read_text().splitlines() if l.strip()]
    lines = [l for l in lines if l.get("call_sid") == call_sid]
    for i, r in enumerate(results):
        until = results[i + 1]["speech_end_wall"] if i + 1 < len(results) else float("inf")
        turn = next((l for l in lines if r["speech_end_wall"] <= l["bot_started_speaking_at"] < until),
                    None)
        if turn:
            # Where the bot's VAD put the end of speech, against where it is: the part of the
            # caller's figure that Pipecat's own figure cannot see.
            r["pipecat_latency_s"] = turn["user_bot_latency_s"]
            r["vad_end_error_s"] = round(turn["speech_ended_at"] - r["speech_end_wall"], 3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("url", help="ws://127.0.0.1:PORT/ws")
    ap.add_argument("wav", nargs="+", help="16-bit PCM WAV files, any rate, played in order")
    ap.add_argument("--gap-s", type=float, default=6.0, help="silence after each file")
    ap.add_argument("--lead-s", type=float, default=0.5, help="silence before the first file")
    ap.add_argument("--json", action="store_true", help="one JSON line per file instead")
    ap.add_argument("--verbose", action="store_true", help="show non-media events on stderr")
    ap.add_argument("--latency-log", help="the bot's --latency-log, to set its figures alongside")
    args = ap.parse_args()

    results, events, call_sid = asyncio.run(
        call(args.url, args.wav, args.gap_s, args.lead_s, args.verbose))
    if args.latency_log:
        attach_bot_log(results, args.latency_log, call_sid)
    for r in results:
        if args.json:
            print(json.dumps(r))
            continue
        fmt = lambda s: "none" if s is None else f"{s * 1000:6.0f} ms"
        print(f"{pathlib.Path(r['file']).name:28} speech ends {r['speech_end_in_file_s']:.2f} s "
              f"({r['source']}); first media {fmt(r['first_media_s'])}, first audible "
              f"{fmt(r['first_audible_s'])}; {r['media_frames']} frames, {r['reply_audio_s']:.2f} s of audio "
              f"in {r['reply_arrival_s'] or 0:.2f} s, {r['clears']} clear")
        if "pipecat_latency_s" in r:
            print(f"{'':28} Pipecat's figure {fmt(r['pipecat_latency_s'])}, its VAD put the end of "
                  f"speech {r['vad_end_error_s'] * 1000:+.0f} ms off")
    if not args.json:
        print(f"events received: {', '.join(events) or 'none'}")
    sys.exit(0 if all(r["first_media_s"] is not None for r in results) else 1)


if __name__ == "__main__":
    main()
