"""The store step of a build: make the store in the staging folder hold the graph just built.

An incremental build copies the previous build's store and sends only the difference between the
previous export and this one (`Store.update`); when there is no previous store, or it cannot be
trusted (it does not belong to the export beside it, its counts disagree, it fails), the graph
is loaded afresh. Either way the store is stamped with its counts and the build's id.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx

from kg import generation
from kg.cache import Manifest
from kg.jsonl import entity_rows, relation_rows

STORE_DIR = generation.STORE_DIR


def sync_store(g: nx.MultiDiGraph, out: Path, folder: Path, previous: Manifest, incremental: bool,
               generation_id: str = "") -> str:
    """Fill the store in `folder`: a copy of the previous build's store updated with the
    difference between the previous export and this one when there is one (and the copy holds
    what that build stored), else a full load. The store is stamped with its counts and
    `generation_id` (`EmbeddedStore.verify`)."""
    from kg.store import EmbeddedStore, StoreError
    from kg.store.base import read_export
    from kg.store.embedded import read_stamp

    documents = g.graph.get("documents", [])
    old_store = out / STORE_DIR
    note = ""
    if incremental and previous.files and old_store.is_dir() and (out / "entities.jsonl").is_file():
        try:
            old_entities, old_relations, old_documents = read_export(out)
        except Exception:
            old_entities = None
        if old_entities is not None:
            shutil.copytree(old_store, folder, ignore=shutil.ignore_patterns("*.sock", "*.pid", "*.lock"))
            try:
                with EmbeddedStore(folder) as db:
                    stamp = read_stamp(folder)
                    if stamp is None or stamp.get("generation") != generation.summary_generation(out):
                        raise StoreError("it does not belong to the export beside it")
                    db.verify(stamp)
                    sent = db.update((old_entities, old_relations, old_documents),
                                     (_as_json(list(entity_rows(g))), _as_json(list(relation_rows(g))),
                                      _as_json(documents)))
                    generation.fault("store")
                    db.stamp(generation=generation_id)
                return "incremental: " + ", ".join(f"{v} {k}" for k, v in sent.items())
            except Exception as e:        # the previous store cannot be trusted: load afresh
                reason = " ".join(str(e).split("; rebuild")[0].split()) if isinstance(e, StoreError) \
                    else f"{type(e).__name__}: {' '.join(str(e).split())}"
                note = f" (the previous store was not used: {reason})"
                shutil.rmtree(folder, ignore_errors=True)
    with EmbeddedStore(folder) as db:      # rows made as the loader reads them: no copy of the graph
        db.load(entity_rows(g, mentions_as_tuples=True), relation_rows(g), documents)
        generation.fault("store")
        db.stamp(generation=generation_id)
    return "full load" + note


def _as_json(rows: list[dict]) -> list[dict]:
    """Rows as they read back from the export (lists, not tuples), so old and new compare equal."""
    return json.loads(json.dumps(rows, ensure_ascii=False))


