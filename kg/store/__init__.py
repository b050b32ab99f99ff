"""Graph stores. The default is `EmbeddedStore`: a FalkorDB server kg runs itself in a data folder.

The Cypher that loads the export lives in `kg.store.statements`, shared with other stores.
"""
from kg.store.embedded import EmbeddedStore, StoreError

__all__ = ["EmbeddedStore", "StoreError"]
