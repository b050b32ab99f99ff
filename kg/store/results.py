"""What `Store.read` answers: the columns, JSON-safe rows and the graph the result holds, nodes
keyed by their `id` property with their labels, relationships by `subject|TYPE|object` with their
ends, the same from every store (a store's own node and relationship objects never leave it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from kg.schema import REGION_LEVELS


def json_safe(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, dict):
        return {str(k): json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return str(v)


def main_label(labels) -> str:
    """A node's label for colours and legends: Region for Region:City, the first otherwise."""
    labels = list(labels or [])
    for label in labels:
        if label not in REGION_LEVELS:
            return label
    return labels[0] if labels else ""


class Collector:
    """Gathers the nodes and relationships found in query results, keyed the way the page keys
    them: nodes by their `id` property, relationships by `subject|TYPE|object`."""

    def __init__(self):
        self.nodes: dict[str, dict] = {}
        self.edges: dict[str, dict] = {}
        self.internal: dict[Any, str] = {}     # store-internal node id → our id
        self.pending: list[tuple[Any, str, Any, dict]] = []  # edges whose ends were not seen yet

    def node(self, internal, labels, props: dict) -> dict:
        nid = str(props.get("id", f"_{internal}"))
        self.internal[internal] = nid
        if nid not in self.nodes:
            self.nodes[nid] = {"id": nid, "label": main_label(labels), "labels": list(labels),
                               "name": props.get("name", nid), "properties": json_safe(props)}
        return {"id": nid, "labels": list(labels), **json_safe(props)}

    def edge(self, src, rtype: str, dst, props: dict) -> dict:
        self.pending.append((src, rtype, dst, props))
        return {"type": rtype, **json_safe(props)}

    def resolve(self, lookup) -> None:
        """Turn pending relationships into edges; `lookup(internal ids)` names ends not in the
        result (returns {internal: node dict as from `node`})."""
        missing = {x for s, _, d, _ in self.pending for x in (s, d) if x not in self.internal}
        if missing:
            lookup(missing)
        for s, t, d, props in self.pending:
            a, b = self.internal.get(s), self.internal.get(d)
            if a is None or b is None:
                continue
            key = f"{a}|{t}|{b}"
            self.edges.setdefault(key, edge_record(a, t, b, props))
        self.pending = []


def edge_record(src: str, rtype: str, dst: str, props: dict) -> dict:
    return {"id": f"{src}|{rtype}|{dst}", "from": src, "to": dst, "type": rtype,
            "confidence": props.get("confidence"), "rule": props.get("rule"),
            "source": props.get("source"), "title": props.get("title")}


@dataclass
class ReadResult:
    """`Store.read`'s answer: `truncated` when more rows than asked for were left unread."""

    columns: list[str]
    rows: list[list]
    graph: Collector = field(default_factory=lambda: Collector())
    truncated: bool = False
