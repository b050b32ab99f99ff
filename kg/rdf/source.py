"""Reading a graph back for the RDF export: from a store through Cypher, page by page, or from a
build's export files (`ExportGraph`: a `--no-store` build, read as the store would hold it).

Anything with `query(cypher, params) -> (columns, rows)` can be read: the embedded FalkorDB store
or Neo4j. Only Cypher both accept is used (`labels()`, `properties()`,
`ORDER BY … LIMIT`, parameters). Pages are keyed on ids (`WHERE n.id > $after`), not SKIP, so
each page costs the same and memory holds one page at a time; the order (by label, then id) makes
the export of the same graph the same bytes every time.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterator, Protocol

from kg.schema import ENTITY_LABELS, RELATION_TYPES

PAGE = 5000


class Queryable(Protocol):
    def query(self, cypher: str, params: dict | None = None) -> tuple[list[str], list[list]]: ...


@dataclass
class Node:
    id: str
    label: str                       # the schema label (Region, not its level)
    labels: list[str]
    name: str
    aliases: list[str]
    properties: dict                 # every other stored property (flattened, as the store has them)


@dataclass
class Evidence:
    doc: str                         # the source file's name
    start: int
    end: int
    text: str


@dataclass
class Relationship:
    subject: str
    type: str
    object: str
    confidence: float | None
    source: str
    rule: str
    evidence: list[Evidence] = field(default_factory=list)
    properties: dict = field(default_factory=dict)  # e.g. HOLDS_POSITION's title


def _pages(store: Queryable, cypher: str, keys: int, page: int | None) -> Iterator[list]:
    """Rows of `cypher` (which takes $a, $b, $limit and returns its `keys` sort keys first)."""
    page = page or PAGE
    after = [""] * keys
    while True:
        params = {"a": after[0], "b": after[-1], "limit": page}
        _, rows = store.query(cypher, params)
        yield from rows
        if len(rows) < page:
            return
        after = [str(v) for v in rows[-1][:keys]]


DOCUMENTS = "MATCH (d:Document) WHERE d.id > $a RETURN d.id, properties(d) ORDER BY d.id LIMIT $limit"
MENTIONS = ("MATCH (a)-[:MENTIONED_IN]->(d:Document) WHERE a.id > $a OR (a.id = $a AND d.id > $b) "
            "RETURN a.id, d.id ORDER BY a.id, d.id LIMIT $limit")


def nodes_cypher(label: str) -> str:
    return (f"MATCH (n:`{label}`) WHERE n.id > $a RETURN n.id, labels(n), properties(n) "
            f"ORDER BY n.id LIMIT $limit")


def relationships_cypher(rel_type: str) -> str:
    return (f"MATCH (a)-[r:`{rel_type}`]->(b) WHERE a.id > $a OR (a.id = $a AND b.id > $b) "
            f"RETURN a.id, b.id, properties(r) ORDER BY a.id, b.id LIMIT $limit")


def all_cypher() -> dict[str, str]:
    """Every statement the export sends, by name (the Neo4j linter checks them)."""
    out = {"documents": DOCUMENTS, "mentions": MENTIONS}
    out.update({f"nodes {label}": nodes_cypher(label) for label in ENTITY_LABELS})
    out.update({f"relationships {t}": relationships_cypher(t) for t in RELATION_TYPES})
    return out


def documents(store: Queryable) -> list[dict]:
    """Every Document node's properties (few: one per source file), by id."""
    if isinstance(store, ExportGraph):
        return store.documents()
    return [props for _, props in _pages(store, DOCUMENTS, 1, None)]


def nodes(store: Queryable, labels=ENTITY_LABELS, page: int | None = None) -> Iterator[Node]:
    if isinstance(store, ExportGraph):
        yield from store.nodes(labels)
        return
    for label in labels:
        cypher = nodes_cypher(label)
        for nid, node_labels, props in _pages(store, cypher, 1, page):
            props = dict(props)
            name = props.pop("name", "") or ""
            aliases = props.pop("aliases", None) or []
            props.pop("id", None)
            yield Node(str(nid), label, list(node_labels), str(name), [str(a) for a in aliases], props)


def mentions(store: Queryable, page: int | None = None) -> Iterator[tuple[str, str]]:
    """(entity id, document id) of every MENTIONED_IN relationship."""
    if isinstance(store, ExportGraph):
        yield from store.mentions()
        return
    for a, d in _pages(store, MENTIONS, 2, page):
        yield str(a), str(d)


def relationships(store: Queryable, types=RELATION_TYPES, page: int | None = None) -> Iterator[Relationship]:
    if isinstance(store, ExportGraph):
        yield from store.relationships(types)
        return
    for rel_type in types:
        for a, b, props in _pages(store, relationships_cypher(rel_type), 2, page):
            yield _relationship(str(a), rel_type, str(b), dict(props))


def _relationship(s: str, rel_type: str, o: str, props: dict) -> Relationship:
    docs = props.pop("evidence_docs", None) or []
    starts = props.pop("evidence_starts", None) or []
    ends = props.pop("evidence_ends", None) or []
    texts = props.pop("evidence_texts", None) or []
    evidence = [Evidence(str(d), int(st), int(en), str(tx)) for d, st, en, tx in zip(docs, starts, ends, texts)]
    confidence = props.pop("confidence", None)
    source = str(props.pop("source", "") or "")
    rule = str(props.pop("rule", "") or "")
    # The export's `properties` object (HOLDS_POSITION's title) is stored as its JSON text.
    extra = props.pop("properties", None)
    if isinstance(extra, str):
        try:
            extra = json.loads(extra)
        except ValueError:
            extra = {"properties": extra}
    if isinstance(extra, dict):
        props = {**extra, **props}
    return Relationship(s, rel_type, o, None if confidence is None else float(confidence), source, rule,
                        evidence, props)


class ExportGraph:
    """A built graph folder read from its export (entities.jsonl, relations.jsonl, documents.jsonl)
    exactly as a store loaded from it answers `documents`, `nodes`, `mentions` and
    `relationships`: the same records, properties and order (the loader's own row planning,
    `kg.store.statements`, makes them), so the RDF of a `--no-store` build is the RDF of its store,
    byte for byte (tested). It holds the graph in memory, where a store is read a page at a time."""

    def __init__(self, folder):
        from kg.documents import node_properties
        from kg.store import statements as st
        from kg.store.base import read_export

        entities, relations, docs = read_export(folder)
        doc_rows, doc_id_by_file = st._document_rows(node_properties(d) for d in docs)
        node_rows, label_of = st._entity_rows(entities, doc_id_by_file, doc_rows)
        self._documents = sorted(({**r["props"], "id": r["id"]} for r in doc_rows), key=lambda d: d["id"])
        self._nodes: dict[str, list[Node]] = {}
        self._mentions: list[tuple[str, str]] = []
        for (label, extra), rows in node_rows.items():
            for r in rows:
                props = dict(r["props"])
                name = props.pop("name", "") or ""
                self._nodes.setdefault(label, []).append(
                    Node(r["id"], label, [label] + ([extra] if extra else []), str(name), r["aliases"], props))
                self._mentions += [(r["id"], m[0]) for m in r["mentions"]]
        for found in self._nodes.values():
            found.sort(key=lambda n: n.id)
        self._mentions.sort()
        self._relationships: dict[str, list[Relationship]] = {}
        for (s, rel_type, o), recs in sorted(st._group_relations(relations).items()):
            if s in label_of and o in label_of:        # a store's MATCH skips a missing end
                props, spans = st._relation_props(recs)
                self._relationships.setdefault(rel_type, []).append(_relationship(s, rel_type, o, {**props, **spans}))
        for found in self._relationships.values():
            found.sort(key=lambda r: (r.subject, r.object))

    def documents(self) -> list[dict]:
        return self._documents

    def nodes(self, labels=ENTITY_LABELS) -> Iterator[Node]:
        for label in labels:
            yield from self._nodes.get(label, ())

    def mentions(self) -> Iterator[tuple[str, str]]:
        return iter(self._mentions)

    def relationships(self, types=RELATION_TYPES) -> Iterator[Relationship]:
        for t in types:
            yield from self._relationships.get(t, ())
