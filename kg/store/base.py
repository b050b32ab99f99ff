"""The one small interface both graph stores share, and the one loader that fills either.

A store runs Cypher: `write(statement, params)` for the loader's batches, `query(cypher, params)`
for reading (column names and rows of plain Python values), and `schema_statements()` (the only
store-specific Cypher, read from `kg/store/schema/<store>.cypher`). Loading is written once, here:
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
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterable

from kg.collector import paused_collector
from kg.store import statements

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"


class StoreError(RuntimeError):
    """A store could not be opened, used or stopped; the message says why and where, in one line
    where it can."""


def schema_file(store: str) -> Path:
    return SCHEMA_DIR / f"{store}.cypher"


def read_statements(path: str | os.PathLike) -> list[str]:
    """The statements of a .cypher file: `//` comment lines dropped, split at `;` ending a line."""
    out, cur = [], []
    for line in Path(path).read_text("utf-8").splitlines():
        s = line.strip()
        if not s or s.startswith("//"):
            continue
        cur.append(line.rstrip())
        if s.endswith(";"):
            out.append("\n".join(cur).rstrip().rstrip(";").strip())
            cur = []
    if cur:
        out.append("\n".join(cur).strip())
    return out


class Store(ABC):
    """What the loader, `kg load`, `kg query` and the Python API need from a graph store."""

    name = "store"          # its schema file is kg/store/schema/<name>.cypher
    batch_size = 2000

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self):
        return self

    def close(self) -> None:
        pass

    @abstractmethod
    def write(self, statement: str, params: dict | None = None) -> None:
        """Run one write statement (a loader batch) in one transaction."""

    @abstractmethod
    def query(self, cypher: str, params: dict | None = None) -> tuple[list[str], list[list]]:
        """Run Cypher; returns the column names and the rows as plain Python values."""

    def schema_statements(self) -> list[str]:
        return read_statements(schema_file(self.name))

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
        """Load a built graph folder (entities.jsonl, relations.jsonl; documents from the
        mentions, titles from summary-less builds are not known)."""
        entities, relations, documents = read_export(graph)
        return self.load(entities, relations, documents, batch_size=batch_size, progress=progress)

    def counts(self) -> dict[str, dict[str, int]]:
        """Nodes per label (a Region:City counts under both) and relationships per type."""
        _, nrows = self.query(statements.COUNT_NODES)
        _, rrows = self.query(statements.COUNT_RELATIONSHIPS)
        return {"nodes": {l: n for l, n in sorted(nrows)}, "relationships": {t: n for t, n in sorted(rrows)}}


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
    docs_file = graph / "documents.jsonl"
    return rows(ents), rows(rels), rows(docs_file) if docs_file.is_file() else []


def open_store(graph: str | os.PathLike | None = None, neo4j_uri: str | None = None, *,
               user: str | None = None, password: str | None = None, database: str | None = None,
               **kwargs) -> Store:
    """The store a command names: Neo4j when `neo4j_uri` is given, else the embedded store of the
    built graph folder `graph` (its `store/` subfolder; default `out`), opened for reading: a folder
    that holds no store is a StoreError when it is opened, never a new empty store. Not opened yet:
    use `with`."""
    if neo4j_uri:
        from kg.store.neo4j import Neo4jStore

        return Neo4jStore(neo4j_uri, user=user, password=password, database=database, **kwargs)
    from kg.store.embedded import EmbeddedStore

    graph = Path(graph or "out")
    if (graph / "store").exists() or (graph / "entities.jsonl").is_file() or (graph / "summary.json").is_file():
        folder = graph / "store"
        from kg import generation

        generation.recover(graph)          # a build stopped while swapping in: finish its swap
    else:
        folder = graph
    kwargs.setdefault("read_only", True)    # reading never creates a store
    store = EmbeddedStore(folder, **kwargs)
    if folder != graph:
        from kg.generation import summary_generation

        store.expected_generation = summary_generation(graph)
    return store
