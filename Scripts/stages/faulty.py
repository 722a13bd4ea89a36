#!/usr/bin/env python3
"""Earshot out-of-process stage that misbehaves on purpose, for the harness's tests.

    faulty.py MODE TURN [SESSION]

Echoes frames like passthrough.py, except on the first frame of turn TURN (in session SESSION
only, when given), where MODE says what goes wrong: exit (dies with status 3), hang (never
answers), garbage (writes a line that is not JSON, with a NUL in it), error (reports an error
message for the turn, then carries on), control (an error whose reason holds NUL, an escape
sequence and a newline), long (starts a 200 MB reply line), stderr (writes 32 MB to stderr
without a newline, then answers). Each start says "started session N" on stderr.
Protocol: Scripts/stages/PROTOCOL.md.
"""
import json
import sys
import time


def main():
    mode, bad_turn = sys.argv[1], int(sys.argv[2])
    bad_session = int(sys.argv[3]) if len(sys.argv) > 3 else None
    session = None
    out = sys.stdout
    for line in sys.stdin:
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "hello":
            session = msg["session"]
            sys.stderr.write("started session %d\n" % msg["session"])
            sys.stderr.flush()
            out.write(json.dumps({"type": "ready", "protocol": 1, "role": "utility",
                                  "consumes": ["audio", "text", "event"],
                                  "produces": ["audio", "text", "event"]}) + "\n")
        elif kind == "shutdown":
            break
        else:
            turn = msg["turn"]
            if turn == bad_turn and bad_session in (None, session):
                if mode == "exit":
                    sys.exit(3)
                if mode == "hang":
                    time.sleep(3600)
                if mode == "garbage":
                    out.write("this is {not json\0\n")
                    out.flush()
                    continue
                if mode == "error":
                    out.write(json.dumps({"type": "error", "turn": turn, "reason": "model refused"}) + "\n")
                if mode == "control":
                    reason = "bad\0byte \x1b[31mred\x1b[0m\nnext"
                    out.write(json.dumps({"type": "error", "turn": turn, "reason": reason}) + "\n")
                if mode == "long":
                    # Written a megabyte at a time: the harness must give up long before the end.
                    for _ in range(200):
                        out.write("a" * 1_000_000)
                    out.write("\n")
                if mode == "stderr":
                    for _ in range(32):
                        sys.stderr.write("x" * 1_000_000)
                    sys.stderr.write("\n")
                    sys.stderr.flush()
            out.write(line if line.endswith("\n") else line + "\n")
            out.write(json.dumps({"type": "done", "turn": turn}) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
