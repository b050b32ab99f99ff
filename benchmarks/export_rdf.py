"""Benchmark of `kg export rdf`: a synthetic graph of ≥ 1,000,000 triples in an embedded store.

    python benchmarks/export_rdf.py [--scale 1.0] [--formats nt,nquads] [--keep DIR]

Makes a graph shaped like the seeds' (companies, institutions, regions, parks, projects, industries,
people, documents; every relationship type, evidence sentences of Chinese text, quantities),
loads it into an embedded FalkorDB store in a temporary folder, then exports it in a fresh process
per format (so the peak memory is the exporter's own) and prints triples/s and peak RSS.
The time counts reading the store through Cypher and writing the file; starting the server
(replaying its append-only file) is reported apart.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SENTENCE = "{a}与{b}签署战略合作协议，双方将在{c}领域开展深度合作，推动项目尽快落地投产，预计年产值可达{n}亿元。"


def synthetic(scale: float, seed: int = 7):
    """(entities, relations, documents) records of the JSON Lines export, about 1.1M triples at scale 1."""
    rnd = random.Random(seed)
    n = {"Company": int(9000 * scale), "Institution": int(3000 * scale), "Region": int(800 * scale),
         "IndustrialPark": int(800 * scale), "Project": int(6000 * scale), "Industry": int(600 * scale),
         "Person": int(3000 * scale)}
    docs = [{"id": f"{i:03d}_{rnd.getrandbits(64):016x}.txt", "title": f"第{i}版 产业新闻"} for i in range(int(400 * scale) + 1)]
    for d in docs:
        d["name"] = d["id"]
    prefix = {"Company": "company", "Institution": "institution", "Region": "region", "IndustrialPark": "park",
              "Project": "project", "Industry": "industry", "Person": "person"}
    suffix = {"Company": "科技有限公司", "Institution": "研究院", "Region": "市", "IndustrialPark": "经济技术开发区",
              "Project": "生产基地项目", "Industry": "新材料", "Person": ""}
    levels = ["Province", "City", "County"]
    ids: dict[str, list[str]] = {}
    entities = []
    for label, count in n.items():
        ids[label] = []
        for i in range(count):
            eid = f"{prefix[label]}-{i:06x}{rnd.getrandbits(24):06x}"
            ids[label].append(eid)
            props: dict = {}
            if label == "Region":
                props = {"level": levels[i % 3], "adcode": f"{150000 + i:06d}"}
            elif label == "Institution":
                props = {"category": rnd.choice(["school", "research", "hospital", "government"])}
            elif label == "Project" and i % 2 == 0:
                props = {"investment_cny": rnd.randrange(10**6, 10**11), "investment_cny_text": "2.5亿元",
                         "capacity_kw": rnd.randrange(1000, 10**6), "capacity_kw_text": "10万千瓦"}
            name = f"内蒙古{label}{i}号{suffix[label]}"
            doc = docs[rnd.randrange(len(docs))]["id"]
            entities.append({"id": eid, "type": label, "name": name, "aliases": [f"{label}{i}号"] if i % 2 else [],
                             "properties": props, "mentions": [{"doc": doc, "start": i % 5000, "end": i % 5000 + 8}]})
    rels = []
    ends = [("LOCATED_IN", "Company", "IndustrialPark", 9000), ("LOCATED_IN", "Institution", "Region", 3000),
            ("LOCATED_IN", "Project", "IndustrialPark", 6000), ("PART_OF", "Region", "Region", 700),
            ("SUBSIDIARY_OF", "Company", "Company", 3000), ("DEVELOPS", "Company", "Project", 6000),
            ("COOPERATES_WITH", "Company", "Institution", 6000), ("SERVES", "Company", "Company", 3000),
            ("IN_INDUSTRY", "Company", "Industry", 12000), ("IN_INDUSTRY", "Project", "Industry", 6000),
            ("HOLDS_POSITION", "Person", "Company", 3000)]
    seen = set()
    for pred, sl, ol, count in ends:
        for _ in range(int(count * scale)):
            s, o = rnd.choice(ids[sl]), rnd.choice(ids[ol])
            if s == o or (s, pred, o) in seen:
                continue
            seen.add((s, pred, o))
            if pred == "PART_OF":
                rels.append({"subject": s, "predicate": pred, "object": o, "confidence": 1.0, "source": "gazetteer",
                             "rule": "gazetteer-parent", "evidence": []})
                continue
            ev = []
            for _ in range(1 + (rnd.random() < 0.3)):
                st = rnd.randrange(0, 20000)
                ev.append({"doc": rnd.choice(docs)["id"], "start": st, "end": st + 48,
                           "text": SENTENCE.format(a=s, b=o, c="稀土", n=rnd.randrange(1, 99))})
            r = {"subject": s, "predicate": pred, "object": o, "confidence": round(rnd.uniform(0.5, 1.0), 2),
                 "source": "text", "rule": "synthetic-" + pred.lower(), "evidence": ev}
            if pred == "HOLDS_POSITION":
                r["properties"] = {"title": rnd.choice(["董事长", "总经理", "院长", "局长"])}
            rels.append(r)
    return entities, rels, docs


def load(folder: Path, scale: float) -> dict:
    from kg.store import EmbeddedStore

    t = time.monotonic()
    entities, rels, docs = synthetic(scale)
    made = time.monotonic() - t
    t = time.monotonic()
    with EmbeddedStore(folder) as db:
        db.load(entities, rels, docs, batch_size=5000)
        counts = db.counts()
    return {"entities": len(entities), "relations": len(rels), "documents": len(docs),
            "generate_s": round(made, 1), "load_s": round(time.monotonic() - t, 1), "store": counts}


def _peak_rss() -> int:
    """This process's peak resident memory in bytes. VmHWM where there is /proc: ru_maxrss survives
    exec on Linux, so a child forked from the big parent would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def export_child(folder: str, fmt: str, output: str) -> None:
    """Runs in a fresh process: open the store, export, print the figures as JSON."""
    from kg.rdf import writer
    from kg.store import EmbeddedStore

    t0 = time.monotonic()
    with EmbeddedStore(folder, start_timeout=600) as db:
        started = time.monotonic() - t0
        t = time.monotonic()
        with open(output, "w", encoding="utf-8") as f:
            n = writer.write(db, f, fmt)
        seconds = time.monotonic() - t
    rss = _peak_rss()
    print(json.dumps({"format": fmt, "statements": n, "seconds": round(seconds, 2),
                      "per_second": round(n / seconds), "peak_rss_mb": round(rss / 2**20, 1),
                      "server_start_s": round(started, 1), "bytes": os.path.getsize(output)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="graph size (1.0: about 1.1 million triples)")
    ap.add_argument("--formats", default="nt,nquads", help="comma-separated formats to time")
    ap.add_argument("--keep", help="build the store in this folder and keep it (default: a temp folder)")
    ap.add_argument("--child", nargs=3, metavar=("STORE", "FORMAT", "OUTPUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        export_child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp) / "store"
        info = load(folder, args.scale)
        print(json.dumps(info, ensure_ascii=False))
        for fmt in args.formats.split(","):
            out = Path(tmp) / f"export.{fmt}"
            res = subprocess.run([sys.executable, __file__, "--child", str(folder), fmt, str(out)],
                                 check=True, capture_output=True, text=True)
            print(res.stdout.strip())
            out.unlink()


if __name__ == "__main__":
    main()
