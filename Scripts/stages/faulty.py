#!/usr/bin/env python3
"""Earshot out-of-process stage that misbehaves on purpose, for the harness's tests.

    faulty.py MODE TURN

Echoes frames like passthrough.py, except on the first frame of turn TURN, where MODE says what
goes wrong: exit (dies with status 3), hang (never answers), garbage (writes a line that is not
JSON), error (reports an error message for the turn, then carries on). Each start says
"started session N" on stderr. Protocol: Scripts/stages/PROTOCOL.md.
"""
import json
import sys
import time


def main():
    mode, bad_turn = sys.argv[1], int(sys.argv[2])
    out = sys.stdout
    for line in sys.stdin:
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "hello":
            sys.stderr.write("started session %d\n" % msg["session"])
            sys.stderr.flush()
            out.write(json.dumps({"type": "ready", "protocol": 1, "role": "utility",
                                  "consumes": ["audio", "text", "event"],
                                  "produces": ["audio", "text", "event"]}) + "\n")
        elif kind == "shutdown":
            break
        else:
            turn = msg["turn"]
            if turn == bad_turn:
                if mode == "exit":
                    sys.exit(3)
                if mode == "hang":
                    time.sleep(3600)
                if mode == "garbage":
                    out.write("this is {not json\n")
                    out.flush()
                    continue
                if mode == "error":
                    out.write(json.dumps({"type": "error", "turn": turn, "reason": "model refused"}) + "\n")
            out.write(line if line.endswith("\n") else line + "\n")
            out.write(json.dumps({"type": "done", "turn": turn}) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
