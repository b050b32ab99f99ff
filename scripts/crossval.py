#!/usr/bin/env python3
"""Cross-validated quality of the whole build: what `kg` does on articles its model never saw.

usage: crossval.py GOLD_DIR:TEXT_DIR [...] --score SCORE_PY [--folds 5] [--work DIR] [--reuse-models]

The documents of all pairs are split into K folds (sorted by name, every K-th document); for each
fold the tagger is trained on the other folds (scripts/train_tagger.py), the fold's articles are
built with `kg build --no-store` using that model, and the K exports are merged (ids prefixed by
fold) and scored by SCORE_PY (the gold scorer) against each GOLD_DIR. This is the honest figure for
unseen news; scoring the shipped model on its own training articles is not.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import train_tagger  # noqa: E402  (scripts/ is on sys.path when run as a script)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="+")
    parser.add_argument("--score", required=True, help="path of the gold scorer (score.py)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--work", default="/tmp/kg-crossval")
    parser.add_argument("--reuse-models", action="store_true", help="keep fold taggers from a previous run")
    args = parser.parse_args()
    docs = []   # (doc, gold_dir, text_dir)
    for pair in args.pairs:
        gold_dir, text_dir = pair.split(":", 1)
        for f in sorted(os.listdir(gold_dir)):
            if f.endswith(".json"):
                docs.append((json.load(open(os.path.join(gold_dir, f), encoding="utf-8"))["doc"], gold_dir, text_dir))
    docs.sort()
    merged = os.path.join(args.work, "merged")
    os.makedirs(merged, exist_ok=True)
    outs = {"entities.jsonl": [], "relations.jsonl": []}
    for k in range(args.folds):
        held = docs[k::args.folds]
        fold = os.path.join(args.work, f"fold{k}")
        model = os.path.join(args.work, f"fold{k}.npz")
        if not (args.reuse_models and os.path.exists(model)):
            # loaded per fold: the swapped copies must draw their names from the training folds only
            train_tagger.train(train_tagger.load(args.pairs, {d for d, _, _ in held}), model)
        shutil.rmtree(fold, ignore_errors=True)
        os.makedirs(os.path.join(fold, "in"))
        for doc, _, text_dir in held:
            shutil.copy(os.path.join(text_dir, doc), os.path.join(fold, "in", doc))
        env = dict(os.environ, KG_TAGGER_MODEL=model)
        subprocess.run([sys.executable, "-m", "kg.cli", "build", os.path.join(fold, "in"), "--out", os.path.join(fold, "out"), "--no-store",
                        "--workers", "1"], env=env, check=False, stdout=subprocess.DEVNULL)
        for name, rows in outs.items():
            with open(os.path.join(fold, "out", name), encoding="utf-8") as f:
                for line in f:
                    r = json.loads(line)
                    for key in ("id", "subject", "object"):
                        if key in r:
                            r[key] = f"f{k}-{r[key]}"
                    rows.append(json.dumps(r, ensure_ascii=False))
    for name, rows in outs.items():
        with open(os.path.join(merged, name), "w", encoding="utf-8") as f:
            f.write("\n".join(rows) + "\n")
    for pair in args.pairs:
        gold_dir = pair.split(":", 1)[0]
        print(f"== {gold_dir}")
        subprocess.run([sys.executable, args.score, merged, gold_dir], check=False)


if __name__ == "__main__":
    main()
