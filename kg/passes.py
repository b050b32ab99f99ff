"""The two per-file passes of a build, run in worker processes (or in-process with one worker).

Pass 1 (`first_pass`) reads one file: decode, split into articles, sketch each for reprint
detection and `recognise` what names itself. It keeps its full result in the build cache and
returns only what the corpus-level step needs: each article's title and sketch, the full company
names and bare company names it saw.

Between the passes the parent process gathers the corpus's short company names (`ShortNames`).

Pass 2 (`second_pass`) takes one file's pass-1 result from the cache, extracts (short names,
people, industries, relations) and folds the file's extractions into what resolution keeps
(`kg.resolve.Folded`); the parent merges each file's fold as it arrives and resolves at the end.

A worker holds one file at a time, so memory follows the largest file, not the corpus, and the
parent holds what the graph will. Results come back in file order whatever the number of
workers, and resolution does not depend on order anyway (positions decide where order could):
the same input gives the same graph and ids with any `--workers`.
"""
from __future__ import annotations

import array
import gc
import os
import pickle
import time
from dataclasses import dataclass, field

from kg import documents, ingest
from kg.cache import BuildCache, entry_key
from kg.extract.article import FirstPass, extract, recognise_all
from kg.extract.shortnames import ShortNames
from kg.language.tokens import Tokens
from kg.gazetteer import Gazetteer
from kg.resolve import Folded


@dataclass
class ArticleInfo:
    index: int
    title: str
    sketch: ingest.Sketch


@dataclass
class FileFirst:
    """What pass 1 tells the parent about one file."""

    doc: str
    path: str
    sha: str
    error: str = ""                                   # why the file was skipped, if it was
    articles: list[ArticleInfo] = field(default_factory=list)
    document: dict = field(default_factory=dict)      # its documents.jsonl record (kg.documents)
    full_names: dict[str, set[str]] = field(default_factory=dict)
    bare_names: set[str] = field(default_factory=set)
    seconds: dict[str, float] = field(default_factory=dict)   # time per stage, for benchmarks

    @property
    def key(self) -> str:
        return entry_key(self.sha, self.doc)

    def company_names(self) -> dict[str, set[str]]:      # as FirstPass has them, for ShortNames
        return self.full_names

    def bare_company_names(self) -> set[str]:
        return self.bare_names


def first_pass(path: str, doc: str, sha: str, cache: BuildCache, data: bytes | None = None) -> FileFirst:
    """Pass 1 over one file; its result is stored in `cache` under (sha, doc). `data`: the file's
    bytes, when the caller read them (a cluster's worker, `kg.cluster`)."""
    out = FileFirst(doc, path, sha)
    clock = time.perf_counter()
    try:
        text = ingest.read_source(path) if data is None else ingest.decode_source(data, path)
    except ingest.SourceError as e:
        out.error = e.reason
        return out
    gazetteer = Gazetteer.default()
    articles = ingest.split_articles(text, doc)
    sketches = [ingest.sketch(a.text) for a in articles]
    out.document = documents.record(doc, path, articles)
    clock = _lap(out.seconds, "ingest", clock)
    tokens = [Tokens(a.text) for a in articles]
    clock = _lap(out.seconds, "tokenise", clock)
    firsts = recognise_all(articles, gazetteer, tokens)
    clock = _lap(out.seconds, "recognise", clock)
    for a, sk, fp in zip(articles, sketches, firsts):
        a.offsets = array.array("i", a.offsets)  # type: ignore[assignment]  # 4 bytes a character, not ~36
        out.articles.append(ArticleInfo(a.index, a.title, sk))
        for name, regions in fp.company_names().items():
            out.full_names.setdefault(name, set()).update(regions)
        out.bare_names |= fp.bare_company_names()
    cache.save_first(out.key, out, firsts)
    _lap(out.seconds, "cache", clock)
    return out


def _lap(seconds: dict[str, float], stage: str, since: float) -> float:
    now = time.perf_counter()
    seconds[stage] = seconds.get(stage, 0.0) + now - since
    return now


@dataclass
class FileSecond:
    """What pass 2 gives the parent for one file (also what the cache keeps)."""

    key: str
    relevant: dict[str, frozenset[str]]      # short forms found in the file's text → full names
    folded: Folded                           # the file's extractions as resolution keeps them
    reused: bool = False
    seconds: dict[str, float] = field(default_factory=dict)


def relevant_short_names(firsts: list[FirstPass], short: ShortNames) -> dict[str, frozenset[str]]:
    """The corpus's short forms that occur in these articles, with the full names they stand for:
    all of pass 2's result that depends on other files."""
    found: dict[str, frozenset[str]] = {}
    if short.owners:
        for fp in firsts:
            for _, form in short.automaton.iter(fp.article.text):
                found[form] = frozenset(short.owners[form])
    return found


def second_pass(key: str, cache: BuildCache, short: ShortNames, reuse: str) -> tuple[FileSecond, bytes]:
    """Pass 2 over one file's pass-1 result, and that result pickled as the cache holds it (what
    a worker sends back). `reuse`: "" computes it; "check" returns the cached pass 2 when the
    short names found in the file's text are the ones it was made with; "trust" returns the
    cached one unchecked (the corpus's short names have not changed at all)."""
    clock = time.perf_counter()
    if reuse == "trust":
        cached, data = _cached_second(cache, key)
        if cached is not None:
            return cached, data
    firsts = cache.load_first(key)
    if firsts is None:
        raise RuntimeError(f"build cache entry {cache.path(key)} is missing or unreadable")
    relevant = relevant_short_names(firsts, short)
    if reuse:
        cached, data = _cached_second(cache, key)
        if cached is not None and cached.relevant == relevant:
            return cached, data
    folded, seconds = Folded(), dict[str, float]()
    clock = _lap(seconds, "cache", clock)
    for fp in firsts:
        if fp.tokens is None:
            fp.tokens = Tokens(fp.article.text)
            clock = _lap(seconds, "tokenise", clock)
        ex = extract(fp, ingest.split_sentences(fp.article), short)
        clock = _lap(seconds, "relate", clock)
        folded.add(ex)
        clock = _lap(seconds, "resolve", clock)
    result = FileSecond(key, relevant, folded)
    data = cache.save_second(key, result)
    _lap(seconds, "cache", clock)
    result.seconds = seconds
    return result, data


def _cached_second(cache: BuildCache, key: str) -> tuple[FileSecond | None, bytes]:
    data = cache.load_second_bytes(key)
    cached = cache.unpickle(data) if data else None
    if not isinstance(cached, FileSecond):
        return None, b""
    cached.reused = True
    return cached, data


@dataclass
class Packed:
    """Pass 2's result as a worker sends it back: the bytes the cache holds, so that it is pickled
    once, not once for the cache and again for the pipe."""

    data: bytes
    reused: bool
    seconds: dict[str, float]

    def unpack(self) -> FileSecond:
        r = pickle.loads(self.data)
        r.reused, r.seconds = self.reused, self.seconds
        return r


# ---- running a pass over many files ----------------------------------------------------------

_SHARED: dict = {}   # what forked workers inherit instead of receiving it with every task


def _first_task(job):
    path, doc, sha = job
    try:
        return first_pass(path, doc, sha, _SHARED["cache"])
    finally:
        _collect_young()


def _second_task(job):
    key, reuse = job
    try:
        result, data = second_pass(key, _SHARED["cache"], _SHARED["short"], reuse)
    finally:
        _collect_young()
    if _SHARED.get("in_worker"):
        return Packed(data, result.reused, result.seconds)
    return result


def _collect_young() -> None:
    """With the collector paused for a build (`kg.collector.paused_collector`; forked workers
    inherit the pause), free the reference cycles one file left, if any: a look at what was made
    since the last task, not at everything alive."""
    if not gc.isenabled():
        gc.collect(0)


def _init_worker(shared: dict) -> None:
    _SHARED.clear()
    _SHARED.update(shared)
    if shared.get("in_worker"):
        import signal

        from kg.store.embedded import _die_with_parent

        _die_with_parent(signal.SIGKILL)      # a worker never outlives the build (kill -9 included)
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle


def run(task, jobs: list, workers: int, progress=None, consume=None, **shared) -> list:
    """`task` over `jobs`, in `workers` processes (forked where the system can, so they start with
    the gazetteer and dictionaries already loaded); results in the order of `jobs`. With
    `consume`, each result is handed to it as it comes, in that order, and not kept."""
    _init_worker(shared)
    results = []
    done = 0

    def take(r):
        nonlocal done
        done += 1
        if consume is not None:
            consume(r)
        else:
            results.append(r)
        if progress:
            progress(done)

    try:
        if workers <= 1 or len(jobs) <= 1:
            for job in jobs:
                take(task(job))
            return results
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        if ctx is not None:
            warm_up()
        chunk = max(1, min(2, len(jobs) // (workers * 8)))   # small: workers finish together
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                   initargs=({**shared, "in_worker": True},))
        try:
            for r in pool.map(task, jobs, chunksize=chunk):
                take(r.unpack() if isinstance(r, Packed) else r)
                _collect_young()                  # the cycles the pool's own bookkeeping left
        except BaseException:                     # Ctrl-C, SIGTERM, a failed task: stop the workers now
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                try:
                    proc.kill()
                except (OSError, AttributeError):
                    pass
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return results
    finally:
        _SHARED.clear()


def warm_up() -> None:
    """Load, in this process, the tables every pass needs (jieba's tags, the gazetteer), once:
    the workers of both passes are forked from it and start with them, instead of each worker
    of each pass loading its own."""
    from kg.language.tokens import tag_of

    Gazetteer.default()
    tag_of("企业")


def default_workers() -> int:
    """The machine's cores (those this process may use)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1
