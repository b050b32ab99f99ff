"""The Neo4j store: a Neo4j 5 server (see docker-compose.yml) through the official `neo4j` driver.

It runs the loader's shared statements (`kg.store.statements`, through `Store.load`) in managed
write transactions (`execute_write`: retried by the driver on transient errors, such as a deadlock
or a leader switch), after the schema of `Neo4jStore.schema_templates` (named uniqueness
constraints on `id`, `IF NOT EXISTS`; Community edition, no APOC).

Every failure comes out as a `StoreError` with one line saying what to do: the server cannot be
reached, the user or password is wrong, the database does not exist, a statement was rejected.

Connection settings default to the environment: NEO4J_URI, NEO4J_USER (default `neo4j`),
NEO4J_PASSWORD (default `kgpassword`, the docker-compose default) and NEO4J_DATABASE (default:
the server's default database, `neo4j`).
"""
from __future__ import annotations

import os
import re
from typing import Any

from kg.store import statements
from kg.store.base import Store, StoreError, WriteRefused
from kg.store.results import Collector, ReadResult, json_safe

URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
DEFAULT_USER = "neo4j"
DEFAULT_PASSWORD = "kgpassword"   # docker-compose.yml's NEO4J_AUTH default: neo4j/kgpassword
HANDSHAKE_TIMEOUT = 5.0           # seconds a server has to answer Bolt's handshake (Neo4j answers at once)


def _one_line(e: BaseException) -> str:
    msg = " ".join(str(getattr(e, "message", None) or str(e) or type(e).__name__).split())
    m = re.search(r"\(reason \[(?:Errno -?\d+\] )?([^)\]]*)", msg)  # the socket error, not the address dump
    return m.group(1).strip() if m else msg


class Neo4jStore(Store):
    """A Neo4j database reached at `uri` (bolt://, neo4j://, and their +s/+ssc forms)."""

    name = "neo4j"
    # A uniqueness constraint on `id` per label (MERGE on id uses its index; works on Community, no
    # APOC) and a range index on `name` (lookups by name). Named and IF NOT EXISTS: re-running is
    # harmless.
    schema_templates = ("CREATE CONSTRAINT kg_{key}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE",
                        "CREATE INDEX kg_{key}_name IF NOT EXISTS FOR (n:{label}) ON (n.name)")
    batch_size = 1000

    def __init__(self, uri: str | None = None, *, user: str | None = None, password: str | None = None,
                 database: str | None = None, batch_size: int | None = None,
                 connection_timeout: float = 10.0, retry_time: float = 30.0):
        self.uri = uri or os.environ.get("NEO4J_URI") or ""
        self.user = user or os.environ.get("NEO4J_USER") or DEFAULT_USER
        self.password = password if password is not None else os.environ.get("NEO4J_PASSWORD", DEFAULT_PASSWORD)
        self.database = database or os.environ.get("NEO4J_DATABASE") or None
        if batch_size:
            self.batch_size = batch_size
        self.connection_timeout = connection_timeout
        self.retry_time = retry_time
        self._driver: Any = None
        self._batches_written = 0
        self.agent = ""                   # the server's name and version, e.g. "Neo4j/5.26.0"

    def __repr__(self) -> str:
        return f"Neo4jStore({self.uri!r}, database={self.database or 'default'!r})"

    @property
    def where(self) -> str:
        return f"Neo4j at {self.uri}" + (f" (database {self.database!r})" if self.database else "")

    # ---- lifecycle -------------------------------------------------------------------------------

    def open(self) -> "Neo4jStore":
        """Connect, check the credentials and that the database exists."""
        if self._driver is not None:
            return self
        if not self.uri:
            raise StoreError("no Neo4j URI given (use --neo4j-uri URI or set NEO4J_URI)")
        scheme = self.uri.split("://", 1)[0].lower() if "://" in self.uri else ""
        if scheme not in URI_SCHEMES:
            raise StoreError(f"not a Neo4j URI: {self.uri!r} (expected bolt://HOST:7687 or neo4j://HOST:7687)")
        if scheme in ("bolt", "neo4j"):
            self._handshake()
        import neo4j
        from neo4j import exceptions as ne

        try:
            self._driver = neo4j.GraphDatabase.driver(
                self.uri, auth=(self.user, self.password), connection_timeout=self.connection_timeout,
                max_transaction_retry_time=self.retry_time, user_agent="kg",
                # no notifications: the driver would log each (e.g. "null value eliminated in set
                # function" for collect() over OPTIONAL MATCH) as a warning on stderr
                notifications_min_severity="OFF")
        except (ne.ConfigurationError, ValueError, ImportError) as e:
            raise StoreError(f"not a usable Neo4j URI {self.uri!r}: {_one_line(e)} "
                             "(expected e.g. bolt://localhost:7687)") from None
        try:
            with self._session() as s:
                self.agent = s.run("RETURN 1").consume().server.agent or ""
        except BaseException as e:
            self.close()
            raise self._error(e) from None
        return self

    def _handshake(self) -> None:
        """Check in a few seconds that a Bolt server answers at the URI's address, so that a port
        that is something else (a web server, a silent socket) is one line at once, not the
        driver's minute of waiting. Unencrypted schemes only (TLS ones go to the driver)."""
        import socket
        import struct
        from urllib.parse import urlsplit

        try:
            u = urlsplit(self.uri)
            host, port = u.hostname or "localhost", u.port or 7687
        except ValueError as e:
            raise StoreError(f"not a usable Neo4j URI {self.uri!r}: {e} (expected e.g. bolt://localhost:7687)") from None
        timeout = min(self.connection_timeout, HANDSHAKE_TIMEOUT)
        try:
            with socket.create_connection((host, port), timeout=timeout) as sock:
                sock.settimeout(timeout)
                # the Bolt preamble and four versions offered: 5.4-5.0, 4.4-4.2, 4.1, 3
                sock.sendall(b"\x60\x60\xb0\x17" + struct.pack(">4I", 0x00040405, 0x00020404, 0x0104, 0x03))
                reply = b""
                while len(reply) < 4:
                    chunk = sock.recv(4 - len(reply))
                    if not chunk:
                        break
                    reply += chunk
        except socket.timeout:
            raise StoreError(f"{host}:{port} is not a Neo4j server: it accepted the connection but gave no Bolt "
                             f"answer within {timeout:g} s (Neo4j's Bolt port is usually 7687)") from None
        except OSError as e:
            raise StoreError(f"cannot reach {self.where}: {e.strerror or e}; is it running? "
                             "(`docker compose up -d` starts one)") from None
        if len(reply) < 4 or reply[:2] != b"\x00\x00":
            what = "closed the connection" if not reply else (
                "answered in HTTP" if reply.startswith(b"HTTP") else f"answered {reply!r}")
            raise StoreError(f"{host}:{port} is not a Neo4j server: it {what} instead of a Bolt handshake "
                             "(Neo4j's Bolt port is usually 7687; 7474 is its web port)")

    def close(self) -> None:
        if self._driver is not None:
            try:
                self._driver.close()
            finally:
                self._driver = None

    def _session(self):
        if self._driver is None:
            raise StoreError("the Neo4j store is not open; use `with Neo4jStore(uri) as store:`")
        return self._driver.session(database=self.database) if self.database else self._driver.session()

    def _error(self, e: BaseException) -> BaseException:
        """The one-line StoreError for a driver exception (KeyboardInterrupt passes through)."""
        from neo4j import exceptions as ne

        if isinstance(e, (KeyboardInterrupt, SystemExit, StoreError)):
            return e
        if isinstance(e, ne.AuthError):
            return StoreError(f"{self.where} refused user {self.user!r}: wrong user or password "
                              "(set --user/--password or NEO4J_USER/NEO4J_PASSWORD)")
        if isinstance(e, (ne.ServiceUnavailable, ne.SessionExpired, OSError)):
            return StoreError(f"cannot reach {self.where}: {_one_line(e)}; is it running? "
                              "(`docker compose up -d` starts one)")
        code = getattr(e, "code", "") or ""
        if code.endswith("DatabaseNotFound") or "database does not exist" in str(e).lower():
            return StoreError(f"{self.where}: no database {self.database or 'neo4j'!r} on this server "
                              "(create it, or pick another with --database)")
        if isinstance(e, ne.Neo4jError):
            return StoreError(f"{self.where} rejected a statement: {code + ': ' if code else ''}{_one_line(e)}")
        if isinstance(e, ne.DriverError):
            return StoreError(f"{self.where}: {type(e).__name__}: {_one_line(e)}")
        return e

    # ---- graph -----------------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """The constraints and indexes (`schema_templates`), each in its own auto-commit
        transaction (schema and data writes cannot share one)."""
        try:
            with self._session() as s:
                for stmt in self.schema_statements():
                    s.run(stmt).consume()
        except BaseException as e:
            raise self._error(e) from None

    def write(self, statement: str, params: dict | None = None) -> list[list]:
        """One batch in one managed write transaction, retried on transient errors; returns the
        statement's rows (as value lists; the loader's statements return none, or ids)."""
        def work(tx):
            return tx.run(statement, params or {}).values()
        try:
            with self._session() as s:
                return s.execute_write(work)
        except BaseException as e:
            raise self._error(e) from None

    def write_batch(self, statement: str, params: dict | None = None) -> list[list]:
        """One loader batch, committed before this returns. Fault injection for the tests
        (tests/test_faults.py): `KG_FAULT=neo4j-load` SIGKILLs this process once its third batch
        is committed, `KG_FAULT=neo4j-load:N` once its Nth is (kg.generation.fault's hook)."""
        found = self.write(statement, params)
        self._batches_written += 1
        phase = os.environ.get("KG_FAULT", "")
        if phase == "neo4j-load" or phase.startswith("neo4j-load:"):
            from kg.generation import fault

            after = int(phase.partition(":")[2] or 3)
            if self._batches_written == after:
                fault(phase)
        return found

    def plan_load(self, entities, relations, documents, batch_size: int, fresh: bool):
        """A first load into an empty database takes `plan_fresh`'s way on a server that has
        dynamic labels (Neo4j 5.26 and later); otherwise the shared plan."""
        if fresh and dynamic_labels(self.agent):
            return plan_fresh(entities, relations, documents, batch_size)
        return super().plan_load(entities, relations, documents, batch_size, fresh)

    def query(self, cypher: str, params: dict | None = None) -> tuple[list[str], list[list]]:
        try:
            with self._session() as s:
                result = s.run(cypher, params or {})
                columns = list(result.keys())
                rows = [[_plain(v) for v in record.values()] for record in result]
        except BaseException as e:
            raise self._error(e) from None
        return columns, rows

    def read(self, cypher: str, params: dict | None = None, *, max_rows: int = 10000,
             timeout_ms: int = 15000) -> ReadResult:
        """`Store.read` in a managed read transaction (the server refuses writes in it)."""
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
            return json_safe(v)

        @unit_of_work(timeout=timeout_ms / 1000)
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
            with self._session() as s:
                columns, rows, more = s.execute_read(work)

                def lookup(ids):
                    for r in s.execute_read(lookup_work(ids)):
                        col.node(r[0], r[1], r[2])
                col.resolve(lookup)
        except BaseException as e:
            code = getattr(e, "code", "") or ""
            if code.endswith("AccessMode") or "write operations are not allowed" in str(e).lower():
                raise WriteRefused(f"refused: the query would change the graph ({_one_line(e)})") from None
            raise self._error(e) from None
        return ReadResult(columns, rows, col, more)


# ---- a first load into an empty database -------------------------------------------------------
#
# Two statement shapes in all, labels and relationship types being parameters (`$(…)`, Neo4j
# 5.26+): a cold server parses, plans and compiles each shape once (0.15-0.4 s apiece), so the
# shared plan's one shape per label and per (type, start label, end label) cost a first load of
# the seeds most of its time. Nodes are created with their MENTIONED_IN (as
# statements.create_nodes does) and return their element ids; a relationship's ends are then
# found by element id, a seek that reads no index and takes no index-entry lock (a `{id: …}`
# lookup under a uniqueness constraint locks the entry it reads). The graph is the shared plan's,
# property for property (tests/test_store_parity.py, tests/test_neo4j_live.py). Element ids are
# the database's own and may be reused once a node is deleted: this plan holds for one load into
# a database nobody else writes to meanwhile, which the uniqueness constraints guard for nodes
# (a node created by someone else under the same id fails the load, it is not doubled).

CREATE_NODES = (
    "UNWIND $rows AS row CREATE (n:$($labels) {id: row.id}) SET n += row.props, n.aliases = row.aliases WITH n, row "
    "CALL (n, row) { UNWIND row.mentions AS m MATCH (d) WHERE elementId(d) = m[0] "
    f"CREATE (n)-[r:{statements.MENTIONED_IN}]->(d) SET r.starts = m[1], r.ends = m[2] }} "
    "RETURN row.id AS id, elementId(n) AS e")
CREATE_RELATIONSHIPS = (
    "UNWIND $rows AS row MATCH (a) WHERE elementId(a) = row[0] MATCH (b) WHERE elementId(b) = row[1] "
    "CREATE (a)-[r:$($type)]->(b) SET r = row[2]")


def dynamic_labels(agent: str) -> bool:
    """Whether the server (its Bolt agent string, "Neo4j/5.26.0") takes labels and types as `$(…)`."""
    m = re.match(r"Neo4j/(\d+)\.(\d+)", agent or "")
    return m is not None and (int(m[1]), int(m[2])) >= (5, 26)


def plan_fresh(entities, relations=(), documents=(), batch_size: int = 1000):
    """The batches of a first load into an empty Neo4j 5.26+ database (see above): documents, then
    nodes of each label with their mentions, then relationships of each type, `[start, end,
    properties]` rows with the ends' element ids. Node batches return their element ids into
    `Batch.ids`, which the batches after them read: run each batch before taking the next.
    Facts whose ends are not among the entities are left out (the shared plan's MATCH skips them)."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    ids: dict[str, str] = {}
    doc_rows, doc_id_by_file = statements._document_rows(documents)
    node_rows, label_of = statements._entity_rows(entities, doc_id_by_file, doc_rows)
    for i in range(0, len(doc_rows), batch_size):
        yield statements.Batch("nodes", CREATE_NODES, doc_rows[i:i + batch_size], params={"labels": ["Document"]},
                               ids=ids)
    for (label, extra), rows in node_rows.items():
        labels = {"labels": [statements.ident(x).strip("`") for x in (label, extra) if x]}
        for i in range(0, len(rows), batch_size):
            part = rows[i:i + batch_size]
            also = 0
            for r in part:
                for m in r["mentions"]:
                    m[0] = ids[m[0]]            # the documents are in by now
                also += len(r["mentions"])
            yield statements.Batch("nodes", CREATE_NODES, part, also, labels, ids)
    by_type: dict[str, list] = {}
    for (s, p, o), recs in statements._group_relations(relations).items():
        if s in label_of and o in label_of:
            by_type.setdefault(p, []).append((s, o, recs))
    for p, triples in by_type.items():
        params = {"type": statements.ident(p).strip("`")}
        for i in range(0, len(triples), batch_size):
            rows = []
            for s, o, recs in triples[i:i + batch_size]:
                props, spans = statements._relation_props(recs)
                props.update(spans)
                rows.append([ids[s], ids[o], props])
            yield statements.Batch("relationships", CREATE_RELATIONSHIPS, rows, params=params)


def _plain(v: Any) -> Any:
    """A driver value as plain Python, shaped like the embedded store's (kg.store.embedded._plain)."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(v, (Node, Relationship)):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, Path):
        return {"nodes": [_plain(n) for n in v.nodes], "relationships": [_plain(r) for r in v.relationships]}
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if hasattr(v, "iso_format"):  # neo4j.time types
        return v.iso_format()
    return v
