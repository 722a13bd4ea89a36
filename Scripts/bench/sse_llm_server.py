#!/usr/bin/env python3
"""A local OpenAI-compatible streaming chat server with a scripted time to first token, for
benchmarks of the llm-openai stage. Standard library only; one thread per connection, so many
callers at once each get their own delay.

Usage: sse_llm_server.py TTFT_MS [PORT]   (PORT 0 or absent: any free port; the port is printed)
Every POST /v1/chat/completions streams "Sure." as two tokens, the first after TTFT_MS, then [DONE].
It stops after an hour, or when its standard input closes."""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ttft = float(sys.argv[1]) / 1000.0
port = int(sys.argv[2]) if len(sys.argv) > 2 else 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        time.sleep(ttft)
        for token in ["Sure", "."]:
            chunk = {"choices": [{"index": 0, "delta": {"content": token}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            time.sleep(0.01)
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
deadline = time.time() + 3600
while time.time() < deadline:
    if not sys.stdin.readline():
        break
server.shutdown()
