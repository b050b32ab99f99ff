"""The main job: ingest → extract → resolve → enrich → graph → export and store, into one output folder.

`build` reads as that sequence: the output folder (`kg.buildfolder`: lock, staging, manifest,
swap), the two passes over the files (`kg.passes`) folded into resolution, enrichment, the
validated graph, then the export (written by a forked copy) beside the store step
(`kg.storesync`), and the commit that swaps the staging folder in. Nothing half-written is left
behind: a failed run leaves the previous graph as it was.
"""
from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from kg import generation, ingest, passes
from kg.buildfolder import BuildError, BuildFolder
from kg.cache import BuildCache, FileState, Manifest, entry_key, file_state
from kg.collector import paused_collector
from kg.enrich import enrich
from kg.jsonl import write_jsonl
from kg.extract.shortnames import ShortNames
from kg.graph import build_graph
from kg.resolve import Resolver
from kg.storesync import sync_store

STORE_DIR = generation.STORE_DIR
EXPORT_FILES = generation.EXPORT_FILES


@dataclass
class Summary:
    files_read: int = 0
    files_skipped: list[tuple[str, str]] = field(default_factory=list)
    articles: int = 0
    reprints: int = 0
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    stored: bool = False
    inputs: list[str] = field(default_factory=list)   # the paths built from, absolute
    files_extracted: int = 0      # files read this time (new or changed); the rest came from the cache
    files_reextracted: int = 0    # files whose pass 2 ran (new, changed, or touched by new short names)
    workers: int = 1
    store_update: str = ""        # "full load" or "incremental: …"
    stage_seconds: dict[str, float] = field(default_factory=dict)   # summed over workers (benchmarks)
    generation: str = ""          # this build's id, in summary.json and in the store (kg.generation)

    def lines(self) -> list[str]:
        reused = self.files_read - self.files_extracted
        out = [f"files read: {self.files_read}"
               + (f" ({len(self.files_skipped)} skipped)" if self.files_skipped else "")
               + (f" ({reused} unchanged since the last build, taken from its cache;"
                  f" {self.files_reextracted} extracted again)" if reused else ""),
               f"articles found: {self.articles}", f"reprinted articles: {self.reprints}",
               f"nodes: {sum(self.nodes.values())}"]
        out += [f"  {k:<16} {v}" for k, v in sorted(self.nodes.items())]
        out.append(f"relationships: {sum(self.relationships.values())}")
        out += [f"  {k:<16} {v}" for k, v in sorted(self.relationships.items())]
        if self.store_update:
            out.append(f"store: {self.store_update}")
        out.append(f"time: {self.seconds:.1f} s ({self.workers} worker{'s' if self.workers > 1 else ''})")
        return out

    def to_json(self) -> dict:
        return {"generation": self.generation, "stored": self.stored, "inputs": self.inputs, "files_read": self.files_read, "files_extracted": self.files_extracted,
                "files_reextracted": self.files_reextracted, "workers": self.workers,
                "store_update": self.store_update, "files_skipped": [list(x) for x in self.files_skipped],
                "articles": self.articles, "reprints": self.reprints, "nodes": self.nodes,
                "relationships": self.relationships, "seconds": round(self.seconds, 2)}


def _progress(done: int, total: int, what: str) -> None:
    """A bar on a terminal; elsewhere (a log, a pipe) a line at each tenth of the way."""
    if total < 20:
        return
    if sys.stderr.isatty():
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\r{what} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    elif done == total or (10 * done) // total != (10 * (done - 1)) // total:
        print(f"{what}: {done}/{total} files", file=sys.stderr, flush=True)


def build_graph_from(paths, summary: Summary | None = None, workers: int = 1,
                     cache: BuildCache | None = None) -> nx.MultiDiGraph:
    """Read the articles under `paths` and return the validated graph (no export written).
    `cache`: reuse and keep per-file results there (else a throw-away one is used)."""
    return _extract_corpus(paths, summary or Summary(), workers, cache)[0]


def _extract_corpus(paths, summary: Summary, workers: int, cache: BuildCache | None,
                    previous: Manifest | None = None):
    """(graph, the manifest to save once the build has succeeded); `previous`: the last build's."""
    summary.inputs = [str(Path(p).absolute()) for p in paths]
    notes: list[str] = []
    files = ingest.iter_source_files(paths, notes)
    for note in notes:
        print(f"kg build: {note}", file=sys.stderr, flush=True)
    names = ingest.doc_names(files)
    if cache is None:
        with tempfile.TemporaryDirectory(prefix="kg-cache-") as tmp:
            return _extract_corpus_cached(files, names, summary, workers, BuildCache(tmp), paths, Manifest())
    return _extract_corpus_cached(files, names, summary, workers, cache, paths,
                                  cache.manifest() if previous is None else previous)


def _extract_corpus_cached(files, names, summary: Summary, workers: int, cache: BuildCache, paths,
                           previous: Manifest):
    files = sorted(files, key=lambda f: names[f])      # (doc, index) order, as resolution reads it
    states: dict[str, FileState | None] = {}
    for f in files:
        try:
            states[names[f]] = file_state(f, previous.files.get(names[f]))
        except OSError:
            states[names[f]] = None                    # pass 1 reports why it cannot be read
    infos: dict[str, passes.FileFirst] = {}
    todo = []
    for f in files:
        doc, st = names[f], states[names[f]]
        info = cache.load_info(entry_key(st.sha, doc)) if st else None
        if isinstance(info, passes.FileFirst):
            infos[doc] = info
        else:
            todo.append((str(f), doc, st.sha if st else ""))
    total = len(todo) + len(files)
    for r in passes.run(passes._first_task, todo, workers, cache=cache,
                        progress=lambda n: _progress(n, total, "extracting")):
        infos[r.doc] = r
        _add_seconds(summary, r.seconds)
    generation.fault("extract")
    read = _files_read([infos[names[f]] for f in files], summary, paths)
    summary.files_extracted = len(todo) - len(summary.files_skipped)
    short = corpus_short_names(read)
    owners = {form: frozenset(full) for form, full in short.owners.items()}
    unchanged = owners == previous.short_names
    jobs = [(i.key, "trust" if unchanged else "check") for i in read]
    resolver = Resolver()
    duplicates, in_order = ingest.Duplicates(), iter(read)

    def fold(r: passes.FileSecond) -> None:
        """Each file's pass 2 is folded into the resolver as it comes, then dropped: memory holds
        what the graph will, not every file's extractions. Reprints are counted meanwhile (in
        corpus order, as results come), rather than between the passes."""
        info = next(in_order)
        if info.key != r.key:           # results come in the order of the jobs (passes.run)
            raise RuntimeError(f"pass 2 result {r.key} came in place of {info.key}")
        summary.reprints += sum(1 for a in info.articles if duplicates.add((info.doc, a.index), a.sketch))
        clock = time.perf_counter()
        summary.files_reextracted += not r.reused
        _add_seconds(summary, r.seconds)
        resolver.add(r.folded)
        _add_seconds(summary, {"resolve": time.perf_counter() - clock})

    passes.run(passes._second_task, jobs, workers, cache=cache, short=short, consume=fold,
               progress=lambda n: _progress(len(todo) + n, len(todo) + len(read), "extracting"))
    return _graph_of(resolver, read, states, owners, summary)


def _files_read(ordered: list[passes.FileFirst], summary: Summary, paths) -> list[passes.FileFirst]:
    """Pass 1's summaries of every file (in corpus order) → those of the files read; the summary
    counts them. BuildError when there is no article at all."""
    read = [i for i in ordered if not i.error]
    summary.files_read = len(read)
    summary.files_skipped = [(i.path, i.error) for i in ordered if i.error]
    summary.articles = sum(len(i.articles) for i in read)
    if not summary.articles:
        where = ", ".join(str(p) for p in paths)
        why = "; ".join(f"{p}: {reason}" for p, reason in summary.files_skipped[:3])
        if len(summary.files_skipped) > 3:
            why += f"; and {len(summary.files_skipped) - 3} more files that cannot be read"
        raise BuildError(f"no article found in {where} "
                         + (f"({why})" if why else "(looked for .txt and .md files)"))
    return read


def _graph_of(resolver: Resolver, read, states: dict, owners: dict, summary: Summary):
    """Every file's pass 2 folded into `resolver` → (the graph, the manifest to save once the build
    has succeeded)."""
    clock = time.perf_counter()
    generation.fault("merge")
    g = build_graph(*enrich(*resolver.resolve()))
    _add_seconds(summary, {"resolve": time.perf_counter() - clock})
    g.graph["documents"] = [i.document for i in read]
    summary.nodes = dict(Counter(d["label"] for _, d in g.nodes(data=True)))
    summary.relationships = dict(Counter(k for _, _, k in g.edges(keys=True)))
    manifest = Manifest(files={i.doc: states[i.doc] for i in read}, short_names=owners)
    return g, manifest


def _add_seconds(summary: Summary, seconds: dict[str, float]) -> None:
    for stage, t in seconds.items():
        summary.stage_seconds[stage] = summary.stage_seconds.get(stage, 0.0) + t


def corpus_short_names(firsts) -> ShortNames:
    """The short names of every full company name, and the bare names, that pass 1 found (from
    `FirstPass`es or per-file `FileFirst`s, in corpus order)."""
    companies: dict[str, set[str]] = {}
    bare: set[str] = set()
    for fp in firsts:
        for name, regions in fp.company_names().items():
            companies.setdefault(name, set()).update(regions)
        bare |= fp.bare_company_names()
    return ShortNames(companies, bare)


def build(paths, out: str | os.PathLike = "out", store: bool = True, workers: int | None = None,
          full: bool = False, max_file_mb: float | None = None, scheduler: str | None = None,
          neo4j_import: str | os.PathLike | None = None, database: str = "neo4j") -> Summary:
    """Build the graph of the articles under `paths` into `out` (export files and embedded store).

    Incremental: files already read by an earlier build into `out` (same content) are not read
    again, and the store is updated with what changed instead of being reloaded; the result is
    the graph a full rebuild gives. `full`: ignore what earlier builds kept. `workers`: processes
    for extraction (default: the machine's cores). `scheduler`: extract on a Dask cluster instead
    (tcp://HOST:PORT or local:N, `kg.cluster`); `paths` may then be URLs too. `neo4j_import`: a
    new folder for the files of Neo4j's bulk importer too (`kg.neo4j_import`, for `database`)."""
    started = time.monotonic()
    summary = Summary(workers=workers or passes.default_workers())
    folder = BuildFolder(out, full=full)
    urls = [str(p) for p in paths if ingest.is_url(p)]
    if urls and not scheduler:
        raise BuildError(f"{urls[0]} is a URL: URLs are read by a Dask cluster's workers; add --scheduler local:N "
                         "or --scheduler tcp://HOST:PORT")
    missing = [str(p) for p in paths if not os.path.lexists(p) and not ingest.is_url(p)]
    if neo4j_import:
        from kg.neo4j_import import check_new_folder

        check_new_folder(neo4j_import)
    if missing and len(missing) == len(paths):
        raise BuildError(f"no such file or folder: {', '.join(missing)}")
    limit = ingest.read.MAX_FILE_BYTES
    if max_file_mb is not None:       # workers are forked from here: they see it too
        ingest.read.MAX_FILE_BYTES = int(max_file_mb * 2**20)
    try:
        with folder, paused_collector():
            summary.generation = generation.new_id()
            if scheduler:
                from kg import cluster

                assert folder.cache is not None    # (opened by `with folder`)
                g, manifest = cluster.extract_corpus(scheduler, paths, summary, folder.cache)
            else:
                g, manifest = _extract_corpus(paths, summary, summary.workers, folder.cache, folder.previous)
            with _Export(g, folder.staging) as export:      # written beside the store's load
                if store:
                    clock = time.perf_counter()
                    summary.store_update = sync_store(g, folder.out, folder.staging / STORE_DIR, folder.previous,
                                                      incremental=not full, generation_id=summary.generation)
                    summary.stored = True
                    _add_seconds(summary, {"store": time.perf_counter() - clock})
            generation.fault("export")
            _add_seconds(summary, {"export": export.seconds})
            move_out = None
            if neo4j_import:                         # the same rows, as files for neo4j-admin
                from kg import neo4j_import as bulk

                clock = time.perf_counter()
                bulk.write_build(g, folder.staging / "neo4j-import", database)
                _add_seconds(summary, {"neo4j-import": time.perf_counter() - clock})
                move_out = (folder.staging / "neo4j-import", Path(neo4j_import))
            summary.seconds = time.monotonic() - started
            folder.commit(summary.to_json(), manifest, store, move_out)
            return summary
    finally:
        ingest.read.MAX_FILE_BYTES = limit


class _Export:
    """The JSON Lines export, written by a forked copy of this process while this one loads the
    store (the two only read the graph, and loading is mostly this process's work), or in a
    thread where there is no fork. Leaving the block waits for it and raises BuildError if it
    failed; `seconds` is the time the writing took."""

    def __init__(self, g: nx.MultiDiGraph, folder: Path):
        self.g, self.folder, self.seconds = g, folder, 0.0
        self._pid = 0
        self._thread: threading.Thread | None = None
        self._error: str | None = None

    def __enter__(self) -> "_Export":
        if hasattr(os, "fork"):
            self._pid = os.fork()
            if self._pid == 0:                 # the copy: write, report, leave at once
                code = 0
                try:
                    from kg.store.embedded import _die_with_parent

                    _die_with_parent(signal.SIGKILL)   # never outlives the build
                    signal.signal(signal.SIGINT, signal.SIG_IGN)
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    os.nice(10)                # the load (this process and the server) goes first
                    (self.folder / ".export-seconds").write_text(f"{self._write():.6f}")
                except BaseException as e:     # noqa: BLE001 (the parent reports it)
                    code = 1
                    try:
                        (self.folder / ".export-error").write_text(f"{type(e).__name__}: {e}", "utf-8")
                    except OSError:
                        pass
                finally:
                    os._exit(code)
        else:
            def write():
                try:
                    self.seconds = self._write()
                except Exception as e:         # noqa: BLE001 (reported when the block ends)
                    self._error = f"{type(e).__name__}: {e}"
            self._thread = threading.Thread(target=write, name="kg-export")
            self._thread.start()
        return self

    def _write(self) -> float:
        """Write the export; the seconds it took."""
        clock = time.perf_counter()
        write_jsonl(self.g, self.folder)
        return time.perf_counter() - clock

    def __exit__(self, exc_type, *_) -> None:
        if self._thread is not None:
            self._thread.join()
        elif self._pid:
            if exc_type is not None:           # the build failed anyway: do not wait for the copy
                try:
                    os.kill(self._pid, signal.SIGKILL)
                except OSError:
                    pass
            status = os.waitpid(self._pid, 0)[1]
            if exc_type is None and os.waitstatus_to_exitcode(status) != 0:
                err = self.folder / ".export-error"
                self._error = err.read_text("utf-8") if err.exists() else f"exit status {status}"
            try:
                self.seconds = float((self.folder / ".export-seconds").read_text())
            except (OSError, ValueError):
                pass
            for name in (".export-seconds", ".export-error"):
                (self.folder / name).unlink(missing_ok=True)
        if self._error and exc_type is None:
            raise BuildError(f"cannot write the export into {self.folder}: {self._error}")
