#!/usr/bin/env python3
"""Earshot out-of-process stage: answers the first frame of each turn after a fixed delay.

    fixed_delay.py DELAY_MS [KINDS]

KINDS is a comma-separated list of what it consumes (default audio,text,event). Every consumed
frame is echoed back; the first one of each turn only after DELAY_MS (it sleeps: the harness
measures the round trip, so the delay shows up as the stage's latency), with a mark
"plugin_reply". Protocol: Scripts/stages/PROTOCOL.md. Standard library only.
"""
import json
import sys
import time


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: fixed_delay.py DELAY_MS [KINDS]\n")
        return 2
    delay = float(sys.argv[1]) / 1000.0
    kinds = sys.argv[2].split(",") if len(sys.argv) > 2 else ["audio", "text", "event"]
    seen = set()
    out = sys.stdout
    for line in sys.stdin:
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "hello":
            if msg.get("protocol") != 1:
                sys.stderr.write("unsupported protocol %r\n" % msg.get("protocol"))
                return 1
            reply = {"type": "ready", "protocol": 1, "role": "utility", "consumes": kinds, "produces": kinds}
        elif kind == "shutdown":
            break
        else:
            turn = msg["turn"]
            if turn not in seen:
                seen.add(turn)
                time.sleep(delay)
                out.write(json.dumps({"type": "mark", "turn": turn, "name": "plugin_reply"}) + "\n")
            out.write(line if line.endswith("\n") else line + "\n")
            reply = {"type": "done", "turn": turn}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
