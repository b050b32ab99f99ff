"""`kg eval GOLD_DIR [--graph DIR]`: precision, recall and F1 of a built graph against articles a
user annotated, per entity type and per relation type, with the errors.

The gold format (one `<article>.json` per annotated article, documented in the README):

    {"doc": "a.txt",
     "entities": [{"type": "Company", "name": "…", "aliases": ["…"]}],
     "relations": [{"subject": "…", "predicate": "LOCATED_IN", "object": "…",
                    "source": "text" | "gazetteer", "evidence": "…"}]}

Matching: names compare after NFKC folding, removal of white space and lower-casing; a predicted
entity matches the gold entity one of whose names equals one of its names (gold entities sharing a
name across articles are one); a relation matches when both ends match and the type is the same
(COOPERATES_WITH either way round). Only predictions mentioned in (or, for relations, evidenced
in) an annotated article count.
"""
from __future__ import annotations

import json
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from kg.schema import SYMMETRIC

SCORED = ("Company", "Institution", "Region", "IndustrialPark", "Project", "Person")


class GoldError(Exception):
    """A gold file that cannot be read: the message names the file and the problem."""


def norm(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


def _names(e: dict) -> set[str]:
    return {norm(n) for n in [e.get("name", ""), *(e.get("aliases") or [])] if n}


def read_gold(gold_dir: Path) -> tuple[list[dict], list[dict]]:
    entities, relations = [], []
    files = sorted(gold_dir.glob("*.json"))
    if not files:
        raise GoldError(f"{gold_dir}: no gold file (*.json) there")
    for f in files:
        try:
            gold = json.loads(f.read_text(encoding="utf-8"))
            doc = gold["doc"]
            for e in gold["entities"]:
                if not e.get("type") or not e.get("name"):
                    raise GoldError(f"{f}: an entity without type or name: {e}")
                entities.append(dict(e, doc=doc))
            for r in gold.get("relations", []):
                if not all(r.get(k) for k in ("subject", "predicate", "object")):
                    raise GoldError(f"{f}: a relation without subject, predicate or object: {r}")
                relations.append(dict(r, doc=doc))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise GoldError(f"{f}: not JSON: {err}") from None
        except (KeyError, TypeError) as err:
            raise GoldError(f"{f}: not in the gold format (missing {err})") from None
    return entities, relations


def _jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        raise GoldError(f"{path}: missing (build the graph first: kg build PATH --out DIR)")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise GoldError(f"{path}:{number}: not JSON: {err}") from None
    return rows


def _prf(tp_pred: int, n_pred: int, tp_gold: int, n_gold: int) -> dict:
    p = tp_pred / n_pred if n_pred else 0.0
    r = tp_gold / n_gold if n_gold else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "predicted": n_pred, "gold": n_gold}


def evaluate(graph: Path, gold_dir: Path) -> tuple[dict, dict]:
    """(report, errors): report["entities"][type], report["relations"][type] and the "ALL" rows;
    report["outcomes"]: every relation read from text with its rule and whether the gold has it."""
    gold_entities, gold_relations = read_gold(gold_dir)
    docs = {e["doc"] for e in gold_entities} | {r["doc"] for r in gold_relations}
    # gold clusters: entities sharing a name are one
    cluster_of: dict[str, int] = {}
    clusters: list[tuple[str, str, set[str]]] = []   # (type, canonical name, names)
    for e in gold_entities:
        names = _names(e)
        hits = sorted({cluster_of[n] for n in names if n in cluster_of})
        if hits:
            cid = hits[0]
            clusters[cid][2].update(names)
        else:
            cid = len(clusters)
            clusters.append((e["type"], e["name"], set(names)))
        for n in clusters[cid][2]:
            cluster_of[n] = cid
    predicted = {e["id"]: e for e in _jsonl(graph / "entities.jsonl")}
    in_scope = {i for i, e in predicted.items() if any(m.get("doc") in docs for m in e.get("mentions") or [])}
    match = {i: min((cluster_of[n] for n in _names(predicted[i]) if n in cluster_of), default=None) for i in in_scope}
    report: dict = {"entities": {}, "relations": {}, "outcomes": []}
    errors: dict = defaultdict(list)
    totals = [0, 0, 0, 0]
    for t in SCORED:
        preds = [i for i in in_scope if predicted[i].get("type") == t]
        right = [i for i in preds if (c := match[i]) is not None and clusters[c][0] == t]
        gold_ids = [c for c, cl in enumerate(clusters) if cl[0] == t]
        found = {match[i] for i in right}
        row = (len(right), len(preds), len(found & set(gold_ids)), len(gold_ids))
        report["entities"][t] = _prf(*row)
        totals = [a + b for a, b in zip(totals, row)]
        errors["entity false positives"] += [f"{t}\t{predicted[i]['name']}" for i in preds if i not in right]
        errors["entity misses"] += [f"{t}\t{clusters[c][1]}" for c in gold_ids if c not in found]
    report["entities"]["ALL"] = _prf(*totals)

    def key(s, p, o):
        if s is None or o is None:
            return None
        return (min(s, o), p, max(s, o)) if p in SYMMETRIC else (s, p, o)

    gold_keys = set()
    for r in gold_relations:
        if r.get("source", "text") == "text":
            k = key(cluster_of.get(norm(r["subject"])), r["predicate"], cluster_of.get(norm(r["object"])))
            if k:
                gold_keys.add(k)
    # precision: the relations read from text; recall: the gold's text relations, found by any
    # relation (one the division table gives counts as found)
    pred_keys: set[tuple] = set()
    known: set[tuple] = set()
    unmatched: list = []
    outcomes: list = []
    for r in _jsonl(graph / "relations.jsonl"):
        if r.get("subject") not in predicted or r.get("object") not in predicted:
            continue
        if r.get("source", "text") != "text":
            if r["subject"] in in_scope and r["object"] in in_scope:
                known.add(key(match.get(r["subject"]), r["predicate"], match.get(r["object"])))
            continue
        if not {ev.get("doc") for ev in r.get("evidence") or []} & docs:
            continue
        k = key(match.get(r["subject"]), r["predicate"], match.get(r["object"]))
        outcomes.append({"rule": r.get("rule", ""), "predicate": r["predicate"], "correct": k in gold_keys,
                         "docs": sorted({ev.get("doc") for ev in r.get("evidence") or []} & docs)})
        if k is None:
            unmatched.append((r["predicate"], f"{predicted[r['subject']]['name']} -> {predicted[r['object']]['name']}"))
        else:
            pred_keys.add(k)
    types = sorted({k[1] for k in gold_keys | pred_keys} | {p for p, _ in unmatched})
    totals = [0, 0, 0, 0]
    for p in types:
        said = {k for k in pred_keys if k[1] == p}
        n_unmatched = sum(u[0] == p for u in unmatched)
        golds = {k for k in gold_keys if k[1] == p}
        row = (len(said & golds), len(said) + n_unmatched, len(golds & (said | known)), len(golds))
        report["relations"][p] = _prf(*row)
        totals = [a + b for a, b in zip(totals, row)]
    report["relations"]["ALL"] = _prf(*totals)
    report["outcomes"] = outcomes     # each relation read from text: its rule, and whether it is right
    name = lambda c: clusters[c][1]  # noqa: E731
    errors["relation false positives"] += [f"{k[1]}\t{name(k[0])} -> {name(k[2])}" for k in pred_keys - gold_keys]
    errors["relation false positives"] += [f"{p}\t{text}  (an end is no gold entity)" for p, text in unmatched]
    errors["relation misses"] += [f"{k[1]}\t{name(k[0])} -> {name(k[2])}" for k in gold_keys - pred_keys - known]
    return report, errors


def _cmd_eval(args) -> int:
    try:
        report, errors = evaluate(Path(args.graph), Path(args.gold_dir))
    except GoldError as err:
        print(f"kg eval: {err}", file=sys.stderr)
        return 2
    if args.json:
        report.pop("outcomes")
        print(json.dumps({"report": report, "errors": errors if args.errors else {}}, ensure_ascii=False, indent=1))
        return 0
    for part in ("entities", "relations"):
        print(f"{part:<18} {'P':>6} {'R':>6} {'F1':>6} {'predicted':>10} {'gold':>6}")
        for t, m in report[part].items():
            print(f"  {t:<16} {m['p']:6.3f} {m['r']:6.3f} {m['f1']:6.3f} {m['predicted']:10d} {m['gold']:6d}")
    if args.errors:
        for kind, rows in errors.items():
            print(f"\n{kind} ({len(rows)})")
            for row in sorted(rows)[:args.errors]:
                print("  " + row)
    return 0


def register(sub) -> None:
    e = sub.add_parser("eval", help="score a built graph against annotated articles (precision, recall, F1)")
    e.add_argument("gold_dir", help="folder of <article>.json gold files (format: see the README)")
    e.add_argument("--graph", default="out", help="the built graph's folder (default: out/)")
    e.add_argument("--errors", type=int, default=0, metavar="N", help="list up to N errors of each kind")
    e.add_argument("--json", action="store_true", help="print the report as JSON")
    e.set_defaults(func=_cmd_eval)
