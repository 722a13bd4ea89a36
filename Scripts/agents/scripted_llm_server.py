#!/usr/bin/env python3
"""A scripted stand-in for an OpenAI-compatible chat-completions server, on 127.0.0.1.

The LLM's share of a voice agent's latency is what the harness wants to control, not measure, so
the reply and its timing are scripted: the first token comes --ttft-ms after the request, the rest
one every --token-ms. The reply is derived from the last user message so that a run's log shows
which turn each answer belongs to. Standard library only.

    scripted_llm_server.py --port 8801 [--ttft-ms 200] [--token-ms 20]

POST /v1/chat/completions (stream true: SSE chunks then `data: [DONE]`; stream false: one JSON
answer after the whole scripted time), GET /v1/models.
"""

import argparse
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "scripted"


def reply_for(messages):
    last = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    content = last.get("content", "") if last else ""
    if isinstance(content, list):  # the multi-part form: [{"type": "text", "text": ...}, ...]
        content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    words = re.findall(r"[\w'.,]+", content)
    about = " ".join(words[-6:]).rstrip(".,") or "nothing I could hear"
    return f"You asked about {about}. Here is a short answer."


def tokens_of(text):
    # Word-sized pieces keeping their leading space, as real tokenizers roughly do.
    return re.findall(r"\s*\S+", text)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "scripted-llm/1"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("scripted-llm: " + fmt % args + "\n")

    def _json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._json(200, {"object": "list",
                             "data": [{"id": MODEL, "object": "model", "owned_by": "earshot"}]})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self):
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._json(404, {"error": {"message": f"no route {self.path}"}})
            return
        try:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        except (ValueError, json.JSONDecodeError):
            self._json(400, {"error": {"message": "body is not JSON"}})
            return
        # The clock starts once the request is read, as a hosted model's TTFT would.
        started = time.monotonic()
        text = reply_for(request.get("messages", []))
        model = request.get("model", MODEL)
        cid = "chatcmpl-" + uuid.uuid4().hex[:24]
        ttft, gap = self.server.ttft_ms / 1000, self.server.token_ms / 1000
        pieces = tokens_of(text)
        if self.server.verbose:
            sys.stderr.write(f"scripted-llm: reply {text!r}\n")

        if not request.get("stream"):
            time.sleep(max(0.0, ttft + gap * (len(pieces) - 1)))
            self._json(200, {
                "id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": 0, "completion_tokens": len(pieces),
                          "total_tokens": len(pieces)}})
            return

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")  # no Content-Length: the end of the body is EOF
        self.end_headers()
        self.close_connection = True

        def chunk(delta, finish=None):
            body = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            self.wfile.write(f"data: {json.dumps(body)}\n\n".encode())
            self.wfile.flush()

        try:
            # Deadlines from the start, so a slow write does not push every later token back.
            for i, piece in enumerate(pieces):
                time.sleep(max(0.0, started + ttft + i * gap - time.monotonic()))
                chunk({"role": "assistant", "content": piece} if i == 0 else {"content": piece})
            chunk({}, "stop")
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client cancelled: an interruption, not an error


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--ttft-ms", type=float, default=200)
    ap.add_argument("--token-ms", type=float, default=20)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.ttft_ms, server.token_ms, server.verbose = args.ttft_ms, args.token_ms, args.verbose
    print(f"READY http://{args.host}:{server.server_port}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
