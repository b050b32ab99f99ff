"""Build throughput: `kg build`'s stages on a corpus made of the seeds, against plain jieba.lcut.

    python benchmarks/build_throughput.py [--megabytes 2] [--runs 3]

The corpus is the seed files copied until it holds --megabytes of text (each copy its own file,
so reprints are detected as such). Each run times the stages of one build in this process
(ingest, tokenise + recognise, extract + relate, resolve + graph, store), then `jieba.lcut` over
the same articles' text; reported are characters per second end to end (store included) and per
stage, the ratio to jieba.lcut (a ratio holds on a noisy machine), medians over the runs, and the
process's peak memory. The issue's goals: >= 300,000 chars/s per worker and >= 1.2x jieba.lcut.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402

from kg import ingest  # noqa: E402
from kg.export import entity_rows, relation_rows  # noqa: E402
from kg.extract.article import extract, recognise  # noqa: E402
from kg.gazetteer import Gazetteer  # noqa: E402
from kg.graph import build_graph  # noqa: E402
from kg.pipeline import corpus_short_names  # noqa: E402
from kg.resolve import Resolver  # noqa: E402
from kg.store import EmbeddedStore  # noqa: E402


def make_corpus(folder: Path, megabytes: float) -> int:
    """Copy the seeds into `folder` until it holds `megabytes` of text; returns characters."""
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    total, n = 0, 0
    while total < megabytes * 1_000_000:
        for s in seeds:
            shutil.copy(s, folder / f"copy{n:04d}_{s.name}")
            total += len(s.read_text("utf-8").encode("utf-8"))
        n += 1
    return sum(len(p.read_text("utf-8")) for p in folder.glob("*.txt"))


def one_run(corpus: Path, store_dir: Path) -> dict[str, float]:
    times: dict[str, float] = {}
    t = time.perf_counter()
    articles, _ = ingest.ingest([corpus])
    times["ingest"] = time.perf_counter() - t

    t = time.perf_counter()
    gazetteer = Gazetteer.default()
    firsts = [recognise(a, gazetteer) for a in articles]
    times["tokenise+recognise"] = time.perf_counter() - t

    t = time.perf_counter()
    short = corpus_short_names(firsts)
    resolver = Resolver(gazetteer)
    for fp in firsts:
        resolver.add(extract(fp, ingest.split_sentences(fp.article), short))
    times["extract+relate"] = time.perf_counter() - t

    t = time.perf_counter()
    g = build_graph(*resolver.resolve())
    times["resolve+graph"] = time.perf_counter() - t

    t = time.perf_counter()
    with EmbeddedStore(store_dir) as db:
        db.load(list(entity_rows(g)), list(relation_rows(g)))
    times["store"] = time.perf_counter() - t

    text = [a.text for a in articles]
    t = time.perf_counter()
    for s in text:
        jieba.lcut(s)
    times["jieba.lcut"] = time.perf_counter() - t
    times["chars"] = sum(len(s) for s in text)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--megabytes", type=float, default=2.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    jieba.initialize()
    Gazetteer.default()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        chars = make_corpus(corpus, args.megabytes)
        print(f"corpus: {len(list(corpus.glob('*.txt')))} files, {chars:,} characters")
        runs = []
        for i in range(args.runs):
            r = one_run(corpus, Path(tmp) / f"store{i}")
            end_to_end = sum(v for k, v in r.items() if k not in ("jieba.lcut", "chars"))
            r["end_to_end"] = end_to_end
            runs.append(r)
            print(f"run {i + 1}: {r['chars'] / end_to_end:,.0f} chars/s end to end; "
                  f"jieba.lcut alone {r['chars'] / r['jieba.lcut']:,.0f} chars/s")
    med = lambda k: statistics.median(r[k] for r in runs)
    n = runs[0]["chars"]
    print(f"end to end: median {n / med('end_to_end'):,.0f} chars/s over {args.runs} runs (1 worker)")
    print(f"ratio to jieba.lcut over the same text: {med('jieba.lcut') / med('end_to_end'):.2f}x (goal >= 1.2x)")
    for stage in ("ingest", "tokenise+recognise", "extract+relate", "resolve+graph", "store"):
        print(f"  {stage:<20} median {med(stage):6.2f} s  ({n / med(stage):>12,.0f} chars/s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
