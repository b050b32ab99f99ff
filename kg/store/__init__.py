"""Graph stores behind one interface (`kg.store.base.Store`: `load`, `update`, `query`, `read`,
`counts`; `StoreError`/`WriteRefused` for every failure): `EmbeddedStore`, a FalkorDB server kg runs
itself in a data folder (the default), and `Neo4jStore`, a Neo4j 5 server reached through the
official driver. `open_store(LOCATION)` picks one by its location (`out`, `falkordb:out/store`,
`bolt://…`, `neo4j://…`: the registry `kg.store.base.STORES`); `kg.store.options` is the command
line's one option group for it.

The Cypher that loads the export lives in `kg.store.statements`, shared by both stores; only the
index statements differ (each store's `schema_templates`, filled in for every label of `kg.schema`).
"""
from kg.store.base import STORES, Store, StoreError, TooLarge, WriteRefused, open_store
from kg.store.embedded import EmbeddedStore


def __getattr__(name):  # Neo4jStore imports the neo4j driver: only when asked for
    if name == "Neo4jStore":
        from kg.store.neo4j import Neo4jStore

        return Neo4jStore
    raise AttributeError(name)


__all__ = ["EmbeddedStore", "Neo4jStore", "STORES", "Store", "StoreError", "TooLarge", "WriteRefused", "open_store"]
