"""What the learned tagger costs, part by part, against jieba.lcut over the same articles.

    python benchmarks/tagger.py [--copies 4] [--runs 3]

The seed pages, split into articles as a build splits them, `--copies` times. Per run: jieba.lcut
over every article; then, file by file as pass 1 does, the rules the tagger reads (names and
people, `article.rule_names`/`rule_hints`), the tagger's feature keys, the weight lookup and the
Viterbi decoding. Reported: each part's time as a multiple of jieba.lcut's (medians over the runs;
a ratio holds on a noisy machine).
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import jieba

from kg import ingest
from kg.extract import article, tagger
from kg.language.tokens import Tokens
from kg.gazetteer import Gazetteer

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("rules", "keys", "lookup", "decode")


def one_run(pages: list[list]) -> dict[str, float]:
    gazetteer = Gazetteer.default()
    model = tagger._model(tagger.model_path())
    clock = time.perf_counter()
    for articles in pages:
        for a in articles:
            jieba.lcut(a.text)
    took = {"lcut": time.perf_counter() - clock, **{p: 0.0 for p in PARTS}}
    for articles in pages:
        tokens = [Tokens(a.text) for a in articles]
        t0 = time.perf_counter()
        items = []
        for a, toks in zip(articles, tokens):
            regions, names, _ = article.rule_names(a, gazetteer, toks)
            items.append((a.text, toks, regions, article.rule_hints(a.text, names)))
        t1 = time.perf_counter()
        values = tagger.values_all(items)
        t2 = time.perf_counter()
        emit = model.scores(values)
        t3 = time.perf_counter()
        model.decode(emit, tagger.Clauses([a.text for a in articles]))
        t4 = time.perf_counter()
        for part, seconds in zip(PARTS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            took[part] += seconds
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    jieba.initialize()
    pages = [ingest.split_articles(ingest.read_source(str(f)), f.name)
             for f in sorted((ROOT / "seeds").glob("*.txt"))] * args.copies
    chars = sum(len(a.text) for articles in pages for a in articles)
    one_run(pages[:1])     # models and tables loaded
    runs = [one_run(pages) for _ in range(args.runs)]
    print(f"{chars:,} characters in {sum(map(len, pages))} articles, medians over {args.runs} runs")
    print(f"  jieba.lcut            {statistics.median(r['lcut'] for r in runs):.3f} s")
    for part in PARTS:
        ratio = statistics.median(r[part] / r["lcut"] for r in runs)
        print(f"  {part:<20}  {statistics.median(r[part] for r in runs):.3f} s  {ratio:.2f}x jieba.lcut")
    total = statistics.median(sum(r[p] for p in PARTS[1:]) / r["lcut"] for r in runs)
    print(f"  the tagger (keys, lookup, decode): {total:.2f}x jieba.lcut")


if __name__ == "__main__":
    main()
