#!/usr/bin/env python3
"""Every relation rule on annotated articles: how often it fires, how often it is right, and in how
many documents it is right (a rule right in fewer than three documents fits particular sentences,
not the language: generalise it or remove it).

usage: python benchmarks/rules.py GOLD_DIR:TEXT_DIR [...]

Builds each TEXT_DIR with `kg build --no-store` (the shipped models) and judges the relations read
from text against GOLD_DIR with `kg eval`'s matching. `learned` is the relation classifier.
Note: the shipped models were trained on the development articles, so on those the learned rows
are optimistic; scripts/crossval.py gives the honest figure.
"""
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kg.evaluate import evaluate  # noqa: E402


def main() -> None:
    pairs = sys.argv[1:]
    if not pairs:
        sys.exit(__doc__)
    stats = defaultdict(lambda: [0, 0, set(), set()])   # fired, right, docs fired, docs right
    with tempfile.TemporaryDirectory() as tmp:
        for n, pair in enumerate(pairs):
            gold_dir, text_dir = pair.split(":", 1)
            out = os.path.join(tmp, f"out{n}")
            subprocess.run(["kg", "build", text_dir, "--out", out, "--no-store"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            report, _ = evaluate(Path(out), Path(gold_dir))
            for o in report["outcomes"]:
                row = stats[o["rule"], o["predicate"]]
                row[0] += 1
                row[1] += o["correct"]
                row[2].update(o["docs"])
                if o["correct"]:
                    row[3].update(o["docs"])
    print(f"{'rule':<26} {'relation':<16} {'fired':>6} {'right':>6} {'precision':>9} {'docs':>5} {'docs right':>10}")
    for (rule, pred), (fired, right, docs, docs_right) in sorted(stats.items(), key=lambda kv: -kv[1][0]):
        flag = "  suspect" if len(docs_right) < 3 else ""
        print(f"{rule:<26} {pred:<16} {fired:6d} {right:6d} {right / fired:9.2f} {len(docs):5d} {len(docs_right):10d}{flag}")


if __name__ == "__main__":
    main()
