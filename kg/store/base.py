"""The one small interface both graph stores share, and the one loader that fills either.

A store runs Cypher: `write(statement, params)` for the loader's batches, `query(cypher, params)`
for reading (column names and rows of plain Python values), and `schema_statements()` (the only
store-specific Cypher: each store's `schema_templates`, filled in for every label of `kg.schema`). Loading is written once, here:
`Store.load` creates the schema, then sends `kg.store.statements.plan_load`'s batches, so the
embedded FalkorDB store and Neo4j run the same statements.

    from kg.store import open_store
    with open_store(graph="out") as db:                       # the embedded store in out/store
        cols, rows = db.query("MATCH (n:Company) RETURN n.name AS name LIMIT $n", {"n": 5})
    with open_store(neo4j_uri="bolt://localhost:7687", password="kg-password") as db:
        db.load(entities, relations, documents)
"""
from __future__ import annotations

import json
import os
import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterable

from kg.collector import paused_collector
from kg.documents import FILE as DOCUMENTS_FILE, node_properties
from kg.schema import LABELS
from kg.store.results import ReadResult
from kg.store import statements



class StoreError(RuntimeError):
    """A store could not be opened, used or stopped, or it rejected a statement; the message says
    why and where, in one line where it can. Every store raises this (or a subclass), never its
    driver's own exceptions, so callers need not know which store they hold."""


class WriteRefused(StoreError):
    """A read (`Store.read`) would change the graph: refused before it was sent, or by the store's
    read-only path (FalkorDB's GRAPH.RO_QUERY, a Neo4j read transaction)."""


class TooLarge(StoreError):
    """A read's answer is larger than the reader takes: reading stopped there."""


class Store(ABC):
    """What the loader, `kg load`, `kg query` and the Python API need from a graph store."""

    name = "store"
    batch_size = 2000
    # The store's index/constraint statements, one per label of kg.schema: `{label}` is the label,
    # `{key}` its snake_case form (for names). The only store-specific Cypher.
    schema_templates: tuple[str, ...] = ()

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    @classmethod
    def at(cls, location: str, **options) -> "Store":
        """The store at `location` (what `open_store` names), not opened yet."""
        return cls(location, **options)  # type: ignore[call-arg]

    def open(self):
        return self

    def close(self) -> None:
        pass

    @abstractmethod
    def write(self, statement: str, params: dict | None = None) -> list[list] | None:
        """Run one write statement (a loader batch) in one transaction; the statement's rows,
        where the store gives them (the Neo4j loader reads back the ids it created)."""

    @abstractmethod
    def query(self, cypher: str, params: dict | None = None) -> tuple[list[str], list[list]]:
        """Run Cypher; returns the column names and the rows as plain Python values."""

    @abstractmethod
    def read(self, cypher: str, params: dict | None = None, *, max_rows: int = 10000,
             timeout_ms: int = 15000) -> ReadResult:
        """Run Cypher through a path that cannot write (WriteRefused if it would), at most
        `timeout_ms` by the store's clock, reading at most `max_rows` rows: the columns, JSON-safe
        rows and the labelled nodes and relationships (with their ends) the result holds."""

    @classmethod
    def schema_statements(cls) -> list[str]:
        """The index/constraint statements of every label of kg.schema."""
        return [t.format(label=label, key=_snake(label)) for t in cls.schema_templates for label in LABELS]

    def ensure_schema(self) -> None:
        """Create the store's indexes/constraints; re-running is harmless."""
        for stmt in self.schema_statements():
            self.write(stmt)

    def load(self, entities: Iterable[dict], relations: Iterable[dict] = (),
             documents: Iterable[dict] = (), batch_size: int | None = None,
             progress=None) -> dict[str, int]:
        """MERGE the export's records into the graph (idempotent); returns rows sent per kind.

        Relationships only connect nodes that exist, so pass a relation's entities in the same
        call or an earlier one. `progress(kind, rows_done)` is called after every batch.
        """
        self.ensure_schema()
        sent = {"nodes": 0, "relationships": 0}
        fresh = self.is_empty()
        documents = (node_properties(d) for d in documents)
        with paused_collector():
            for batch in self.plan_load(entities, relations, documents, batch_size or self.batch_size, fresh):
                found = self.write_batch(batch.statement, {"rows": batch.rows, **(batch.params or {})})
                if batch.ids is not None:
                    batch.ids.update(found)
                sent[batch.kind] += len(batch.rows)
                sent["relationships"] += batch.also
                if progress:
                    progress(batch.kind, sent[batch.kind])
            self.flush()
        return sent

    def plan_load(self, entities, relations, documents, batch_size: int, fresh: bool):
        """The batches of a load (`statements.plan_load`); a store may plan a first load its own way."""
        return statements.plan_load(entities, relations, documents, batch_size, fresh)

    def update(self, old: tuple, new: tuple, batch_size: int | None = None) -> dict[str, int]:
        """Turn the graph loaded from the export `old` = (entities, relations, documents) into the
        one `new` gives, sending only the difference (`statements.plan_update`); rows sent per kind."""
        self.ensure_schema()
        sent = {"deleted": 0, "nodes": 0, "relationships": 0}
        old, new = (*old[:2], [node_properties(d) for d in old[2]]), (*new[:2], [node_properties(d) for d in new[2]])
        with paused_collector():
            for batch in statements.plan_update(old, new, batch_size or self.batch_size):
                self.write_batch(batch.statement, {"rows": batch.rows})
                sent[batch.kind] += len(batch.rows)
            self.flush()
        return sent

    def is_empty(self) -> bool:
        """No node at all: a first load may CREATE instead of MERGE."""
        return not self.query(statements.ANY_NODE)[1]

    def write_batch(self, statement: str, params: dict | None = None):
        """Run one loader batch; a store may send it in the background (then `flush` waits).
        Returns what `write` returns (the statement's rows, where a store gives them)."""
        return self.write(statement, params)

    def flush(self) -> None:
        """Wait until every batch sent has been applied (stores that write in the background)."""

    def load_graph_dir(self, graph: str | os.PathLike, batch_size: int | None = None,
                       progress=None) -> dict[str, int]:
        """Load a built graph folder (entities.jsonl, relations.jsonl, documents.jsonl)."""
        entities, relations, documents = read_export(graph)
        return self.load(entities, relations, documents, batch_size=batch_size, progress=progress)

    def counts(self) -> dict[str, dict[str, int]]:
        """Nodes per label (a Region:City counts under both) and relationships per type."""
        _, nrows = self.query(statements.COUNT_NODES)
        _, rrows = self.query(statements.COUNT_RELATIONSHIPS)
        return {"nodes": {label: n for label, n in sorted(nrows)}, "relationships": {t: n for t, n in sorted(rrows)}}


def _snake(label: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", label).lower()


def read_export(graph: str | os.PathLike) -> tuple[list[dict], list[dict], list[dict]]:
    """(entities, relations, documents) of a built graph folder. Raises StoreError with one line
    when the folder holds no built graph."""
    graph = Path(graph)
    ents, rels = graph / "entities.jsonl", graph / "relations.jsonl"
    if not ents.is_file() or not rels.is_file():
        raise StoreError(f"{graph} holds no built graph (run `kg build PATH --out {graph}` first)")

    def rows(p: Path) -> list[dict]:
        try:
            with open(p, encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
        except (OSError, ValueError) as e:
            raise StoreError(f"cannot read {p}: {e}") from e
    docs_file = graph / DOCUMENTS_FILE
    return rows(ents), rows(rels), rows(docs_file) if docs_file.is_file() else []


# The stores, by how a location names them: a URI's scheme (`bolt://…`; `+s`/`+ssc` forms too) or
# `NAME:` before a path (`falkordb:out/store`). A location with neither is a built graph folder,
# read through its embedded store. A third store is one module (a `Store` with `at`) and one line.
STORES = {
    "falkordb": "kg.store.embedded:EmbeddedStore",
    "bolt": "kg.store.neo4j:Neo4jStore",
    "neo4j": "kg.store.neo4j:Neo4jStore",
}
DEFAULT_STORE = "falkordb"


def store_class(name: str) -> type[Store]:
    """The Store class registered as `name` (imported only when asked for: Neo4j's driver is heavy)."""
    import importlib

    module, cls = STORES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def store_for(location: str) -> type[Store]:
    """The Store class a location names."""
    location = str(location)
    if "://" in location:
        scheme = location.split("://", 1)[0]
        if scheme.lower().split("+", 1)[0] not in STORES:
            raise StoreError(f"not a store location: {location!r} (expected a built graph folder, "
                             f"falkordb:DIR, bolt://HOST:7687 or neo4j://HOST:7687)")
        return store_class(scheme.lower().split("+", 1)[0])
    name = location.split(":", 1)[0]
    return store_class(name if name in STORES else DEFAULT_STORE)


def open_store(location: str | os.PathLike | None = None, neo4j_uri: str | None = None, *,
               graph: str | os.PathLike | None = None, **options) -> Store:
    """The store a location names (`STORES`): `out` (a built graph folder: its embedded store),
    `falkordb:out/store`, `bolt://…`, `neo4j://…`; `neo4j_uri`/`graph` are the command line's
    spellings of the same. Options a store does not take (None) are dropped; a folder's store is
    opened for reading: a folder that holds no store is a StoreError when it is opened, never a new
    empty store. Not opened yet: use `with`."""
    options = {k: v for k, v in options.items() if v is not None}
    if neo4j_uri:                   # named as Neo4j's: a wrong scheme is Neo4j's error to explain
        return store_class("neo4j").at(neo4j_uri, **options)
    where = str(location or graph or "out")
    return store_for(where).at(where, **options)


