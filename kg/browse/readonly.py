"""Read-only Cypher for the browser: a keyword check on the query's text, then a store path that
cannot write either (FalkorDB's GRAPH.RO_QUERY, a Neo4j read transaction), so the page never
changes the graph whatever it sends.

`check_read_only(cypher)` raises `WriteRefused` with a message for the page;
`ReadOnlyRunner(store).run(cypher, params)` returns columns, JSON-safe rows and the graph the
result holds (nodes with their labels, relationships with their ends).
"""
from __future__ import annotations

import math
import re
from typing import Any

from kg.schema import REGION_LEVELS
from kg.store.base import Store, StoreError

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


class WriteRefused(ValueError):
    """The query would change the graph (or could not be shown to be read-only)."""


class TooComplex(ValueError):
    """The query (or its parameters) is longer or more deeply nested than the browser sends on."""


class TooLarge(ValueError):
    """The answer is larger than the browser reads (MAX_ANSWER_BYTES): reading stopped there."""


MAX_ANSWER_BYTES = 16 << 20     # of a store's reply: reading stops past it (the page gets at most 16 MB too)


class _Resp:
    """A RESP2 reply read from a socket into a buffer of at most `budget` bytes (TooLarge past
    it): `skip` walks a value without making Python objects of it (reading as it goes), `value`
    makes the objects of a value already read, shaped as redis-py gives them with
    decode_responses (errors inside arrays as ResponseError objects)."""

    def __init__(self, sock, budget: int):
        self.sock, self.budget, self.buf = sock, budget, bytearray()

    def _more(self) -> None:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise StoreError("the store closed the connection in the middle of an answer")
        self.buf += chunk
        if len(self.buf) > self.budget:
            raise TooLarge(f"the answer is over {self.budget >> 20} MB, the most the browser reads; "
                           "add LIMIT or return less")

    def _line(self, pos: int) -> tuple[bytes, int]:
        start = pos
        while True:
            i = self.buf.find(b"\r\n", start)
            if i >= 0:
                return bytes(self.buf[pos:i]), i + 2
            start = max(pos, len(self.buf) - 1)
            self._more()

    def skip(self, pos: int) -> int:
        line, pos = self._line(pos)
        kind, n = line[:1], line[1:]
        if kind == b"$" and int(n) >= 0:
            while len(self.buf) < pos + int(n) + 2:
                self._more()
            return pos + int(n) + 2
        if kind == b"*":
            for _ in range(max(int(n), 0)):
                pos = self.skip(pos)
        return pos

    def header(self, pos: int) -> tuple[int, int]:
        """(element count, position after the header) of the array at `pos`."""
        line, pos = self._line(pos)
        if line[:1] != b"*":
            raise StoreError(f"unexpected answer from the store: {line[:80]!r}")
        return int(line[1:]), pos

    def value(self, pos: int):
        from redis.exceptions import ResponseError

        i = self.buf.index(b"\r\n", pos)
        kind, rest, pos = self.buf[pos:pos + 1], bytes(self.buf[pos + 1:i]), i + 2
        if kind == b"+":
            return rest.decode("utf-8", "replace"), pos
        if kind == b"-":
            return ResponseError(rest.decode("utf-8", "replace")), pos
        if kind == b":":
            return int(rest), pos
        n = int(rest)
        if kind == b"$":
            return (None, pos) if n < 0 else (bytes(self.buf[pos:pos + n]).decode("utf-8", "replace"), pos + n + 2)
        if n < 0:
            return None, pos
        out = []
        for _ in range(n):
            v, pos = self.value(pos)
            out.append(v)
        return out, pos


def _ro_query_bounded(socket_path: str, graph, text: str, timeout_ms: int, max_rows: int,
                      budget: int = MAX_ANSWER_BYTES):
    """GRAPH.RO_QUERY `text` (compact) on FalkorDB's socket, its reply read no further than
    `max_rows` rows and `budget` bytes (TooLarge past it): a query answering millions of rows or
    one huge value costs the browser at most that much memory, not the whole answer. Returns
    (falkordb QueryResult, more rows than max_rows)."""
    import socket

    from falkordb.query_result import QueryResult
    from redis.exceptions import ResponseError

    args = [b"GRAPH.RO_QUERY", graph.name.encode(), text.encode("utf-8"), b"--compact", b"timeout", str(timeout_ms).encode()]
    command = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_ms / 1000 + 30)
        sock.connect(socket_path)
        sock.sendall(command)
        r = _Resp(sock, budget)
        if r._line(0)[0][:1] != b"*":                                  # an error
            r.skip(0)
            reply = r.value(0)[0]
            raise reply if isinstance(reply, ResponseError) else StoreError(f"unexpected answer from the store: {reply!r:.80}")
        n, pos = r.header(0)
        if n != 3:                                                     # [statistics] or an error
            r.skip(0)
            return QueryResult(graph, r.value(0)[0]), False
        header_at = pos
        rows_at = r.skip(header_at)
        count, pos = r.header(rows_at)
        starts = []
        for _ in range(min(count, max_rows)):
            starts.append(pos)
            pos = r.skip(pos)
        more = count > max_rows
        stats = []                      # rows left unread: the statistics after them are not read either
        if not more:
            r.skip(pos)                 # the statistics (or the error that stopped the query)
            stats = r.value(pos)[0]
    header = r.value(header_at)[0]
    rows = [r.value(p)[0] for p in starts]
    return QueryResult(graph, [header, rows, stats]), more


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


def _json_safe(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, dict):
        return {str(k): _json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_safe(x) for x in v]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return str(v)


def main_label(labels) -> str:
    """A node's label for colours and legends: Region for Region:City, the first otherwise."""
    labels = list(labels or [])
    for l in labels:
        if l not in REGION_LEVELS:
            return l
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
                               "name": props.get("name", nid), "properties": _json_safe(props)}
        return {"id": nid, "labels": list(labels), **_json_safe(props)}

    def edge(self, src, rtype: str, dst, props: dict) -> dict:
        self.pending.append((src, rtype, dst, props))
        return {"type": rtype, **_json_safe(props)}

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


class ReadOnlyRunner:
    """Runs Cypher on a store through a path that cannot write, keeping node labels and
    relationship ends (which `Store.query`'s plain values drop)."""

    def __init__(self, store: Store, timeout_ms: int = 15000):
        self.store = store
        self.timeout_ms = timeout_ms
        self.kind = _kind(store)

    def run(self, cypher: str, params: dict | None = None, max_rows: int = 10000):
        """(columns, rows, Collector, truncated) of a read-only query; WriteRefused for a write,
        TooComplex for a query too long or too deeply nested to send."""
        check_bounds(cypher, params)
        check_read_only(cypher)
        if self.kind == "falkordb":
            return self._falkordb(cypher, params, max_rows)
        if self.kind == "neo4j":
            return self._neo4j(cypher, params, max_rows)
        cols, rows = self.store.query(cypher, params)
        return cols, [_json_safe(r) for r in rows[:max_rows]], Collector(), len(rows) > max_rows

    # FalkorDB: GRAPH.RO_QUERY, which the server refuses to run if the query writes.
    def _falkordb(self, cypher, params, max_rows):
        from falkordb.edge import Edge
        from falkordb.node import Node
        from falkordb.path import Path as FPath

        from kg.store.embedded import params_header

        graph = self.store._require()
        self.store.flush()
        res, more = _ro_query_bounded(str(self.store.socket_path), graph, params_header(params) + cypher,
                                      int(self.timeout_ms), max_rows)
        col = Collector()

        def conv(v):
            if isinstance(v, Node):
                return col.node(v.id, v.labels or [], v.properties)
            if isinstance(v, Edge):
                return col.edge(v.src_node, v.relation, v.dest_node, v.properties)
            if isinstance(v, FPath):
                return {"nodes": [conv(n) for n in v.nodes()], "relationships": [conv(e) for e in v.edges()]}
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            if isinstance(v, list):
                return [conv(x) for x in v]
            return _json_safe(v)

        columns = [h[1] if isinstance(h, (list, tuple)) else str(h) for h in res.header]
        rows = [[conv(v) for v in row] for row in res.result_set]

        def lookup(ids):
            r = graph.ro_query("MATCH (n) WHERE id(n) IN $ids RETURN id(n), labels(n), properties(n)",
                               {"ids": sorted(ids)})
            for i, labels, props in r.result_set:
                col.node(i, labels, props)
        col.resolve(lookup)
        return columns, rows, col, more

    # Neo4j: a managed read transaction (the server refuses writes in it).
    def _neo4j(self, cypher, params, max_rows):
        from neo4j import unit_of_work
        from neo4j.graph import Node, Path, Relationship

        col = Collector()

        def conv(v):
            if isinstance(v, Node):
                return col.node(v.element_id, sorted(v.labels), dict(v.items()))
            if isinstance(v, Relationship):
                return col.edge(v.start_node.element_id, v.type, v.end_node.element_id, dict(v.items()))
            if isinstance(v, Path):
                return {"nodes": [conv(n) for n in v.nodes], "relationships": [conv(r) for r in v.relationships]}
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [conv(x) for x in v]
            if hasattr(v, "iso_format"):
                return v.iso_format()
            return _json_safe(v)

        @unit_of_work(timeout=self.timeout_ms / 1000)
        def work(tx):
            result = tx.run(cypher, params or {})
            keys = list(result.keys())
            rows, more = [], False
            for i, record in enumerate(result):
                if i >= max_rows:
                    more = True
                    break
                rows.append([conv(v) for v in record.values()])
            return keys, rows, more

        def lookup_work(ids):
            def w(tx):
                return list(tx.run("MATCH (n) WHERE elementId(n) IN $ids RETURN elementId(n), labels(n), "
                                   "properties(n)", {"ids": list(ids)}))
            return w

        try:
            with self.store._session() as s:
                columns, rows, more = s.execute_read(work)

                def lookup(ids):
                    for r in s.execute_read(lookup_work(ids)):
                        col.node(r[0], r[1], r[2])
                col.resolve(lookup)
        except BaseException as e:
            raise self.store._error(e) from None
        return columns, rows, col, more


def _kind(store: Store) -> str:
    if getattr(store, "name", "") == "falkordb" and hasattr(store, "_require"):
        return "falkordb"
    if getattr(store, "name", "") == "neo4j" and hasattr(store, "_session"):
        return "neo4j"
    return "other"


__all__ = ["Collector", "ReadOnlyRunner", "StoreError", "TooComplex", "TooLarge", "WriteRefused", "check_bounds", "check_read_only", "main_label",
           "strip_literals"]
