#!/usr/bin/env python3
"""Train the relation classifier (kg/extract/relate.py) from annotated articles.

usage: train_relations.py GOLD_DIR:TEXT_DIR [...] [--out MODEL] [--exclude DOC ...]

Each article is extracted as a build does (names with the current tagger, the rules' relations),
every candidate pair of mentions of a sentence gets its features, and its label comes from the
gold: the relation the gold states between the two entities the mentions name (matched by name or
alias, as the scorer matches them), where the gold's evidence lies in that sentence; otherwise
NONE. Deterministic: same data, same model.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import unicodedata

import pycrfsuite

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from kg import ingest  # noqa: E402
from kg.extract import relate  # noqa: E402
from kg.extract.article import extract, recognise  # noqa: E402
from kg.gazetteer import Gazetteer  # noqa: E402
from kg.model import SYMMETRIC  # noqa: E402
from kg.pipeline import corpus_short_names  # noqa: E402

PARAMS = {"c1": 0.1, "c2": 0.05, "max_iterations": 150}


def norm(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


def load(pairs: list[str], exclude: set[str]) -> list[tuple[str, list[str], str]]:
    """(doc, features, label) for every candidate pair of every annotated article."""
    gazetteer = Gazetteer.default()
    docs = []
    for pair in pairs:
        gold_dir, text_dir = pair.split(":", 1)
        for file in sorted(os.listdir(gold_dir)):
            if file.endswith(".json"):
                gold = json.load(open(os.path.join(gold_dir, file), encoding="utf-8"))
                if gold["doc"] not in exclude and gold["doc"].removesuffix(".txt") not in exclude:
                    docs.append((gold, os.path.join(text_dir, gold["doc"])))
    firsts = {}
    for gold, path in docs:
        articles = ingest.split_articles(ingest.read_source(path), gold["doc"])
        firsts[gold["doc"]] = [recognise(a, gazetteer) for a in articles]
    short = corpus_short_names(fp for fps in firsts.values() for fp in fps)
    out = []
    for gold, _ in docs:
        canon = {}
        for e in gold["entities"]:
            for n in [e["name"], *e.get("aliases", [])]:
                canon.setdefault(norm(n), e["name"])
        stated: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for r in gold["relations"]:
            if r.get("source", "text") != "text":
                continue
            ev = norm(r.get("evidence") or "")
            stated.setdefault((r["subject"], r["object"]), []).append((r["predicate"], ev))
            if r["predicate"] in SYMMETRIC:
                stated.setdefault((r["object"], r["subject"]), []).append((r["predicate"], ev))
        for fp in firsts[gold["doc"]]:
            sentences = ingest.split_sentences(fp.article)
            ex = extract(fp, sentences, short, learned=False)
            text = fp.article.text
            whole = norm(text)
            by_pair = relate.index_facts(ex.facts)
            ms_all = relate.top_level(ex.mentions)
            for s in sentences:
                ms = [m for m in ms_all if s.start <= m.start and m.end <= s.end]
                if len(ms) < 2:
                    continue
                here = norm(text[s.start:s.end])
                for a, b, f in relate.pairs(text, s, ms, by_pair):
                    ca = canon.get(norm(a.name)) or canon.get(norm(a.text))
                    cb = canon.get(norm(b.name)) or canon.get(norm(b.text))
                    label = relate.NONE
                    for pred, ev in stated.get((ca, cb), ()):
                        if pred in relate.ALLOWED[a.label, b.label] and (not ev or ev in here or ev not in whole):
                            label = pred
                            break
                    out.append((gold["doc"], f, label))
    return out


def train(data, path: str) -> None:
    trainer = pycrfsuite.Trainer(verbose=False)
    for _, f, y in data:
        trainer.append([f], [y])
    trainer.set_params(PARAMS)
    trainer.train(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="+", help="GOLD_DIR:TEXT_DIR")
    parser.add_argument("--out", default=str(relate.MODEL))
    parser.add_argument("--exclude", nargs="*", default=[])
    args = parser.parse_args()
    clock = time.time()
    data = load(args.pairs, set(args.exclude))
    positive = sum(y != relate.NONE for _, _, y in data)
    print(f"{len(data)} candidate pairs, {positive} stated relations ({time.time() - clock:.1f}s)")
    train(data, args.out)
    print(f"model written to {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB, {time.time() - clock:.0f}s)")


if __name__ == "__main__":
    main()
