"""The JSON Lines export of ../shared/kg-schema.md: entities.jsonl and relations.jsonl, and the
documents they point into, documents.jsonl (`kg.documents`)."""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from kg import documents


def entity_rows(g: nx.MultiDiGraph, mentions_as_tuples: bool = False):
    """The export's entity records; `mentions_as_tuples`: mentions as the graph holds them,
    (doc, start, end), which the loader also takes (a build hands them over without the dicts)."""
    for n, d in g.nodes(data=True):
        yield {"id": n, "type": d["label"], "name": d["name"], "aliases": d["aliases"], "properties": d["properties"],
               "mentions": d["mentions"] if mentions_as_tuples else
               [{"doc": doc, "start": s, "end": e} for doc, s, e in d["mentions"]]}


def relation_rows(g: nx.MultiDiGraph):
    for s, o, rel, d in g.edges(keys=True, data=True):
        row = {"subject": s, "predicate": rel, "object": o, "confidence": d["confidence"], "source": d["source"],
               "rule": d["rule"], "evidence": d["evidence"]}
        if d.get("properties"):
            row["properties"] = d["properties"]
        yield row


def write_jsonl(g: nx.MultiDiGraph, folder: Path) -> None:
    """Write the three files into `folder` (the caller makes the folder's contents appear at once)."""
    for name, rows in (("entities.jsonl", entity_rows(g)), ("relations.jsonl", relation_rows(g))):
        with open(folder / name, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    documents.write(g.graph.get("documents", []), folder)
