"""Build throughput: `kg build` end to end on a corpus made of the seeds, against plain jieba.lcut.

    python benchmarks/build_throughput.py [--megabytes 20] [--runs 3] [--workers 2]

The corpus is the seed files copied until it holds --megabytes of UTF-8 text (each copy its own
file, so every copy is read, extracted and resolved; copies are reprints, which the build
detects). Each run, in fresh processes:

* `kg build` (pipeline.build, store included, from scratch) with 1 worker and with --workers;
* `jieba.lcut` over the same files' text in one process (its dictionary loaded beforehand).

Reported: characters per second end to end (medians over the runs), per worker, the ratio to
jieba.lcut measured in the same run (a ratio holds on a noisy machine), the speed-up of N
workers over one, time per stage (summed over workers), and peak memory (largest process) for the
full corpus and for a quarter of it, to show whether memory grows with the corpus.
The issue's goals: >= 300,000 chars/s per worker, >= 1.2x jieba.lcut, >= 1.7x on two workers.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BUILD = r"""
import json, pathlib, resource, sys, time
from kg import pipeline
s = pipeline.build([sys.argv[1]], sys.argv[2], workers=int(sys.argv[3]), full=True)
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
export = sum((pathlib.Path(sys.argv[2]) / f).stat().st_size for f in ("entities.jsonl", "relations.jsonl"))
print(json.dumps({"seconds": s.seconds, "stages": s.stage_seconds, "peak_mb": peak / 1024,
                  "export_mb": export / 1e6, "articles": s.articles, "nodes": sum(s.nodes.values())}))
"""

LCUT = r"""
import json, pathlib, sys, time
import jieba
jieba.initialize()
files = sorted(pathlib.Path(sys.argv[1]).glob("*.txt"))
chars, t = 0, time.perf_counter()
for f in files:
    text = f.read_text("utf-8")
    chars += len(text)
    jieba.lcut(text)
print(json.dumps({"seconds": time.perf_counter() - t, "chars": chars}))
"""

STAGES = ("ingest", "tokenise", "recognise", "relate", "cache", "resolve", "export", "store")


def make_corpus(folder: Path, megabytes: float) -> tuple[int, int]:
    """Copy the seeds into `folder` until it holds `megabytes` of text; (files, characters)."""
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    size, n, files, chars = 0, 0, 0, 0
    while size < megabytes * 1_000_000:
        for s in seeds:
            shutil.copy(s, folder / f"copy{n:05d}_{s.name}")
            size += s.stat().st_size
            chars += len(s.read_text("utf-8"))
            files += 1
        n += 1
    return files, chars


def run_json(code: str, *args) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--megabytes", type=float, default=20.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2, help="the N of the parallel runs (default 2)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus, small = tmp / "corpus", tmp / "quarter"
        corpus.mkdir()
        small.mkdir()
        files, chars = make_corpus(corpus, args.megabytes)
        print(f"corpus: {files} files, {chars:,} characters, {args.megabytes:g} MB")
        runs = []
        for i in range(args.runs):
            r = {"lcut": run_json(LCUT, corpus)}
            for n in (1, args.workers):
                r[n] = run_json(BUILD, corpus, tmp / f"out{n}", n)
                shutil.rmtree(tmp / f"out{n}")
            runs.append(r)
            print(f"run {i + 1}: jieba.lcut {chars / r['lcut']['seconds']:,.0f} chars/s; "
                  + "; ".join(f"{n} worker{'s' if n > 1 else ''} {chars / r[n]['seconds']:,.0f} chars/s"
                              for n in (1, args.workers)), flush=True)
        make_corpus(small, args.megabytes / 4)
        small_run = run_json(BUILD, small, tmp / "out_small", 1)

    med = lambda f: statistics.median(f(r) for r in runs)
    lcut = med(lambda r: r["lcut"]["seconds"])
    print(f"\nmedians over {args.runs} runs, {chars:,} characters:")
    print(f"  jieba.lcut alone              {chars / lcut:>12,.0f} chars/s")
    for n in (1, args.workers):
        t = med(lambda r: r[n]["seconds"])
        ratio = med(lambda r: r["lcut"]["seconds"] / r[n]["seconds"])
        print(f"  kg build, {n} worker{'s' if n > 1 else ' '}           {chars / t:>12,.0f} chars/s "
              f"({chars / t / n:,.0f} per worker; {ratio:.2f}x jieba.lcut in the same run)")
    speedup = med(lambda r: r[1]["seconds"] / r[args.workers]["seconds"])
    print(f"  speed-up of {args.workers} workers over 1:   {speedup:.2f}x")
    print("time per stage, 1 worker (median seconds):")
    for stage in STAGES:
        t = med(lambda r: r[1]["stages"].get(stage, 0.0))
        print(f"  {stage:<10} {t:7.2f} s  ({chars / t if t else float('inf'):>12,.0f} chars/s)")
    print(f"peak memory (largest process), 1 worker: {med(lambda r: r[1]['peak_mb']):,.0f} MB for the corpus "
          f"(its graph's export: {runs[0][1]['export_mb']:,.0f} MB), {small_run['peak_mb']:,.0f} MB for a quarter "
          f"of it (export {small_run['export_mb']:,.0f} MB); {args.workers} workers: "
          f"{med(lambda r: r[args.workers]['peak_mb']):,.0f} MB")


if __name__ == "__main__":
    main()
