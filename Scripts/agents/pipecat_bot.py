#!/usr/bin/env python3
"""A real Pipecat 1.14 voice bot behind a Twilio Media Streams WebSocket, fully offline.

Earshot's Twilio connector plays the phone caller against it. Everything on the bot's side is
Pipecat's own: the FastAPI WebSocket transport, the Twilio serializer, Silero VAD, Smart Turn v3.2,
the OpenAI LLM service and UserBotLatencyObserver. Only the services that would need the network
are replaced: the LLM by scripted_llm_server.py, the TTS by espeak-ng, and speech recognition by a
placeholder that hands the aggregator a finalized transcript the moment VAD says the user stopped
(an STT with zero delay: the latency under test is the turn-taking, the LLM and the TTS).

    pipecat_bot.py --port 8765 --llm-url http://127.0.0.1:8801/v1 [--latency-log FILE] [--verbose]

Prints `READY ws://127.0.0.1:PORT/ws` on stdout once it accepts connections. One pipeline per
connection; connections may overlap.
"""

import argparse
import asyncio
import base64
import bisect
import json
import subprocess
import sys
import time
from datetime import datetime, timezone

import uvicorn
from fastapi import FastAPI, WebSocket
from loguru import logger

# Pipecat logs a banner at INFO the moment it is imported; the handler goes first so that the
# default stays quiet (main() adds the one --verbose asks for).
logger.remove()

from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3
from pipecat.audio.utils import create_stream_resampler
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VAD_STOP_SECS, VADParams
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    Frame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.observers.user_bot_latency_observer import UserBotLatencyObserver
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.task import PipelineParams
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.runner.utils import parse_telephony_websocket
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.services.openai.llm import OpenAILLMService
from pipecat.services.settings import TTSSettings
from pipecat.services.tts_service import TTSService
from pipecat.transports.websocket.fastapi import (
    FastAPIWebsocketParams,
    FastAPIWebsocketTransport,
)
from pipecat.turns.user_stop import TurnAnalyzerUserTurnStopStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.workers.runner import WorkerRunner

# Twilio carries 8 kHz mu-law both ways; running the pipeline at the same rate, as Pipecat's Twilio
# examples do, spares a resampling step each way (Silero and Smart Turn both accept 8 kHz).
PHONE_RATE = 8000

SYSTEM_PROMPT = "You are a helpful phone assistant. Answer in one or two short sentences."


class EspeakTTSService(TTSService):
    """Offline TTS: the espeak-ng program, its WAV streamed off stdout as it is synthesized."""

    def __init__(self, *, voice: str = "en-us", words_per_minute: int = 175, **kwargs):
        super().__init__(
            push_start_frame=True,
            push_stop_frames=True,
            settings=TTSSettings(model="espeak-ng", voice=voice, language=None),
            **kwargs,
        )
        self._voice = voice
        self._wpm = words_per_minute
        self._resampler = create_stream_resampler()

    def can_generate_metrics(self) -> bool:
        return True

    async def run_tts(self, text: str, context_id: str):
        await self.start_tts_usage_metrics(text)
        # A plain Popen read from a worker thread rather than asyncio's subprocess support, whose
        # child watcher can lose the exit status of overlapping children (one per live call).
        proc = subprocess.Popen(
            ["espeak-ng", "--stdout", "-v", self._voice, "-s", str(self._wpm), "--", text],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        try:
            # espeak-ng writes a canonical 44-byte header (22050 Hz, 16-bit mono) whose sizes
            # are placeholders, since it cannot seek a pipe; the rate is read, the sizes ignored.
            header = await asyncio.to_thread(proc.stdout.read, 44)
            if len(header) < 44:
                logger.warning(f"espeak-ng produced no audio for {text!r}")
                return
            rate = int.from_bytes(header[24:28], "little")
            pending = b""
            # read1: whatever is there, up to ~100 ms, so audio leaves as soon as it is made.
            while chunk := await asyncio.to_thread(proc.stdout.read1, rate // 10 * 2):
                pending += chunk
                even = len(pending) & ~1
                whole, pending = pending[:even], pending[even:]
                audio = await self._resampler.resample(whole, rate, self.sample_rate)
                if audio:
                    await self.stop_ttfb_metrics()
                    yield TTSAudioRawFrame(audio=audio, sample_rate=self.sample_rate,
                                           num_channels=1, context_id=context_id)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stdout.close()
            await asyncio.to_thread(proc.wait)
            await self.stop_ttfb_metrics()


class PlaceholderTranscriber(FrameProcessor):
    """Stands where an STT service would: a finalized transcript at each VAD stop.

    The text names the turn and how long the speech lasted, which is all the scripted LLM needs to
    answer deterministically. Finalized, so Smart Turn's verdict alone decides the end of turn
    (Pipecat waits for a transcript before releasing the turn).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._started = None
        self._count = 0

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if isinstance(frame, VADUserStartedSpeakingFrame):
            self._started = time.time() - frame.start_secs
        elif isinstance(frame, VADUserStoppedSpeakingFrame) and self._started is not None:
            self._count += 1
            spoken = (frame.timestamp - frame.stop_secs) - self._started
            await self.push_frame(TranscriptionFrame(
                text=f"segment {self._count}, {spoken:.1f} seconds of speech",
                user_id="caller",
                timestamp=datetime.now(timezone.utc).isoformat(),
                finalized=True,
            ))


class StreamPosition:
    """How much of the caller's audio had arrived when: the stream position (ms) by wall clock.

    Twilio stamps each media message with `media.timestamp`, the stream position of its first
    sample in ms; with the chunk's length added it is the audio received so far. A caller that
    streams at real time (as Twilio and Earshot do) keeps the stream position on its own timeline,
    so a moment logged as a stream position can be set beside the caller's measurements without
    the two machines' clocks having to agree.
    """

    def __init__(self):
        self._walls = []
        self._ends = []
        self._lengths = []

    def received(self, timestamp_ms: float, chunk_ms: float):
        if len(self._walls) >= 30_000:  # a long call: keep the last 5 minutes or so
            for history in (self._walls, self._ends, self._lengths):
                del history[:15_000]
        self._walls.append(time.time())
        self._ends.append(timestamp_ms + chunk_ms)
        self._lengths.append(chunk_ms)

    def at(self, wall):
        """The stream position at wall-clock time `wall`: the end of the latest media received by
        then, plus the time since it arrived up to one chunk's length (the caller's stream runs on
        between chunks; a chunk that is late stops it there)."""
        if wall is None:
            return None
        i = bisect.bisect_right(self._walls, wall)
        if not i:
            return 0.0
        since = min(max(wall - self._walls[i - 1], 0.0) * 1000, self._lengths[i - 1])
        return round(self._ends[i - 1] + since, 1)


class PositionedTwilioSerializer(TwilioFrameSerializer):
    """Pipecat's Twilio serializer, unchanged, noting each media message's stream position first."""

    def __init__(self, *, position: StreamPosition, **kwargs):
        super().__init__(**kwargs)
        self._position = position

    async def deserialize(self, data):
        try:
            message = json.loads(data)
            if message.get("event") == "media":
                media = message["media"]
                chunk = len(base64.b64decode(media["payload"]))  # 8 kHz mu-law: 8 bytes a ms
                self._position.received(float(media["timestamp"]), chunk / 8)
        except (ValueError, KeyError, TypeError):
            pass  # malformed or unstamped: the serializer below decides what it is
        return await super().deserialize(data)


class TurnTimeline(BaseObserver):
    """Wall-clock moments of each turn, written with UserBotLatencyObserver's figure as one line.

    UserBotLatencyObserver reports an interval; a caller-side measurement is compared segment by
    segment, so the absolute times of the moments it is built from are logged too.
    """

    def __init__(self, log_path, call_id, stream_id, position: StreamPosition):
        super().__init__()
        self._log_path = log_path
        self._position = position
        self._call = {"call_sid": call_id, "stream_sid": stream_id}
        self._turn = 0
        self._latency = None
        self._reset()

    def _reset(self):
        self._moments = {}

    def _once(self, key, at=None):
        self._moments.setdefault(key, at if at is not None else time.time())

    async def on_push_frame(self, data: FramePushed):
        if data.direction != FrameDirection.DOWNSTREAM:
            return
        f = data.frame
        if isinstance(f, VADUserStartedSpeakingFrame):
            self._reset()
            self._moments["vad_started_at"] = time.time()
            self._moments["speech_started_at"] = time.time() - f.start_secs
        elif isinstance(f, VADUserStoppedSpeakingFrame):
            # Overwritten, not kept once: a pause Smart Turn judged incomplete is followed by
            # more speech, and only the last stop before the reply is the turn's.
            self._moments.update(vad_stopped_at=f.timestamp, vad_stop_secs=f.stop_secs,
                                 speech_ended_at=f.timestamp - f.stop_secs)
            for later in ("turn_released_at", "llm_first_text_at", "tts_first_audio_at"):
                self._moments.pop(later, None)
        elif isinstance(f, UserStoppedSpeakingFrame):
            self._moments["turn_released_at"] = time.time()
        elif isinstance(f, LLMTextFrame):
            self._once("llm_first_text_at")
        elif isinstance(f, TTSAudioRawFrame):
            self._once("tts_first_audio_at")
        elif isinstance(f, BotStartedSpeakingFrame):
            self._once("bot_started_speaking_at")

    def latency_measured(self, latency):
        self._latency = latency

    def breakdown(self, breakdown):
        if self._latency is None:  # a greeting, not a reply to a user turn
            return
        self._turn += 1
        at = self._position.at
        m = self._moments
        line = {
            "turn": self._turn,
            "user_bot_latency_s": round(self._latency, 4),
            "t": time.time(),
            **self._call,
            **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()},
            # The caller's audio received (ms of stream) at the VAD's decision, the turn's release
            # and BotStartedSpeaking: the same moments on the caller's timeline.
            "stream_ms_at_vad_stop": at(m.get("vad_stopped_at")),
            "stream_ms_at_turn_released": at(m.get("turn_released_at")),
            "stream_ms_at_bot_started": at(m.get("bot_started_speaking_at")),
            "user_turn_s": _r(breakdown.user_turn_secs),
            "contributions": [
                {"label": c.label, "owner": c.owner, "secs": _r(c.duration_secs)}
                for c in breakdown.contributions
            ],
            "ttfb": [{"processor": m.processor, "secs": _r(m.duration_secs)}
                     for m in breakdown.ttfb],
        }
        self._latency = None
        logger.info(f"turn {self._turn}: user->bot {line['user_bot_latency_s']:.3f}s")
        if self._log_path:
            with open(self._log_path, "a") as out:  # one write per line: safe across calls
                out.write(json.dumps(line) + "\n")


def _r(x):
    return None if x is None else round(x, 4)


async def run_bot(websocket: WebSocket, args):
    # Twilio opens with `connected` then `start`; the serializer needs the streamSid from `start`
    # before any media can be answered, so the two are read here, as Pipecat's Twilio examples do.
    transport_type, call = await parse_telephony_websocket(websocket)
    if transport_type != "twilio":
        logger.warning(f"not a Twilio Media Stream (detected {transport_type!r}); closing")
        await websocket.close()
        return
    logger.info(f"call {call.call_id} stream {call.stream_id}")

    position = StreamPosition()
    serializer = PositionedTwilioSerializer(
        position=position,
        stream_sid=call.stream_id,
        call_sid=call.call_id,
        # No Twilio account behind it: hanging up through Twilio's REST API would only fail.
        params=TwilioFrameSerializer.InputParams(auto_hang_up=False),
    )
    transport = FastAPIWebsocketTransport(
        websocket=websocket,
        params=FastAPIWebsocketParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            add_wav_header=False,
            serializer=serializer,
        ),
    )

    vad = VADProcessor(vad_analyzer=SileroVADAnalyzer(params=VADParams(stop_secs=VAD_STOP_SECS)))
    llm = OpenAILLMService(
        api_key="offline",
        base_url=args.llm_url,
        settings=OpenAILLMService.Settings(model="scripted", system_instruction=SYSTEM_PROMPT),
    )
    tts = EspeakTTSService()
    context = LLMContext()
    aggregators = LLMContextAggregatorPair(
        context,
        user_params=LLMUserAggregatorParams(
            # Spelled out, though it is 1.14's default stop strategy, so the bot keeps meaning
            # "Pipecat's default end of turn" should a later default change.
            user_turn_strategies=UserTurnStrategies(
                stop=[TurnAnalyzerUserTurnStopStrategy(turn_analyzer=LocalSmartTurnAnalyzerV3())]
            ),
        ),
    )

    pipeline = Pipeline([
        transport.input(),
        vad,
        PlaceholderTranscriber(),
        aggregators.user(),
        llm,
        tts,
        transport.output(),
        aggregators.assistant(),
    ])

    latency = UserBotLatencyObserver()
    timeline = TurnTimeline(args.latency_log, call.call_id, call.stream_id, position)

    @latency.event_handler("on_latency_measured")
    async def on_latency_measured(_observer, seconds):
        timeline.latency_measured(seconds)

    @latency.event_handler("on_latency_breakdown")
    async def on_latency_breakdown(_observer, breakdown):
        timeline.breakdown(breakdown)

    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(
            audio_in_sample_rate=PHONE_RATE,
            audio_out_sample_rate=PHONE_RATE,
            enable_metrics=True,  # the latency breakdown is only collected with metrics on
        ),
        observers=[latency, timeline],
    )

    @transport.event_handler("on_client_disconnected")
    async def on_client_disconnected(_transport, _client):
        await worker.cancel()

    # handle_sigint off: the server owns the signals, and one call ending must not stop the rest.
    runner = WorkerRunner(handle_sigint=False)
    await runner.add_workers(worker)
    await runner.run()


def main():
    ap = argparse.ArgumentParser(description="Pipecat 1.14 bot on a Twilio Media Streams socket")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--llm-url", required=True, help="e.g. http://127.0.0.1:8801/v1")
    ap.add_argument("--latency-log", help="append one JSON line per answered turn")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    logger.add(sys.stderr, level="DEBUG" if args.verbose else "WARNING")

    app = FastAPI()

    @app.websocket("/ws")
    async def media_stream(websocket: WebSocket):
        await websocket.accept()
        try:
            await run_bot(websocket, args)
        except Exception:
            logger.exception("call failed")

    async def serve():
        server = uvicorn.Server(uvicorn.Config(
            app, host=args.host, port=args.port, log_level="info" if args.verbose else "warning"))
        serving = asyncio.create_task(server.serve())
        while not server.started and not serving.done():
            await asyncio.sleep(0.02)
        if server.started:
            print(f"READY ws://{args.host}:{args.port}/ws", flush=True)
        await serving

    asyncio.run(serve())


if __name__ == "__main__":
    main()
