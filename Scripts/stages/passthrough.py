#!/usr/bin/env python3
"""Earshot out-of-process stage that does nothing: echoes every frame unchanged.

Measures the protocol's own cost (earshot-bench plugin). Protocol: Scripts/stages/PROTOCOL.md.
"""
import json
import sys


def main():
    out = sys.stdout
    for line in sys.stdin:
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "hello":
            out.write(json.dumps({"type": "ready", "protocol": 1, "role": "utility",
                                  "consumes": ["audio", "text", "event"],
                                  "produces": ["audio", "text", "event"]}) + "\n")
        elif kind == "shutdown":
            break
        else:
            # The frame line itself is a valid reply frame: no need to decode the audio.
            out.write(line if line.endswith("\n") else line + "\n")
            out.write('{"type":"done","turn":%d}\n' % msg["turn"])
        out.flush()


if __name__ == "__main__":
    main()
