"""The main job: ingest → extract → resolve → graph → store and export, into one output folder.

Nothing half-written is left behind: the export and the store are built in a fresh folder inside
the output folder and swapped into place only when everything has succeeded; a failed run leaves
the previous graph as it was.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from kg import ingest
from kg.export import entity_rows, relation_rows, write_jsonl
from kg.extract.article import extract, recognise
from kg.extract.shortnames import ShortNames
from kg.gazetteer import Gazetteer
from kg.graph import build_graph
from kg.resolve import Resolver

STORE_DIR = "store"
EXPORT_FILES = ("entities.jsonl", "relations.jsonl", "summary.json")


class BuildError(Exception):
    """The build cannot go on (no article to read, output folder not writable); nothing was changed."""


@dataclass
class Summary:
    files_read: int = 0
    files_skipped: list[tuple[str, str]] = field(default_factory=list)
    articles: int = 0
    duplicates_merged: int = 0
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    stored: bool = False
    inputs: list[str] = field(default_factory=list)   # the paths built from, absolute

    def lines(self) -> list[str]:
        out = [f"files read: {self.files_read}"
               + (f" ({len(self.files_skipped)} skipped)" if self.files_skipped else ""),
               f"articles found: {self.articles}", f"duplicate articles merged: {self.duplicates_merged}",
               f"nodes: {sum(self.nodes.values())}"]
        out += [f"  {k:<16} {v}" for k, v in sorted(self.nodes.items())]
        out.append(f"relationships: {sum(self.relationships.values())}")
        out += [f"  {k:<16} {v}" for k, v in sorted(self.relationships.items())]
        out.append(f"time: {self.seconds:.1f} s")
        return out

    def to_json(self) -> dict:
        return {"inputs": self.inputs, "files_read": self.files_read, "files_skipped": [list(x) for x in self.files_skipped],
                "articles": self.articles, "duplicates_merged": self.duplicates_merged, "nodes": self.nodes,
                "relationships": self.relationships, "seconds": round(self.seconds, 2)}


def _progress(done: int, total: int, what: str) -> None:
    if total >= 20 and sys.stderr.isatty():
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\r{what} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def build_graph_from(paths, summary: Summary | None = None) -> nx.MultiDiGraph:
    """Read the articles under `paths` and return the validated graph (no files written)."""
    summary = summary or Summary()
    summary.inputs = [str(Path(p).absolute()) for p in paths]
    files = ingest.iter_source_files(paths)
    articles, errors = ingest.ingest(paths, files)
    summary.files_read = len(files) - len(errors)
    summary.files_skipped = [(str(e.path), e.reason) for e in errors]
    summary.articles = len(articles)
    summary.duplicates_merged = sum(1 for a in articles if a.duplicate_of)
    if not articles:
        where = ", ".join(str(p) for p in paths)
        raise BuildError(f"no article found in {where} (looked for .txt and .md files)")
    gazetteer = Gazetteer.default()
    firsts = []
    for i, a in enumerate(articles, 1):
        firsts.append(recognise(a, gazetteer))
        _progress(i, 2 * len(articles), "extracting")
    short = corpus_short_names(firsts)
    resolver = Resolver(gazetteer)
    for i, fp in enumerate(firsts, 1):
        resolver.add(extract(fp, ingest.split_sentences(fp.article), short))
        _progress(len(articles) + i, 2 * len(articles), "extracting")
    g = build_graph(*resolver.resolve())
    g.graph["documents"] = _documents(articles)
    summary.nodes = dict(Counter(d["label"] for _, d in g.nodes(data=True)))
    summary.relationships = dict(Counter(k for _, _, k in g.edges(keys=True)))
    return g


def corpus_short_names(firsts) -> ShortNames:
    """The short names of every full company name, and the bare names, the first pass found."""
    companies: dict[str, set[str]] = {}
    bare: set[str] = set()
    for fp in firsts:
        for name, regions in fp.company_names().items():
            companies.setdefault(name, set()).update(regions)
        bare |= fp.bare_company_names()
    return ShortNames(companies, bare)


def _documents(articles) -> list[dict]:
    docs: dict[str, dict] = {}
    for a in articles:
        d = docs.setdefault(a.doc, {"id": a.doc, "name": a.doc, "title": a.title, "articles": []})
        d["articles"].append(a.title)
    return list(docs.values())


def build(paths, out: str | os.PathLike = "out", store: bool = True) -> Summary:
    """Build the graph of the articles under `paths` into `out` (export files and embedded store)."""
    started = time.monotonic()
    out = Path(out)
    summary = Summary()
    try:
        out.mkdir(parents=True, exist_ok=True)
        lock = open(out / ".kg-build.lock", "a")
    except OSError as e:
        raise BuildError(f"cannot write the output folder {out}: {e.strerror or e}") from e
    with lock:
        _wait_for(lock, out)
        return _build_locked(paths, out, store, summary, started)


def _wait_for(lock, out: Path, timeout: float = 60.0) -> None:
    """Two builds into one folder take turns: the second waits for the first, then replaces its graph."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise BuildError(f"another kg build is still writing {out}; try again when it has finished") from None
            time.sleep(0.2)


def _build_locked(paths, out: Path, store: bool, summary: Summary, started: float) -> Summary:
    try:
        staging = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
    except OSError as e:
        raise BuildError(f"cannot write the output folder {out}: {e.strerror or e}") from e
    try:
        g = build_graph_from(paths, summary)
        write_jsonl(g, staging)
        if store:
            _load_store(g, staging / STORE_DIR)
            summary.stored = True
        summary.seconds = time.monotonic() - started
        (staging / "summary.json").write_text(json.dumps(summary.to_json(), ensure_ascii=False, indent=1), "utf-8")
        _swap_in(staging, out, store)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return summary


def _load_store(g: nx.MultiDiGraph, folder: Path) -> None:
    from kg.store import EmbeddedStore

    with EmbeddedStore(folder) as db:
        db.load(list(entity_rows(g)), list(relation_rows(g)), g.graph.get("documents", []))


def _swap_in(staging: Path, out: Path, store: bool) -> None:
    """Move the finished files into `out`, replacing the previous build's."""
    for name in EXPORT_FILES:
        os.replace(staging / name, out / name)
    if store:
        old = out / STORE_DIR
        trash = None
        if old.exists():
            trash = out / f".old-{os.getpid()}"
            os.replace(old, trash)
        os.replace(staging / STORE_DIR, old)
        if trash is not None:
            shutil.rmtree(trash, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
