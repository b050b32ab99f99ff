#!/usr/bin/env python3
"""Train the name tagger (kg/extract/tagger.py) from annotated articles.

usage: train_tagger.py GOLD_DIR:TEXT_DIR [GOLD_DIR:TEXT_DIR ...] [--out MODEL] [--cv K] [--exclude DOC ...]

Each GOLD_DIR holds one <doc>.json per article in the gold format the README describes (entities
with their name and aliases); TEXT_DIR holds the articles themselves. The names are found in each
article's text (longest first, never inside a longer name), which gives the character labels; the
model learns from those and from nothing else. `--cv K` also prints K-fold cross-validated
precision and recall of the spans (folds by document), the figure that says how it does on
articles it has not seen. Training is deterministic (same data, same model).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter

import pycrfsuite

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from kg import ingest  # noqa: E402
from kg.extract import tagger  # noqa: E402
from kg.extract.article import rule_hints, rule_names  # noqa: E402
from kg.language.tokens import Tokens  # noqa: E402
from kg.gazetteer import Gazetteer  # noqa: E402

PARAMS = {"c1": 0.2, "c2": 0.01, "max_iterations": 200, "feature.possible_transitions": True}


def gold_names(gold: dict) -> dict[str, str]:
    """surface form → label, for the labels the tagger learns (regions only block).

    A form that is another entity's name followed by this one's (an owner before its project,
    a parent park before its park: X公司Y项目, A开发区B园区) is left out, so the text is labelled
    as the two names it is made of."""
    every = {n.strip() for e in gold["entities"] for n in [e["name"], *e.get("aliases", [])]}
    names = {}
    for e in gold["entities"]:
        label = e["type"] if e["type"] in tagger.LABELS else "Region"
        for n in [e["name"], *e.get("aliases", [])]:
            n = n.strip()
            if n != e["name"] and n.endswith(e["name"]) and n[:-len(e["name"])] in every:
                continue
            if len(n) >= 2:
                names.setdefault(n, label)
    return names


def label_text(text: str, names: dict[str, str]) -> list[str]:
    """B-/I-/O per character: every occurrence of a gold name, longest first, no overlaps."""
    labels = ["O"] * len(text)
    taken = [False] * len(text)
    for name in sorted(names, key=len, reverse=True):
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if not any(taken[start:end]):
                for k in range(start, end):
                    taken[k] = True
                lab = names[name]
                if lab != "Region":
                    labels[start] = "B-" + lab
                    for k in range(start + 1, end):
                        labels[k] = "I-" + lab
            start = text.find(name, end)
    return labels


def load(pairs: list[str], exclude: set[str]) -> list[tuple[str, list, list]]:
    """(doc, features, labels) for every article of every annotated document."""
    gazetteer = Gazetteer.default()
    out = []
    for pair in pairs:
        gold_dir, text_dir = pair.split(":", 1)
        for file in sorted(os.listdir(gold_dir)):
            if not file.endswith(".json"):
                continue
            gold = json.load(open(os.path.join(gold_dir, file), encoding="utf-8"))
            doc = gold["doc"]
            if doc in exclude or doc.removesuffix(".txt") in exclude:
                continue
            names = gold_names(gold)
            text = ingest.read_source(os.path.join(text_dir, doc))
            for a in ingest.split_articles(text, doc):
                toks = Tokens(a.text)
                regions, rule_found, _ = rule_names(a, gazetteer, toks)
                x = tagger.features(a.text, toks, regions, rule_hints(a.text, rule_found))
                out.append((doc, x, label_text(a.text, names)))
    return out


def train_crfsuite(data, path: str) -> None:
    trainer = pycrfsuite.Trainer(verbose=False)
    for _, x, y in data:
        trainer.append(x, y)
    trainer.set_params(PARAMS)
    trainer.train(path)


def train(data, path: str) -> None:
    """Train CRFsuite on `data` and write the model `tagger.Model` reads to `path`."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "tagger.crfsuite")
        train_crfsuite(data, raw)
        tagger.convert(raw, path)


def evaluate(data, path: str, counts: Counter) -> None:
    t = pycrfsuite.Tagger()
    t.open(path)
    for _, x, y in data:
        pred = set(tagger.spans(t.tag(x)))
        gold = set(tagger.spans(y))
        for s in pred:
            counts[s[2], "pred"] += 1
            counts[s[2], "tp"] += s in gold
        for s in gold:
            counts[s[2], "gold"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="+", help="GOLD_DIR:TEXT_DIR")
    parser.add_argument("--out", default=str(tagger.MODEL))
    parser.add_argument("--cv", type=int, default=0)
    parser.add_argument("--exclude", nargs="*", default=[])
    args = parser.parse_args()
    clock = time.time()
    data = load(args.pairs, set(args.exclude))
    print(f"{len(data)} articles, {sum(len(y) for _, _, y in data)} characters ({time.time() - clock:.1f}s)")
    if args.cv:
        docs = sorted({d for d, _, _ in data})
        counts = Counter()
        with tempfile.TemporaryDirectory() as tmp:
            for k in range(args.cv):
                held = set(docs[k::args.cv])
                path = os.path.join(tmp, f"cv{k}.crfsuite")
                train_crfsuite([d for d in data if d[0] not in held], path)
                evaluate([d for d in data if d[0] in held], path, counts)
        for lab in tagger.LABELS + ("ALL",):
            tp = sum(v for (l, k), v in counts.items() if k == "tp" and (l == lab or lab == "ALL"))
            pr = sum(v for (l, k), v in counts.items() if k == "pred" and (l == lab or lab == "ALL"))
            go = sum(v for (l, k), v in counts.items() if k == "gold" and (l == lab or lab == "ALL"))
            p, r = tp / pr if pr else 0, tp / go if go else 0
            f = 2 * p * r / (p + r) if p + r else 0
            print(f"{lab:<16} P {p:.3f} R {r:.3f} F1 {f:.3f} (pred {pr}, gold {go})")
    train(data, args.out)
    print(f"model written to {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB, {time.time() - clock:.0f}s)")


if __name__ == "__main__":
    main()
