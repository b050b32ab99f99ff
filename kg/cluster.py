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
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kg import generation, ingest, passes
from kg.cache import BuildCache, FileState, Manifest, code_fingerprint, entry_key
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
    local, remote = [], []
    for p in paths:
        if ingest.is_url(p):
            protocol = str(p).split("://", 1)[0]
            if protocol in _LOCAL_PROTOCOLS:
                local.append(str(p).split("://", 1)[1])
            else:
                remote.extend(_list_url(str(p)))
        else:
            local.append(p)
    files = ingest.iter_source_files(local, notes) if local else []
    keys: dict[Path, object] = {Path(f): f for f in files}
    for fs, path, info in remote:         # named as if under /PROTOCOL/…: base names, else paths
        protocol = fs.protocol[0] if isinstance(fs.protocol, (tuple, list)) else fs.protocol
        keys.setdefault(Path(PurePosixPath("/", f"{protocol}:", str(path).split("://", 1)[-1].lstrip("/"))),
                        (fs, path, info))
    names = ingest.doc_names(keys)
    out = []
    for key, what in keys.items():
        if isinstance(what, tuple):
            fs, path, info = what
            out.append(Source(fs.unstrip_protocol(path), names[key], path, fs,
                              info.get("size") if isinstance(info.get("size"), int) else -1, _version(info)))
        else:
            try:
                st = os.stat(what)
                size, version = st.st_size, st.st_mtime_ns
            except OSError:               # pass 1 says why it cannot be read
                size, version = -1, None
            out.append(Source(str(what), names[key], os.path.abspath(what), None, size, version))
    return sorted(out, key=lambda s: s.doc)


_VERSION_FIELDS = ("mtime", "LastModified", "last_modified", "modified", "updated", "ETag", "etag",
                   "md5Hash", "crc32c", "generation", "last_mod", "checksum")


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
        if fsspec.core.has_magic(root) if hasattr(fsspec.core, "has_magic") else any(c in root for c in "*?["):
            found = fs.glob(root, detail=True)
        elif fs.isdir(root):
            found = fs.find(root, detail=True)
        else:
            found = {root: fs.info(root)}
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
        name = str(path).rstrip("/").rsplit("/", 1)[-1]
        hidden = any(part.startswith(".") for part in str(path)[len(str(root)):].split("/") if part)
        if path == root or (not hidden and name.lower().endswith(ingest.SOURCE_SUFFIXES)):
            out.append((fs, path, info))
    if not out:
        raise ClusterError(f"no .txt or .md file found at {url}")
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
        self.client = self._local = None
        distributed = _distributed()
        logging.getLogger("distributed").setLevel(logging.ERROR)
        if spec.startswith("local:"):
            n = spec[len("local:"):]
            if not n.isdigit() or int(n) < 1:
                raise ClusterError(f"--scheduler local:N takes a number of workers of at least 1, not {spec!r}")
            self._local = distributed.LocalCluster(n_workers=int(n), threads_per_worker=1, processes=True,
                                                   dashboard_address=None, silence_logs=logging.ERROR,
                                                   worker_class=distributed.Nanny)
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
        try:
            self._check_workers()
        except BaseException:
            self.close()
            raise

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

    def _local_worker_setup(self) -> None:
        """The local cluster's workers die with this process, kill -9 included (as the pool's do)."""
        import signal

        from kg.store.embedded import _die_with_parent

        self.client.run(_die_with_parent, signal.SIGKILL)

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

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *_) -> None:
        self.close()


def _why(e: BaseException) -> str:
    return " ".join((getattr(e, "strerror", None) or str(e) or type(e).__name__).split())


# ---- what runs on a worker ----------------------------------------------------------------------

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


def pass1_task(src: Source, known_sha: str, limit: int) -> Pass1:
    """Read, hash and (unless the content is the one the cache holds, `known_sha`) run pass 1."""
    clock = time.perf_counter()
    try:
        data = ingest.read_bytes(src.read, src.fs, limit, name=src.name)
    except ingest.SourceError as e:
        return Pass1(FileFirst(src.doc, src.name, "", error=e.reason))
    sha = hashlib.sha256(data).hexdigest()
    if sha == known_sha:
        return Pass1(FileFirst(src.doc, src.name, sha), len(data), unchanged=True)
    held = _Held()
    info = passes.first_pass(src.name, src.doc, sha, held, data=data)
    info.seconds["ingest"] = info.seconds.get("ingest", 0.0) + time.perf_counter() - clock \
        - sum(info.seconds.values())                 # reading and hashing are ingest's too
    return Pass1(info, len(data), held.summary, held.first)


def pass2_task(key: str, first, short, relevant: dict | None) -> Pass2:
    """Pass 2 of one file, from its pass 1 (a `Pass1` kept here, or the cache's bytes sent over).
    `relevant`: the short names the cached pass 2 was made with; when the file's text finds the
    same ones in this build's table, the cached result stands and nothing is sent back."""
    blob = first.first if isinstance(first, Pass1) else first
    held = _Held(blob)
    if relevant is not None:
        firsts = held.load_first(key)
        if passes.relevant_short_names(firsts, short) == relevant:
            return Pass2(key)
    result, data = passes.second_pass(key, held, short, "")
    return Pass2(key, data, result.seconds)


# ---- the build ----------------------------------------------------------------------------------

def extract_corpus(spec: str, paths, summary, cache: BuildCache, on_graph=None):
    """`kg.pipeline._extract_corpus` on a Dask cluster: (graph, the manifest to save once the build
    has succeeded). The summary is filled as a local build fills it."""
    from kg import pipeline

    notes: list[str] = []
    summary.inputs = [str(p) if ingest.is_url(p) else str(Path(p).absolute()) for p in paths]
    sources = list_sources(paths, notes)
    for note in notes:
        print(f"kg build: {note}", file=sys.stderr, flush=True)
    previous = cache.manifest()
    infos: dict[str, FileFirst] = {}
    states: dict[str, FileState] = {}
    todo: list[tuple[Source, str]] = []
    for s in sources:
        before = previous.files.get(s.doc)
        key = entry_key(before.sha, s.doc) if before else ""
        info = cache.load_info(key) if before else None
        if not isinstance(info, FileFirst):
            todo.append((s, ""))
        elif s.version is not None and before.path == s.name and before.size == s.size \
                and before.mtime_ns == s.version:
            infos[s.doc], states[s.doc] = info, before       # unchanged: not even read
        else:
            todo.append((s, before.sha))                     # read and hashed; extracted if it changed
    with Cluster(spec) as cluster:
        client = cluster.client
        summary.workers = cluster.workers
        build = uuid.uuid4().hex[:8]
        total = len(todo) + len(sources)
        done = 0
        limit = ingest.MAX_FILE_BYTES
        firsts = client.map(pass1_task, [s for s, _ in todo], [sha for _, sha in todo], [limit] * len(todo),
                            key=[f"kg-pass1-{build}-{i}" for i in range(len(todo))], retries=0)
        kept: dict[str, object] = {}                        # doc → its pass 1 on a worker, for pass 2
        by_future = {f.key: s for f, (s, _) in zip(firsts, todo)}
        extracted = 0
        from distributed import as_completed

        for fut in as_completed(firsts):
            s, r = by_future[fut.key], fut.result()
            if r.unchanged:
                info = cache.load_info(entry_key(r.info.sha, s.doc))
                fut.release()
            elif r.info.error:
                info = r.info
                fut.release()
            else:
                info = r.info
                cache.save_first_bytes(info.key, r.summary, r.first)
                kept[s.doc] = fut
                extracted += 1
            infos[s.doc] = info
            if r.info.sha:
                states[s.doc] = FileState(s.name, r.size if s.fs is not None else s.size,
                                          s.version if s.version is not None else -1, r.info.sha)
            pipeline._add_seconds(summary, info.seconds if not r.unchanged else {})
            done += 1
            pipeline._progress(done, total, "extracting")
            passes._collect_young()
        del firsts
        generation.fault("extract")
        ordered = [infos[s.doc] for s in sources]
        read = pipeline._files_read(ordered, summary, paths)
        summary.files_extracted = extracted
        short = pipeline.corpus_short_names(read)
        owners = {form: frozenset(full) for form, full in short.owners.items()}
        unchanged = owners == previous.short_names
        duplicates = ingest.Duplicates()
        summary.duplicates_merged = sum(1 for i in read for a in i.articles if duplicates.add((i.doc, a.index), a.sketch))

        from kg.resolve import Resolver
        from kg.gazetteer import Gazetteer

        resolver = Resolver(Gazetteer.default())

        def fold(r: FileSecond) -> None:
            nonlocal done
            clock = time.perf_counter()
            summary.files_reextracted += not r.reused
            pipeline._add_seconds(summary, r.seconds)
            resolver.add(r.folded)
            pipeline._add_seconds(summary, {"resolve": time.perf_counter() - clock})
            done += 1
            pipeline._progress(done, len(todo) + len(read), "extracting")
            passes._collect_young()

        done = len(todo)
        shared = None
        pending = []
        for i in read:                                # what needs no worker is folded at once
            if i.doc not in kept and unchanged:
                cached = _cached_second(cache, i.key)
                if cached is not None:
                    fold(cached)
                    continue
            if shared is None:
                shared = client.scatter(short, broadcast=True, hash=False)    # the table, once per worker
            if i.doc in kept:
                pending.append(client.submit(pass2_task, i.key, kept.pop(i.doc), shared, None,
                                             key=f"kg-pass2-{build}-{len(pending)}", retries=0))
                continue
            cached = _cached_second(cache, i.key)
            blob = cache.load_first_bytes(i.key)
            if not blob:
                raise pipeline.BuildError(f"build cache entry {cache.path(i.key)} is missing or unreadable; "
                                          "build again with --full")
            pending.append(client.submit(pass2_task, i.key, client.scatter(blob, hash=False), shared,
                                         cached.relevant if cached is not None else None,
                                         key=f"kg-pass2-{build}-{len(pending)}", retries=0))
        for fut in as_completed(pending):
            r = fut.result()
            fut.release()
            if r.data:
                cache.save_second_bytes(r.key, r.data)
                second = pickle.loads(r.data)
                second.seconds = r.seconds or {}
            else:
                second = _cached_second(cache, r.key)
                if second is None:
                    raise pipeline.BuildError(f"build cache entry {cache.path(r.key)} became unreadable during "
                                              "the build; build again with --full")
            fold(second)
        del pending, kept, shared
    return pipeline._graph_of(resolver, read, states, owners, summary)


def _cached_second(cache: BuildCache, key: str) -> FileSecond | None:
    cached = cache.unpickle(cache.load_second_bytes(key))
    if not isinstance(cached, FileSecond):
        return None
    cached.reused, cached.seconds = True, {}
    return cached
