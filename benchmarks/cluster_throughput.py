"""Dask's cost: the same corpus built with kg's local pool and with a local Dask cluster of the
same size, in one run; and the parts of a cluster build that stay serial, for the README's
estimate of a large archive.

    python benchmarks/cluster_throughput.py [--megabytes 4] [--runs 3] [--workers 2]

The corpus is the seed pages and, where they are beside the checkout (../shared/eval/news/texts),
the development articles, copied until it holds --megabytes of UTF-8 text (each copy its own file,
read, extracted and resolved like any other). Each run, in fresh processes, from scratch, without
the store (its load is the same code either way; see the serial parts below):

* `kg build --workers N`: the local pool (forked processes);
* `kg build --scheduler local:N`: a Dask LocalCluster of N single-threaded worker processes,
  its start included.

Reported: characters per second end to end (medians of the runs), the engine's overhead as the
ratio of the Dask build's time to the pool's (median of the runs' ratios; both builds of a run
back to back), and the Dask build's parts: the cluster's start, the extraction (first task to
last result; per worker: the throughput a cluster multiplies), the client's own work on the
results meanwhile (writing the cache, folding), and the rest. Then one build of the distinct
texts (each once) with the store and --neo4j-import, for the serial parts per row of the graph
(final resolve, store load, JSON Lines export, import files), and the graph's rows per MB of text.
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
DEV = ROOT.parent / "shared" / "eval" / "news" / "texts"

BUILD = r"""
import json, sys
from kg import pipeline
if __name__ == "__main__":
    scheduler = sys.argv[3] if sys.argv[3].startswith("local:") else None
    extra = {"neo4j_import": sys.argv[5]} if len(sys.argv) > 5 else {}
    s = pipeline.build([sys.argv[1]], sys.argv[2], store=sys.argv[4] == "store", full=True,
                       workers=None if scheduler else int(sys.argv[3]), scheduler=scheduler, **extra)
    print(json.dumps({"seconds": s.seconds, "stages": s.stage_seconds, "workers": s.workers,
                      "nodes": sum(s.nodes.values()), "relationships": sum(s.relationships.values()),
                      "articles": s.articles, "files": s.files_read}))
"""


def texts() -> list[Path]:
    return sorted((ROOT / "seeds").glob("*.txt")) + (sorted(DEV.glob("*.txt")) if DEV.is_dir() else [])


def make_corpus(folder: Path, megabytes: float) -> tuple[int, int, int]:
    """Copy the texts into `folder` until it holds `megabytes`; (files, characters, bytes)."""
    size = n = files = chars = 0
    while size < megabytes * 1_000_000:
        for s in texts():
            shutil.copy(s, folder / f"copy{n:04d}_{s.name}")
            size += s.stat().st_size
            chars += len(s.read_text("utf-8"))
            files += 1
        n += 1
    return files, chars, size


def build(corpus: Path, out: Path, how: str, store: bool = False, neo4j_import: Path | None = None) -> dict:
    args = [sys.executable, "-c", BUILD, str(corpus), str(out), how, "store" if store else "no-store"]
    if neo4j_import:
        args.append(str(neo4j_import))
    p = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    if p.returncode:
        raise SystemExit(f"build failed ({how}):\n{p.stderr[-3000:]}")
    shutil.rmtree(out, ignore_errors=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--megabytes", type=float, default=4.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    n = args.workers
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        corpus.mkdir()
        files, chars, size = make_corpus(corpus, args.megabytes)
        print(f"corpus: {files} files, {chars:,} characters, {size / 1e6:.1f} MB ({size / chars:.2f} bytes a character)")
        runs = []
        for i in range(args.runs):
            pool = build(corpus, tmp / "pool", str(n))
            dask = build(corpus, tmp / "dask", f"local:{n}")
            runs.append((pool, dask))
            print(f"run {i + 1}: pool {chars / pool['seconds']:,.0f} chars/s ({pool['seconds']:.1f} s); "
                  f"dask {chars / dask['seconds']:,.0f} chars/s ({dask['seconds']:.1f} s); "
                  f"ratio {dask['seconds'] / pool['seconds']:.2f}", flush=True)
        distinct = tmp / "distinct"
        distinct.mkdir()
        for s in texts():
            shutil.copy(s, distinct / s.name)
        dchars = sum(len(s.read_text("utf-8")) for s in texts())
        dbytes = sum(s.stat().st_size for s in texts())
        full = build(distinct, tmp / "full", f"local:{n}", store=True, neo4j_import=tmp / "import")

    med = lambda f: statistics.median(f(r) for r in runs)
    stage = lambda r, k: r["stages"].get(k, 0.0)
    print(f"\nmedians of {args.runs} runs, {chars:,} characters, {n} workers:")
    print(f"  local pool (--workers {n})          {chars / med(lambda r: r[0]['seconds']):>10,.0f} chars/s")
    print(f"  Dask LocalCluster (local:{n})       {chars / med(lambda r: r[1]['seconds']):>10,.0f} chars/s")
    ratios = ", ".join(f"{d['seconds'] / p['seconds']:.2f}" for p, d in runs)
    print(f"  overhead of the engine (Dask time / pool time): {med(lambda r: r[1]['seconds'] / r[0]['seconds']):.2f}x"
          f"  (runs: {ratios})")
    start = med(lambda r: stage(r[1], "cluster: start"))
    extraction = med(lambda r: stage(r[1], "cluster: extraction"))
    client = med(lambda r: stage(r[1], "cluster: client"))
    rest = med(lambda r: r[1]["seconds"] - stage(r[1], "cluster: start") - stage(r[1], "cluster: extraction"))
    print(f"  Dask build's parts: cluster start {start:.2f} s; extraction {extraction:.2f} s "
          f"({chars / extraction / n:,.0f} chars/s per worker); the client's own work on the results meanwhile "
          f"{client:.2f} s of its CPU ({chars / client:,.0f} chars/s); the rest (listing, final resolve, export, "
          f"cluster stop) {rest:.2f} s")
    for name, i in (("pool's workers", 0), ("Dask's tasks", 1)):
        work = {k: med(lambda r: stage(r[i], k)) for k in ("ingest", "tokenise", "recognise", "relate", "cache")}
        print(f"  time in the {name} (summed): {sum(work.values()):.2f} s = "
              + ", ".join(f"{k} {v:.2f}" for k, v in work.items()))
    rows = full["nodes"] + full["relationships"]
    s = full["stages"]
    print(f"\nserial parts, measured on the {len(texts())} distinct texts ({dchars:,} characters, {dbytes / 1e6:.2f} MB; "
          f"{full['nodes']:,} nodes + {full['relationships']:,} relationships = {rows:,} rows of the graph, "
          f"{rows / (dbytes / 1e6):,.0f} a MB):")
    rest_full = full["seconds"] - s.get("cluster: start", 0) - s.get("cluster: extraction", 0)
    for k in ("store", "export", "neo4j-import"):
        print(f"  {k:<14} {s.get(k, 0.0):6.2f} s   {rows / s[k] if s.get(k) else float('inf'):>10,.0f} rows/s")
    print(f"  after extraction in all (final resolve, store, import files, export beside the store, swap): "
          f"{rest_full:.2f} s = {rest_full / rows * 1e6:,.0f} s a million rows")


if __name__ == "__main__":
    main()
