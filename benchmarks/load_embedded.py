"""Load benchmark: a synthetic graph of the schema's shape into the embedded FalkorDB store.

    python benchmarks/load_embedded.py [--nodes 100000] [--relationships 300000] [--runs 3]

The graph: entities of every label in news-like proportions (Region ones with their level label),
each mentioned once in one of 2,000 documents (MENTIONED_IN with offsets), and typed relationships
whose ends respect kg.model.RELATION_ENDS, each with one evidence sentence (the loader's parallel
evidence lists), confidence, source and rule. Each run loads everything into a fresh store with
`EmbeddedStore.load` (the shared loader: schema, planning, parameter encoding, MERGE batches) and
is timed end to end. rows = nodes + documents + MENTIONED_IN + relationships. Reported: rows/s of
each run and the median; then the headline query (cypher/parks_companies.cypher) on the loaded
graph, median of five runs.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.model import RELATION_ENDS  # noqa: E402
from kg.query import resolve  # noqa: E402
from kg.store import EmbeddedStore  # noqa: E402

SHARE = {"Company": 0.25, "Institution": 0.15, "Person": 0.2, "Project": 0.15, "Industry": 0.05,
         "IndustrialPark": 0.05, "Region": 0.15}
REL_SHARE = {"LOCATED_IN": 0.3, "IN_INDUSTRY": 0.25, "PART_OF": 0.05, "DEVELOPS": 0.1, "COOPERATES_WITH": 0.1,
             "SERVES": 0.05, "SUBSIDIARY_OF": 0.05, "HOLDS_POSITION": 0.1}
LEVELS = ("Province", "City", "County")
DOCS = 2000


def synthetic(n_nodes: int, n_rels: int, seed: int = 42):
    rng = random.Random(seed)
    by_label: dict[str, list[str]] = {}
    entities = []
    labels = list(SHARE)
    counts = {l: int(n_nodes * SHARE[l]) for l in labels}
    counts["Company"] += n_nodes - sum(counts.values())
    for label in labels:
        ids = by_label.setdefault(label, [])
        for i in range(counts[label]):
            eid = f"{label.lower()}-{i:07d}"
            ids.append(eid)
            props = {}
            if label == "Region":
                props = {"level": LEVELS[i % 3], "adcode": f"{150000 + i:06d}"}
            elif label == "Project" and i % 3 == 0:
                props = {"investment_cny": rng.randrange(10**6, 10**11), "investment_cny_text": "12.5亿元"}
            elif label == "Institution":
                props = {"category": "university"}
            doc = f"{rng.randrange(DOCS):05d}_synthetic.txt"
            start = rng.randrange(10000)
            entities.append({"id": eid, "type": label, "name": f"{label}名称{i}", "aliases": [f"简称{i}"] if i % 4 == 0 else [],
                             "properties": props, "mentions": [{"doc": doc, "start": start, "end": start + 8}]})
    relations, seen = [], set()
    for rel, share in REL_SHARE.items():
        subjects, objects = RELATION_ENDS[rel]
        want = int(n_rels * share) if rel != "HOLDS_POSITION" else n_rels - len(relations)
        made = 0
        while made < want:
            s = rng.choice(by_label[rng.choice(subjects)])
            o = rng.choice(by_label[rng.choice(objects)])
            if s == o or (s, rel, o) in seen:
                continue
            seen.add((s, rel, o))
            doc = f"{rng.randrange(DOCS):05d}_synthetic.txt"
            start = rng.randrange(10000)
            r = {"subject": s, "predicate": rel, "object": o, "confidence": 0.8, "source": "text",
                 "rule": f"{rel.lower()}-rule",
                 "evidence": [{"doc": doc, "start": start, "end": start + 40, "text": "某公司在某开发区举行开工仪式，项目总投资12.5亿元。"}]}
            if rel == "HOLDS_POSITION":
                r["properties"] = {"title": "董事长"}
            relations.append(r)
            made += 1
    documents = [{"id": f"{d:05d}_synthetic.txt", "name": f"{d:05d}_synthetic.txt", "title": f"标题{d}"}
                 for d in range(DOCS)]
    return entities, relations, documents


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--relationships", type=int, default=300_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=2000)
    args = ap.parse_args(argv)

    t = time.perf_counter()
    entities, relations, documents = synthetic(args.nodes, args.relationships)
    print(f"synthetic graph: {len(entities)} nodes + {len(documents)} documents, {len(relations)} relationships "
          f"+ {len(entities)} MENTIONED_IN ({time.perf_counter() - t:.1f}s to make)")
    headline = resolve(str(ROOT / "cypher" / "parks_companies.cypher"))
    rates, query_times = [], []
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        for run in range(args.runs):
            with EmbeddedStore(Path(tmp) / f"run{run}", batch_size=args.batch_size) as db:
                t = time.perf_counter()
                sent = db.load(entities, relations, documents)
                took = time.perf_counter() - t
                rows = sent["nodes"] + sent["relationships"]
                rates.append(rows / took)
                print(f"run {run + 1}: {rows} rows in {took:.1f}s = {rows / took:,.0f} rows/s")
                if run == args.runs - 1:
                    counts = db.counts()
                    assert sum(counts["relationships"].values()) == rows - sent["nodes"], counts
                    for _ in range(5):
                        t = time.perf_counter()
                        _, result = db.query(headline.cypher)
                        query_times.append(time.perf_counter() - t)
    print(f"load: median {statistics.median(rates):,.0f} rows/s over {args.runs} runs "
          f"(min {min(rates):,.0f}, max {max(rates):,.0f})")
    print(f"headline query parks_companies: median {statistics.median(query_times) * 1000:.0f} ms "
          f"over 5 runs ({len(result)} parks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
