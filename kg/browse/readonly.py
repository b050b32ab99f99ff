"""Read-only Cypher for the browser: a keyword check on the query's text, then a store path that
cannot write either (FalkorDB's GRAPH.RO_QUERY, a Neo4j read transaction), so the page never
changes the graph whatever it sends.

`check_read_only(cypher)` raises `WriteRefused` with a message for the page;
`ReadOnlyRunner(store).run(cypher, params)` returns columns, JSON-safe rows and the graph the
result holds (nodes with their labels, relationships with their ends).
"""
from __future__ import annotations

import re

from kg.store.base import Store, StoreError, TooLarge, WriteRefused
from kg.store.results import Collector, edge_record, json_safe, main_label

# Clauses and procedures that change the graph or reach outside it.
_WRITE_WORDS = re.compile(
    r"(?<![\w.$`])(CREATE|MERGE|SET|DETACH\s+DELETE|DELETE|REMOVE|DROP|FOREACH|LOAD\s+CSV|ALTER|RENAME|GRANT|DENY|REVOKE"
    r"|START\s+DATABASE|STOP\s+DATABASE|TERMINATE|USE)(?![\w`])", re.I)
_CALL = re.compile(r"(?<![\w.$`])CALL\s*(\{|[\w.`]+)", re.I)
# Procedures that only read (FalkorDB's and Neo4j's schema listings, full-text search).
_READ_PROCEDURES = {
    "db.labels", "db.relationshiptypes", "db.propertykeys", "db.indexes", "db.constraints",
    "db.schema.visualization", "db.schema.nodetypeproperties", "db.schema.reltypeproperties",
    "db.idx.fulltext.querynodes", "db.index.fulltext.querynodes", "db.index.fulltext.queryrelationships",
    "dbms.components", "algo.bfs",
}


class TooComplex(ValueError):
    """The query (or its parameters) is longer or more deeply nested than the browser sends on."""


MAX_QUERY_CHARS = 20_000
MAX_NESTING = 12          # ( [ { inside one another: FalkorDB's parser takes ~4x longer per two more
MAX_PARAMS_CHARS = 100_000


def check_bounds(cypher: str, params: dict | None = None) -> None:
    """Raise TooComplex for a query the store should not be asked to parse: over MAX_QUERY_CHARS,
    brackets nested deeper than MAX_NESTING (FalkorDB took 21 s to parse `((…1…))` 22 deep, and
    never finished 1,000 deep), or parameters too long or too deep."""
    if len(cypher) > MAX_QUERY_CHARS:
        raise TooComplex(f"the query is {len(cypher):,} characters long; the browser sends at most {MAX_QUERY_CHARS:,}")
    depth = most = 0
    for c in strip_literals(cypher):
        if c in "([{":
            depth += 1
            most = max(most, depth)
        elif c in ")]}":
            depth = max(0, depth - 1)
    if most > MAX_NESTING:
        raise TooComplex(f"the query nests brackets {most} deep; the browser sends at most {MAX_NESTING}")
    if params:
        import json

        text = json.dumps(params, ensure_ascii=False, default=str)
        if len(text) > MAX_PARAMS_CHARS:
            raise TooComplex(f"the parameters are {len(text):,} characters long; at most {MAX_PARAMS_CHARS:,}")
        depth = most = 0
        for c in text:                      # JSON's brackets (inside strings too: a bound, not a parse)
            if c in "[{":
                depth += 1
                most = max(most, depth)
            elif c in "]}":
                depth -= 1
        if most > MAX_NESTING:
            raise TooComplex(f"the parameters nest {most} deep; at most {MAX_NESTING}")


def strip_literals(cypher: str) -> str:
    """The query with string literals, comments and backtick-quoted names blanked out, so a
    keyword inside '…' or `…` is not mistaken for a clause."""
    out, i, n = [], 0, len(cypher)
    while i < n:
        c = cypher[i]
        if c in "'\"`":
            j = i + 1
            while j < n and cypher[j] != c:
                j += 2 if cypher[j] == "\\" and c != "`" else 1
            out.append(c + " " * max(0, min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        elif cypher.startswith("//", i):
            j = cypher.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif cypher.startswith("/*", i):
            j = cypher.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def check_read_only(cypher: str) -> None:
    """Raise WriteRefused unless `cypher` is one statement that only reads."""
    text = strip_literals(cypher)
    if not text.strip():
        raise WriteRefused("the query is empty")
    if ";" in text.strip().rstrip(";"):
        raise WriteRefused("one statement at a time, please (the query holds a `;` between statements)")
    m = _WRITE_WORDS.search(text)
    if m:
        word = " ".join(m.group(1).upper().split())
        raise WriteRefused(f"refused: {word} would change the graph, and the browser only reads it "
                           "(use `kg build` / `kg load` to change the graph)")
    for m in _CALL.finditer(text):
        proc = m.group(1).replace("`", "").lower()
        if proc == "{":
            continue  # a subquery: its clauses were checked above
        if proc not in _READ_PROCEDURES:
            raise WriteRefused(f"refused: CALL {m.group(1)} is not a procedure the browser knows to be "
                               f"read-only (allowed: {', '.join(sorted(_READ_PROCEDURES))})")


class ReadOnlyRunner:
    """Runs the page's Cypher: refused here if it is too long, too deep or would write, then sent
    through the store's own read-only path (`Store.read`), which keeps node labels and
    relationship ends (which `Store.query`'s plain values drop)."""

    def __init__(self, store: Store, timeout_ms: int = 15000):
        self.store = store
        self.timeout_ms = timeout_ms

    def run(self, cypher: str, params: dict | None = None, max_rows: int = 10000):
        """(columns, rows, Collector, truncated) of a read-only query; WriteRefused for a write,
        TooComplex for a query too long or too deeply nested to send."""
        check_bounds(cypher, params)
        check_read_only(cypher)
        r = self.store.read(cypher, params, max_rows=max_rows, timeout_ms=int(self.timeout_ms))
        return r.columns, r.rows, r.graph, r.truncated


_json_safe = json_safe

__all__ = ["Collector", "ReadOnlyRunner", "edge_record", "json_safe", "StoreError", "TooComplex", "TooLarge", "WriteRefused", "check_bounds", "check_read_only", "main_label",
           "strip_literals"]
