"""Reading a stored graph back through Cypher, page by page, for the RDF export.

Anything with `query(cypher, params) -> (columns, rows)` can be read: the embedded FalkorDB store
now, a Neo4j store later. Only Cypher both accept is used (`labels()`, `properties()`,
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
    return [props for _, props in _pages(store, DOCUMENTS, 1, None)]


def nodes(store: Queryable, labels=ENTITY_LABELS, page: int | None = None) -> Iterator[Node]:
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
    for a, d in _pages(store, MENTIONS, 2, page):
        yield str(a), str(d)


def relationships(store: Queryable, types=RELATION_TYPES, page: int | None = None) -> Iterator[Relationship]:
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
