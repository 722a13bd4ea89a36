#!/usr/bin/env python3
"""Makes runs/ and baselines/ of the hostile corpus: real output folders written by the earshot
binary given (a late echo that answers 160 ms after the user's speech ends), then copies of them
each broken in one way that cases.tsv names. Run it again whenever the output schema changes:

    Tests/HostileCorpus/make_runs.py .build/debug/earshot
"""
import csv
import io
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = os.path.join(HERE, "runs")
BASELINES = os.path.join(HERE, "baselines")


def run(earshot, out, *extra, pipeline="pipelines/late-echo.yaml"):
    # Relative paths, run from the corpus folder: run.json records the pipeline as given.
    args = [earshot, "run", "--pipeline", pipeline, "--fixtures", "fixtures", "--scenario", "ok",
            "--out", os.path.join("runs", out), "--run-id", out, "--quiet", *extra]
    done = subprocess.run(args, cwd=HERE, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} exited {done.returncode}: {done.stdout}{done.stderr}")


def copy(name):
    target = os.path.join(RUNS, name)
    shutil.copytree(os.path.join(RUNS, "good"), target)
    return target


def replace(folder, file, old, new):
    path = os.path.join(folder, file)
    with open(path, newline="") as f:
        text = f.read()
    if old not in text:
        sys.exit(f"{path}: {old!r} not found")
    with open(path, "w", newline="") as f:
        f.write(text.replace(old, new))


def write(folder, file, data):
    with open(os.path.join(folder, file), "wb") as f:
        f.write(data)


def rows(folder, file):
    with open(os.path.join(folder, file), newline="") as f:
        return f.read().split("\r\n")


def set_cell(folder, column, value):
    """Every data row of turns.csv gets `value` in `column`."""
    lines = rows(folder, "turns.csv")
    header = lines[0].split(",")
    i = header.index(column)
    out = [lines[0]]
    for line in lines[1:]:
        if line:
            cells = next(csv.reader(io.StringIO(line)))
            cells[i] = value
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="").writerow(cells)
            line = buffer.getvalue()
        out.append(line)
    write(folder, "turns.csv", "\r\n".join(out).encode())


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    earshot = os.path.abspath(sys.argv[1])
    shutil.rmtree(RUNS, ignore_errors=True)
    os.makedirs(RUNS)
    run(earshot, "good", "--sessions", "2")
    run(earshot, "shard-1-of-2", "--sessions", "4", "--shard", "1/2")
    run(earshot, "shard-2-of-2", "--sessions", "4", "--shard", "2/2")
    run(earshot, "shard-2-of-2-4g", "--sessions", "4", "--shard", "2/2", "--network", "4g")
    run(earshot, "shard-2-of-2-other-pipeline", "--sessions", "4", "--shard", "2/2",
        pipeline="pipelines/late-echo-other.yaml")

    lines = rows(os.path.join(RUNS, "good"), "turns.csv")
    write(copy("truncated-turns"), "turns.csv", "\r\n".join(lines[:-2] + [""]).encode())
    replace(copy("budget-huge"), "run.json", '"budget_ms" : 300,', '"budget_ms" : 1e+300,')
    replace(copy("budget-negative"), "run.json", '"budget_ms" : 300,', '"budget_ms" : -5,')
    with open(os.path.join(RUNS, "good", "run.json")) as f:
        version = next(line for line in f if '"schema_version"' in line).split(" : ")[1].strip(" ,\n")
    replace(copy("schema-text"), "run.json", f'"schema_version" : {version},', f'"schema_version" : "{version}",')
    replace(copy("schema-future"), "run.json", f'"schema_version" : {version},', '"schema_version" : 99,')
    replace(copy("frame-huge"), "run.json", '"frame_ms" : 20,', '"frame_ms" : 1e+20,')
    replace(copy("sessions-zero"), "run.json", '"sessions_per_scenario" : 2,', '"sessions_per_scenario" : 0,')
    replace(copy("seed-text"), "run.json", '"seed" : 1,', '"seed" : "one",')
    write(copy("not-json"), "run.json", b"{ this is not json\n")
    write(copy("json-array"), "run.json", b"[1, 2, 3]\n")
    os.remove(os.path.join(copy("no-stages"), "stages.csv"))
    set_cell(copy("cell-huge"), "user_start_ms", "99999999999.000")
    set_cell(copy("cell-overflow"), "user_start_ms", "99999999999999999999.000")
    set_cell(copy("cell-text"), "user_start_ms", "soon")
    replace(copy("header-renamed"), "turns.csv", ",outcome,", ",result,")
    nul = copy("nul-bytes")
    with open(os.path.join(nul, "turns.csv"), "ab") as f:
        f.write(b"\0\0\0")

    # Baselines: the good run's summary, and three ways for a baseline to hold nothing to compare.
    with open(os.path.join(RUNS, "good", "summary.csv"), newline="") as f:
        summary = f.read()
    header, body = summary.split("\r\n", 1)
    os.makedirs(BASELINES, exist_ok=True)
    write(BASELINES, "good.csv", summary.encode())
    write(BASELINES, "header-only.csv", (header + "\r\n").encode())
    write(BASELINES, "other-design.csv", summary.replace(",late-echo,", ",some-other-design,").encode())
    columns = header.split(",")
    p95 = columns.index("p95")
    emptied = []
    for line in body.split("\r\n"):
        cells = line.split(",")
        if len(cells) == len(columns) and cells[columns.index("metric")] == "voice_to_voice_ms":
            cells[p95] = ""
        emptied.append(",".join(cells))
    write(BASELINES, "empty-p95.csv", (header + "\r\n" + "\r\n".join(emptied)).encode())


if __name__ == "__main__":
    main()
