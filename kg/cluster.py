"""Builds on a Dask cluster: `kg build PATH|URL… --scheduler tcp://HOST:PORT | local:N`.

Why: a national archive (tens of GB, millions of files) outgrows one machine, and a build has the
shape a distributed engine runs well: a map over files (pass 1), one corpus-wide step between the
passes (the short-name table), a second map (pass 2) whose per-file results are folded as they
come. Dask's distributed scheduler is that engine, not one of kg's own: the same code on a laptop
(`local:N`, a `LocalCluster`) and on a cluster (`dask scheduler` / `dask worker`), and a worker
that dies costs a retry: the scheduler gives its tasks to the others and recomputes what it held.

Who does what (the passes themselves are `kg.passes`' functions, the ones the local pool runs):

* the client (the `kg build` process) lists the inputs once (local folders, or any fsspec URL the
  workers can read), keeps the build cache where a local build keeps it (OUT/.kg-cache: the
  workers never see it), decides which files to read, makes the short-name table once and
  scatters it to every worker, folds pass 2's results as they arrive, resolves, and writes the
  store and the export as a local build does (`kg.pipeline`);
* a worker reads a file (a path or a URL), hashes it, runs pass 1 and keeps the result for the
  file's pass 2 (which the scheduler runs where it is), and hands back the bytes the cache keeps.

The graph and its ids are the ones a local build gives, whatever the number of workers: files are
named, ordered and read as a local build names, orders and reads them, and resolution does not
depend on the order in which results arrive (tested: byte-identical exports).
"""
from __future__ import annotations

from typing import Any, cast

import gc
import hashlib
import json
import logging
import os
import pickle
import socket
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kg import generation, ingest, passes
from kg.collector import paused_collector
from kg.cache import BuildCache, FileState, code_fingerprint, entry_key
from kg.passes import FileFirst, FileSecond
from kg.pipeline import BuildError

EXTRA = "pip install 'kg[cluster]'"
CONNECT_TIMEOUT = 10.0       # seconds for a scheduler to answer, and for it to have a worker
_LOCAL_PROTOCOLS = ("file", "local")


class ClusterError(BuildError):
    """The cluster or an input URL cannot be used (the message says which and why)."""


# ---- inputs -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """One input file as the client listed it."""

    name: str            # as reports and the manifest name it: the path as listed, or the file's URL
    doc: str             # the schema's `doc` (kg.ingest.doc_names)
    read: str            # what a worker opens: an absolute path, or the path in `fs`
    fs: object = None    # the fsspec filesystem of a URL (None: a local file)
    size: int = -1       # from the listing (-1: the listing did not say)
    version: int | None = None   # local: the time of last change (ns); URL: a token of the listing's
    #                              times and tags (None: it had none, so the file is always read)


def list_sources(paths, notes: list[str]) -> list[Source]:
    """Every source file under `paths` (local files and folders, file:// URLs and other fsspec
    URLs: a folder is listed recursively, a pattern is globbed), named and ordered as a local
    build names and orders them. Raises ClusterError naming a URL that cannot be listed."""
    local: list = []
    remote: list = []
    for p in paths:
        if ingest.is_url(p):
            protocol = str(p).split("://", 1)[0]
            if protocol in _LOCAL_PROTOCOLS and "::" not in str(p):
                local.append(str(p).split("://", 1)[1])
            else:
                remote.extend((fs, path, info, str(p).partition("::")[2]) for fs, path, info in _list_url(str(p)))
        else:
            local.append(p)
    files = ingest.iter_source_files(local, notes) if local else []
    keys: dict[Path, Any] = {Path(f): f for f in files}
    for fs, path, info, chain in remote:  # named as if under /PROTOCOL/…: base names, else paths
        protocol = fs.protocol[0] if isinstance(fs.protocol, (tuple, list)) else fs.protocol
        keys.setdefault(Path(PurePosixPath("/", f"{protocol}:", str(path).split("://", 1)[-1].lstrip("/"))),
                        (fs, path, info, chain))
    names = ingest.doc_names(keys)
    out = []
    for key, what in keys.items():
        if isinstance(what, tuple):
            fs, path, info, chain = what
            url = fs.unstrip_protocol(path) + (f"::{chain}" if chain else "")    # the file's own URL
            out.append(Source(url, names[key], path, fs,
                              info.get("size") if isinstance(info.get("size"), int) else -1, _version(info)))
        else:
            try:
                st = os.stat(what)
                size, version = st.st_size, st.st_mtime_ns
            except OSError:               # pass 1 says why it cannot be read
                size, version = -1, None
            out.append(Source(str(what), names[key], os.path.abspath(what), None, size, version))
    return sorted(out, key=lambda s: s.doc)


# what listings say of a file's version: times, tags, checksums (local, S3, GCS, Azure, HDFS, zip)
_VERSION_FIELDS = ("mtime", "LastModified", "last_modified", "modified", "updated", "ETag", "etag",
                   "md5Hash", "crc32c", "generation", "last_mod", "checksum", "CRC", "date_time")


def _version(info: dict) -> int | None:
    """A token of a listed file's size and times/tags; None when the listing gave none (then the
    file is read every build and hashed, and only its content decides what is reused)."""
    seen = {k: str(info[k]) for k in _VERSION_FIELDS if info.get(k) is not None}
    if not seen:
        return None
    token = json.dumps([info.get("size"), sorted(seen.items())])
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big") >> 1


def _list_url(url: str) -> list[tuple]:
    """(filesystem, path, listing info) of the source files a URL names."""
    try:
        import fsspec
    except ImportError:
        raise ClusterError(f"{url} is a URL, and reading URLs needs fsspec: {EXTRA}") from None
    try:
        fs, root = fsspec.core.url_to_fs(url)
        magic = min((root.index(c) for c in "*?[" if c in root), default=-1)
        if magic >= 0:
            found, base = fs.glob(root, detail=True), root[:magic].rpartition("/")[0]
        elif fs.isdir(root):
            found, base = fs.find(root, detail=True), root
        else:
            found, base = {root: fs.info(root)}, root
    except ImportError as e:
        raise ClusterError(f"cannot read {url}: {e} (the client and the workers need the package "
                           f"fsspec uses for this kind of URL)") from None
    except FileNotFoundError:
        raise ClusterError(f"cannot read {url}: no such file or folder") from None
    except Exception as e:                   # noqa: BLE001 (a filesystem's own errors: network, credentials)
        raise ClusterError(f"cannot read {url}: {type(e).__name__}: {e}") from None
    out = []
    for path, info in sorted(found.items()):
        if info.get("type", "file") != "file":
            continue
        if path == root:                      # a file named by the URL itself: read whatever its name
            out.append((fs, path, info))
            continue
        below = [part for part in str(path)[len(base):].split("/") if part]     # as a folder's walk skips
        if below and not any(part.startswith(".") for part in below) \
                and below[-1].lower().endswith(ingest.SOURCE_SUFFIXES):
            out.append((fs, path, info))
    return out


# ---- the cluster --------------------------------------------------------------------------------

def _distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError(f"kg build --scheduler needs Dask's distributed scheduler, an optional extra: {EXTRA}") \
            from None
    return distributed


class Cluster:
    """A client of a running scheduler (tcp://HOST:PORT) or of a local cluster this process starts
    and stops (local:N, N single-threaded worker processes). Checks that the scheduler answers, has
    a worker, and that its workers run this very kg (other code would give other results)."""

    def __init__(self, spec: str):
        self.spec = spec
        self.client: Any = None
        self._local: Any = None
        distributed = _distributed()
        self._levels = {}
        if not logging.getLogger().isEnabledFor(logging.DEBUG):    # (kg -v shows Dask's own log)
            for name in _QUIET:                  # what goes wrong, kg says in one line
                self._levels[name] = logging.getLogger(name).level
                logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            self._connect(distributed)
            self._check_workers()
        except BaseException:
            self.close()
            raise

    def _connect(self, distributed) -> None:
        spec = self.spec
        if spec.startswith("local:"):
            n = spec[len("local:"):]
            if not n.isdigit() or int(n) < 1:
                raise ClusterError(f"--scheduler local:N takes a number of workers of at least 1, not {spec!r}")
            self._local = distributed.LocalCluster(n_workers=int(n), threads_per_worker=1, processes=True,
                                                   dashboard_address="127.0.0.1:0",   # any free port, loopback
                                                   silence_logs=logging.ERROR)
            self.client = distributed.Client(self._local)
            self._local_worker_setup()
        elif "://" in spec:
            self._reach(spec)
            try:
                self.client = distributed.Client(spec, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as e:
                raise ClusterError(f"the Dask scheduler at {spec} does not answer ({_why(e)}); is `dask scheduler` "
                                   "running there, and is this its address?") from None
        else:
            raise ClusterError(f"--scheduler takes tcp://HOST:PORT (a running `dask scheduler`) or local:N, "
                               f"not {spec!r}")

    @staticmethod
    def _reach(spec: str) -> None:
        """A scheduler that nobody listens for is said at once, not after the client's timeout."""
        where = spec.split("://", 1)[1].rstrip("/")
        host, _, port = where.rpartition(":")
        if not host or not port.isdigit():
            raise ClusterError(f"--scheduler {spec}: expected tcp://HOST:PORT")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT).close()
        except OSError as e:
            raise ClusterError(f"cannot reach the Dask scheduler at {spec}: {_why(e)} (is `dask scheduler` "
                               "running there?)") from None

    def _check_workers(self) -> None:
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (TimeoutError, OSError):
            raise ClusterError(f"the Dask scheduler at {self.spec} has no worker (start some: "
                               f"dask worker {self.spec} --nthreads 1)") from None
        try:
            codes = self.client.run(code_fingerprint)
        except Exception as e:           # noqa: BLE001 (raised on a worker: kg missing or broken there)
            raise ClusterError(f"the workers of {self.spec} cannot run kg ({type(e).__name__}: {e}); install "
                               f"this kg on them: {EXTRA}") from None
        other = sorted(w for w, c in codes.items() if c != code_fingerprint())
        if other:
            raise ClusterError(f"worker {other[0]} of {self.spec} runs another version of kg (code "
                               f"{codes[other[0]]}, here {code_fingerprint()}); install this one there")

    def warm_up(self) -> None:
        """Every worker loads what the passes use (dictionaries, gazetteer, tagger) now, at once,
        rather than in its first task."""
        self.client.run(_warm_up)

    def _local_worker_setup(self) -> None:
        """The local cluster's workers die with this process, kill -9 included (as the pool's do)."""
        import signal

        from kg.store.embedded import _die_with_parent

        self.client.run(_die_with_parent, signal.SIGKILL)

    def as_completed(self, futures):
        from distributed import as_completed

        return as_completed(futures)

    def result(self, future):
        """A task's result; losing the scheduler, or a task that killed worker after worker, is a
        ClusterError saying so (a task's own exception is raised as it is)."""
        from distributed import KilledWorker

        try:
            return future.result()
        except KilledWorker as e:
            raise ClusterError(f"a task of this build killed every worker that ran it ({_why(e)}); out of "
                               "memory? see the workers' logs") from None
        except (OSError, TimeoutError) as e:
            raise ClusterError(f"lost the Dask scheduler at {self.spec} ({_why(e)})") from None
        except Exception as e:       # noqa: BLE001
            if type(e).__name__ in ("CancelledError", "FutureCancelledError"):
                raise ClusterError(f"the Dask scheduler at {self.spec} cancelled this build's tasks "
                                   f"({_why(e)}): was it stopped or restarted?") from None
            raise

    @property
    def workers(self) -> int:
        """The threads of the cluster's workers: how many tasks run at once."""
        return sum(self.client.nthreads().values())

    def close(self) -> None:
        for thing in (self.client, self._local):
            if thing is not None:
                try:
                    thing.close()
                except Exception:        # noqa: BLE001 (closing: nothing more to do)
                    pass
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *_) -> None:
        self.close()


# Dask's loggers, and asyncio's, which Dask's client logs a lost connection's traceback with
_QUIET = ("distributed", "distributed.client", "distributed.worker", "distributed.nanny", "distributed.scheduler",
          "asyncio")


def _why(e: BaseException) -> str:
    return " ".join((getattr(e, "strerror", None) or str(e) or type(e).__name__).split())


# ---- what runs on a worker ----------------------------------------------------------------------

def _warm_up() -> None:
    _allocator()
    passes.warm_up()
    text = "本报讯 甲市高新区的乙丙智能科技有限公司启动二期项目。"     # pass 1 once: the tagger's model too
    passes.first_pass("warm-up.txt", "warm-up.txt", "", cast(BuildCache, _Held()), data=text.encode("utf-8"))


def _allocator() -> None:
    """Dask's nanny starts a worker with MALLOC_TRIM_THRESHOLD_=65536 (memory handed back to the
    system sooner), which also pins glibc's mmap threshold at 128 KB: the tagger's numpy arrays are
    then mapped and unmapped for every article, and pass 1 took 1.2-1.4x as long (measured). The
    worker gets the thresholds glibc's own adjustment would reach (mmap 32 MB, trim 64 MB)."""
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 32 << 20)          # M_MMAP_THRESHOLD
        libc.mallopt(-1, 64 << 20)          # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


class _Held:
    """The build cache as a worker's pass sees it: the cache lives with the client, so a pass's
    entry is held in memory and handed back (its bytes), and pass 2 reads pass 1's from here."""

    def __init__(self, first: bytes = b""):
        self.summary, self.first, self.second = b"", first, b""

    def save_first(self, key, info, firsts) -> None:
        self.summary = pickle.dumps(info, protocol=pickle.HIGHEST_PROTOCOL)
        self.first = pickle.dumps(firsts, protocol=pickle.HIGHEST_PROTOCOL)

    def load_first(self, key):
        return pickle.loads(self.first) if self.first else None

    def save_second(self, key, second) -> bytes:
        self.second = pickle.dumps(second, protocol=pickle.HIGHEST_PROTOCOL)
        return self.second

    def load_second_bytes(self, key) -> bytes:
        return b""

    unpickle = staticmethod(BuildCache.unpickle)

    def path(self, key) -> str:
        return f"{key} (held by a worker)"


@dataclass
class Pass1:
    """A file's pass 1 as a worker hands it back (and keeps it for the file's pass 2)."""

    info: FileFirst
    size: int = -1               # bytes read
    summary: bytes = b""         # the cache entry's parts, pickled (empty when unchanged or unreadable)
    first: bytes = b""
    unchanged: bool = False      # the content is the one the cache already holds: nothing was extracted


@dataclass
class Pass2:
    key: str
    data: bytes = b""            # pass 2's result pickled as the cache keeps it; empty: the cached one stands
    seconds: dict | None = None


def pass1_task(batch: list[tuple[Source, str]], limit: int) -> list[Pass1]:
    """Pass 1 of a batch of files: each read, hashed and, unless its content is the one the cache
    holds (the sha given with it), extracted."""
    with _bulk():
        return [_pass1(src, known, limit) for src, known in batch]


def _pass1(src: Source, known_sha: str, limit: int) -> Pass1:
    clock = time.perf_counter()
    try:
        data = ingest.read_bytes(src.read, src.fs, limit, name=src.name)
    except ingest.SourceError as e:
        return Pass1(FileFirst(src.doc, src.name, "", error=e.reason))
    sha = hashlib.sha256(data).hexdigest()
    if sha == known_sha:
        return Pass1(FileFirst(src.doc, src.name, sha), len(data), unchanged=True)
    held = _Held()
    info = passes.first_pass(src.name, src.doc, sha, cast(BuildCache, held), data=data)
    info.seconds["ingest"] = info.seconds.get("ingest", 0.0) + time.perf_counter() - clock \
        - sum(info.seconds.values())                 # reading and hashing are ingest's too
    return Pass1(info, len(data), held.summary, held.first)


def pass2_task(short, firsts: list, relevant: list | None = None) -> list[Pass2]:
    """Pass 2 of a batch of files, from their pass 1: a pass-1 batch kept here (`Pass1`s; the
    files it did not extract are left out), or (key, the cache's bytes) sent over. `relevant[i]`:
    the short names the cached pass 2 of file i was made with; when its text finds the same ones
    in this build's table, the cached result stands and nothing is sent back."""
    out = []
    with _bulk():
        for i, f in enumerate(firsts):
            key, blob = (f.info.key, f.first) if isinstance(f, Pass1) else f
            if not blob:
                continue
            held = _Held(blob)
            if relevant and relevant[i] is not None \
                    and passes.relevant_short_names(held.load_first(key), short) == relevant[i]:
                out.append(Pass2(key))
                continue
            result, data = passes.second_pass(key, cast(BuildCache, held), short, "")
            out.append(Pass2(key, data, result.seconds))
    return out


@contextmanager
def _bulk():
    """A task runs with Python's cyclic collector paused, as the local pool's workers do
    (`kg.collector`): its older generations would walk the worker's whole heap (dictionaries,
    gazetteer, model) again and again; measured, pass 1 took 1.6x as long on a Dask worker with
    it running. What the task left in cycles is freed after it."""
    with paused_collector():
        yield
    gc.collect(0)


def batches(items: list, sizes: list[int], workers: int) -> list[list]:
    """`items` cut, in order, into batches of about `BATCH_BYTES` of input, smaller for a small
    corpus so every worker gets several: a task per file would cost the scheduler more than the
    file's work (a few milliseconds of its time per task, tens of a worker's per small file)."""
    total = sum(max(s, 0) or UNKNOWN_SIZE for s in sizes)
    target = max(1, min(BATCH_BYTES, total // max(1, BATCHES_PER_WORKER * workers)))
    out, batch, held = [], [], 0
    for item, size in zip(items, sizes):
        batch.append(item)
        held += max(size, 0) or UNKNOWN_SIZE
        if held >= target:
            out.append(batch)
            batch, held = [], 0
    if batch:
        out.append(batch)
    return out


BATCH_BYTES = 1 << 20        # input per task at most (~3 s of a worker's time for Chinese text)
BATCHES_PER_WORKER = 8       # at least this many tasks per worker, so they finish together
UNKNOWN_SIZE = 64 << 10      # a file the listing gave no size for counts as this much


# ---- the build ----------------------------------------------------------------------------------

def extract_corpus(spec: str, paths, summary, cache: BuildCache):
    """`kg.pipeline._extract_corpus` on a Dask cluster: (graph, the manifest to save once the build
    has succeeded). The summary is filled as a local build fills it."""
    from kg import pipeline
    from kg.resolve import Resolver

    summary.inputs = [str(p) if ingest.is_url(p) else str(Path(p).absolute()) for p in paths]
    notes: list[str] = []
    sources = list_sources(paths, notes)
    for note in notes:
        print(f"kg build: {note}", file=sys.stderr, flush=True)
    previous = cache.manifest()
    infos: dict[str, FileFirst] = {}
    states: dict[str, FileState] = {}
    todo: list[tuple[Source, str]] = []
    for s in sources:
        before = previous.files.get(s.doc)
        info = cache.load_info(entry_key(before.sha, s.doc)) if before else None
        if before is None or not isinstance(info, FileFirst):
            todo.append((s, ""))
        elif s.version is not None and (before.path, before.size, before.mtime_ns) == (s.name, s.size, s.version):
            infos[s.doc], states[s.doc] = info, before       # unchanged: not even read
        else:
            todo.append((s, before.sha))                     # read and hashed; extracted if it changed
    total, done = len(todo) + len(sources), 0

    def tick() -> None:
        nonlocal done
        done += 1
        pipeline._progress(done, total, "extracting")

    clock = time.perf_counter()
    with Cluster(spec) as cluster:
        client = cluster.client
        summary.workers = cluster.workers
        cluster.warm_up()
        tag = uuid.uuid4().hex[:8]
        source = {s.doc: s for s in sources}
        started = time.perf_counter()
        busy = 0.0             # the client's own work on the results, CPU seconds of this thread (benchmarks)
        pipeline._add_seconds(summary, {"cluster: start": started - clock})

        # pass 1: each batch read and extracted on a worker, which keeps the result for pass 2
        work = batches(todo, [s.size for s, _ in todo], summary.workers)
        futures = client.map(pass1_task, work, limit=ingest.read.MAX_FILE_BYTES,
                             key=[f"kg-pass1-{tag}-{i}" for i in range(len(work))])
        kept: list | None
        kept, fresh = [], set()                  # the batches that extracted files, and those files
        for fut in cluster.as_completed(futures):
            extracted = False
            batch = cluster.result(fut)
            cpu = time.thread_time()
            for r in batch:
                s = source[r.info.doc]
                info = r.info
                if r.unchanged:
                    info = cache.load_info(entry_key(r.info.sha, s.doc))
                    if not isinstance(info, FileFirst):
                        raise BuildError(f"build cache entry {cache.path(entry_key(r.info.sha, s.doc))} became "
                                         "unreadable during the build; build again")
                else:
                    pipeline._add_seconds(summary, info.seconds)
                    if not info.error:
                        cache.save_first_bytes(info.key, r.summary, r.first)
                        fresh.add(s.doc)
                        extracted = True
                infos[s.doc] = info
                if info.sha:
                    states[s.doc] = FileState(s.name, r.size if s.fs is not None else s.size,
                                              -1 if s.version is None else s.version, info.sha)
                tick()
            if extracted:
                kept.append(fut)
            passes._collect_young()
            busy += time.thread_time() - cpu
        futures = batch = None
        generation.fault("extract")

        # between the passes: the corpus's short-name table, made once and sent to each worker once
        cpu = time.thread_time()
        read = pipeline._files_read([infos[s.doc] for s in sources], summary, paths)
        summary.files_extracted = len(fresh)
        short = pipeline.corpus_short_names(read)
        owners = {form: frozenset(full) for form, full in short.owners.items()}
        unchanged = owners == previous.short_names
        duplicates = ingest.Duplicates()
        summary.reprints = sum(1 for i in read for a in i.articles if duplicates.add((i.doc, a.index), a.sketch))
        resolver = Resolver()
        busy += time.thread_time() - cpu

        def fold(r: FileSecond) -> None:
            clock = time.perf_counter()
            summary.files_reextracted += not r.reused
            pipeline._add_seconds(summary, r.seconds)
            resolver.add(r.folded)
            pipeline._add_seconds(summary, {"resolve": time.perf_counter() - clock})
            tick()
            passes._collect_young()

        # pass 2: where pass 1 ran, for the files extracted now; from the cache's bytes, for the
        # others when the table changed (their short names may have); here, from the cache, for
        # the others when it did not
        table: _Once | None     # (both dropped once sent: None)
        pending: list | None
        table = _Once(lambda: client.scatter(short, broadcast=True, hash=False))   # once to each worker
        pending = [client.submit(pass2_task, table(), fut, key=f"kg-pass2-{tag}-{n}") for n, fut in enumerate(kept)]
        kept = None
        others = [i for i in read if i.doc not in fresh]
        resend = _Resend(client, cache, table, tag, summary.workers)
        if not unchanged:
            pending += resend.start(batches(others, [source[i.doc].size for i in others], summary.workers))
        else:
            cpu = time.thread_time()
            for i in others:
                second = _cached_second(cache, i.key)
                if second is None:               # no usable pass 2 kept: made again
                    pending += resend.start([[i]])
                else:
                    fold(second)
            busy += time.thread_time() - cpu
        waiting = cluster.as_completed(pending)
        pending = None
        for fut in waiting:
            batch = cluster.result(fut)
            cpu = time.thread_time()
            for r in batch:
                if r.data:
                    cache.save_second_bytes(r.key, r.data)
                    second = pickle.loads(r.data)
                    second.reused, second.seconds = False, r.seconds or {}
                else:
                    second = _cached_second(cache, r.key)
                    if second is None:
                        raise BuildError(f"build cache entry {cache.path(r.key)} became unreadable during the "
                                         "build; build again")
                fold(second)
            fut.release()
            for more in resend.next():
                waiting.add(more)
            busy += time.thread_time() - cpu
        waiting = table = batch = None
        pipeline._add_seconds(summary, {"cluster: extraction": time.perf_counter() - started, "cluster: client": busy})
    return pipeline._graph_of(resolver, read, states, owners, summary)


class _Once:
    """A value made on first use (the table is scattered only if a task needs it)."""

    def __init__(self, make):
        self.make, self.value, self.made = make, None, False

    def __call__(self):
        if not self.made:
            self.value, self.made = self.make(), True
        return self.value


class _Resend:
    """Pass 2 of files extracted by an earlier build, from their pass 1 in the client's cache: the
    bytes go with the task (the scheduler keeps them, so a worker's death costs a resend, not the
    build), a few batches at a time, so that neither the client nor the scheduler holds them all."""

    def __init__(self, client, cache: BuildCache, table: _Once, tag: str, workers: int):
        self.client, self.cache, self.table, self.tag = client, cache, table, tag
        self.window, self.sent = 2 * workers, 0
        self.todo: list[list] = []

    def start(self, work: list[list]) -> list:
        """Queue these batches (of `FileFirst`s); the tasks of the first few."""
        self.todo.extend(work)
        return [f for _ in range(self.window) for f in self.next()]

    def next(self) -> list:
        """The next queued batch's task (one finished: one more), if any is left."""
        if not self.todo:
            return []
        items, relevant = [], []
        for i in self.todo.pop(0):
            blob = self.cache.load_first_bytes(i.key)
            if not blob:
                raise BuildError(f"build cache entry {self.cache.path(i.key)} is missing or unreadable; "
                                 "build again with --full")
            second = _cached_second(self.cache, i.key)
            items.append((i.key, blob))
            relevant.append(second.relevant if second is not None else None)
        self.sent += 1
        return [self.client.submit(pass2_task, self.table(), items, relevant,
                                   key=f"kg-pass2-{self.tag}-cached-{self.sent}")]


def _cached_second(cache: BuildCache, key: str) -> FileSecond | None:
    cached = cache.unpickle(cache.load_second_bytes(key))
    if not isinstance(cached, FileSecond):
        return None
    cached.reused, cached.seconds = True, {}
    return cached
