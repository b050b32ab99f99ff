"""Builds on a Dask cluster (issue 15, kg/cluster.py): a scheduler and two workers started here as
separate processes on 127.0.0.1 (`python -m dask scheduler`, `python -m dask worker`), the real
`kg build --scheduler` on the seeds and on a corpus of a few hundred files cut from the seeds and
the development articles; every export is compared byte for byte with a local build's, and stores
by their contents. One worker is killed with SIGKILL in the middle of a build.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from kg import pipeline

from test_incremental import export_of, store_contents

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DEV = ROOT.parent / "shared" / "eval" / "news" / "texts"


def kg(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "kg.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, env={**os.environ, **(env or {})})


def _die_with_us():
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)      # PR_SET_PDEATHSIG: gone if pytest goes


class DaskProcesses:
    """`dask scheduler` and `dask worker`s as separate processes on 127.0.0.1 (workers without a
    nanny, so that killing one kills the worker itself)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.file = folder / "scheduler.json"
        self.log = open(folder / "dask.log", "w")
        self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                     "--scheduler-file", self.file)
        deadline = time.monotonic() + 120
        while not self.file.exists() or not self.file.read_text().strip():
            assert self.scheduler.poll() is None and time.monotonic() < deadline, self.logs()
            time.sleep(0.1)
        self.address = json.loads(self.file.read_text())["address"]
        self.workers: list[subprocess.Popen] = []

    def _start(self, *args) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "dask", *map(str, args)], stdout=self.log,
                                stderr=subprocess.STDOUT, cwd=self.folder, preexec_fn=_die_with_us)

    def add_workers(self, n: int) -> None:
        for _ in range(n):
            self.workers.append(self._start("worker", self.address, "--nthreads", "1", "--no-nanny",
                                            "--host", "127.0.0.1", "--no-dashboard",
                                            "--local-directory", self.folder, "--death-timeout", "60"))
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(len([w for w in self.workers if w.poll() is None]), timeout=120)

    def logs(self) -> str:
        self.log.flush()
        return (self.folder / "dask.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                p.kill()
            p.wait()
        self.log.close()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    cluster = DaskProcesses(tmp_path_factory.mktemp("dask"))
    try:
        cluster.add_workers(2)
        yield cluster
    finally:
        cluster.stop()


def make_corpus(folder: Path) -> Path:
    """A few hundred files cut from the seed pages and the development articles (where they are
    beside the checkout, as in CI): each text cut into runs of lines two ways (3 and 7 lines a
    file), so the corpus holds reprints too."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = sorted(SEEDS.glob("*.txt")) + (sorted(DEV.glob("*.txt")) if DEV.is_dir() else [])
    for path in texts:
        lines = path.read_text("utf-8").splitlines(keepends=True)
        for step in (3, 7):
            for n, i in enumerate(range(0, len(lines), step)):
                piece = "".join(lines[i:i + step])
                if piece.strip():
                    (folder / f"{path.stem}-{step}-{n:03d}.txt").write_text(piece, "utf-8")
    return folder


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """The corpus of a few hundred files and its local build (two pool workers, no store)."""
    base = tmp_path_factory.mktemp("many")
    folder = make_corpus(base / "corpus")
    pipeline.build([folder], base / "local", store=False, workers=2)
    return folder, base / "local"


def summary_of(out: Path) -> dict:
    s = json.loads((out / "summary.json").read_text("utf-8"))
    return {k: s[k] for k in ("files_read", "files_skipped", "articles", "reprints", "nodes", "relationships")}


def seeds_copy(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for f in sorted(SEEDS.glob("*.txt")):
        shutil.copy(f, folder / f.name)
    return folder


# ---- the same graph -----------------------------------------------------------------------------

def test_the_seeds_on_a_scheduler_and_two_worker_processes_give_the_local_build(dask_cluster, tmp_path):
    local, remote = tmp_path / "local", tmp_path / "cluster"
    pipeline.build([SEEDS], local, workers=1)
    r = kg("build", SEEDS, "--out", remote, "--scheduler", dask_cluster.address)
    assert r.returncode == 0, r.stderr + dask_cluster.logs()
    assert "(2 workers)" in r.stdout
    assert export_of(remote) == export_of(local)
    assert store_contents(remote) == store_contents(local)
    assert summary_of(remote) == summary_of(local)


def test_a_corpus_of_hundreds_of_files_gives_the_local_build_on_any_number_of_workers(dask_cluster, many, tmp_path):
    folder, local = many
    assert len(list(folder.iterdir())) >= 300
    r = kg("build", folder, "--out", tmp_path / "two", "--no-store", "--scheduler", dask_cluster.address)
    assert r.returncode == 0, r.stderr + dask_cluster.logs()
    assert export_of(tmp_path / "two") == export_of(local)
    assert summary_of(tmp_path / "two") == summary_of(local)
    assert summary_of(local)["reprints"] > 0                    # the reprints were there to find
    r = kg("build", folder, "--out", tmp_path / "one", "--no-store", "--scheduler", "local:1")
    assert r.returncode == 0, r.stderr
    assert "(1 worker)" in r.stdout
    assert export_of(tmp_path / "one") == export_of(local)


def test_file_and_archive_urls_give_the_folders_graph(dask_cluster, tmp_path):
    """Inputs as fsspec URLs the workers read: file://, and a zip archive (zip://::file://…),
    which the client lists and each worker opens itself."""
    folder = seeds_copy(tmp_path / "seeds")
    local = tmp_path / "local"
    pipeline.build([folder], local, store=False, workers=1)
    r = kg("build", folder.as_uri(), "--out", tmp_path / "file", "--no-store", "--scheduler", dask_cluster.address)
    assert r.returncode == 0, r.stderr + dask_cluster.logs()
    assert export_of(tmp_path / "file") == export_of(local)
    archive = tmp_path / "seeds.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f"news/{f.name}")
        z.writestr("news/empty.txt", "")                    # reported by its own URL, and skipped
        z.writestr("news/.drafts/draft.txt", "本报讯 草稿")    # hidden, as in a folder: not read
    url = f"zip://news::{archive.as_uri()}"
    r = kg("build", url, "--out", tmp_path / "zip", "--no-store", "--scheduler", dask_cluster.address)
    assert r.returncode == 1, r.stderr + dask_cluster.logs()
    assert f"kg build: skipped zip://news/empty.txt::{archive.as_uri()}: empty file" in r.stderr
    assert export_of(tmp_path / "zip") == export_of(local)
    summary = json.loads((tmp_path / "zip" / "summary.json").read_text("utf-8"))
    assert summary["inputs"] == [url] and summary["files_read"] == 5
    r = kg("build", url, "--out", tmp_path / "zip", "--no-store", "--scheduler", dask_cluster.address)
    assert "(5 unchanged since the last build" in r.stdout, r.stdout       # the listing's CRC and time say so
    assert export_of(tmp_path / "zip") == export_of(local)


# ---- incremental builds -------------------------------------------------------------------------

def test_incremental_builds_on_the_cluster_equal_full_local_builds(dask_cluster, tmp_path):
    """A folder that grows, then changes: the cluster reads only what is new or changed, keeps the
    cache with the client (OUT/.kg-cache), and its export and store equal a full local build's;
    a local build into the same folder afterwards finds nothing to read."""
    folder, out = seeds_copy(tmp_path / "articles"), tmp_path / "out"
    last = sorted(folder.iterdir())[-1]
    held = tmp_path / last.name
    shutil.move(last, held)

    def cluster_build():
        r = kg("build", folder, "--out", out, "--scheduler", dask_cluster.address)
        assert r.returncode == 0, r.stderr + dask_cluster.logs()
        return json.loads((out / "summary.json").read_text("utf-8"))

    def full(name):
        pipeline.build([folder], tmp_path / name, workers=1, full=True)
        return tmp_path / name

    assert cluster_build()["files_extracted"] == 4
    shutil.move(held, last)
    grown = cluster_build()
    assert (grown["files_read"], grown["files_extracted"]) == (5, 1)
    assert grown["store_update"].startswith("incremental")
    assert export_of(out) == export_of(full("full-grown"))
    assert store_contents(out) == store_contents(tmp_path / "full-grown")
    target = sorted(folder.iterdir())[2]
    target.write_text(target.read_text("utf-8")[: len(target.read_text("utf-8")) // 2], "utf-8")
    changed = cluster_build()
    assert changed["files_extracted"] == 1
    assert export_of(out) == export_of(full("full-changed"))
    assert store_contents(out) == store_contents(tmp_path / "full-changed")
    os.utime(sorted(folder.iterdir())[0])                        # touched, not changed: read, hashed, reused
    assert cluster_build()["files_extracted"] == 0
    assert cluster_build()["files_extracted"] == 0               # nothing changed: nothing read
    before = export_of(out)
    again = pipeline.build([folder], out, workers=1)            # the same cache serves a local build
    assert again.files_extracted == 0 and export_of(out) == before


def test_a_new_full_name_reaches_unchanged_files_on_the_cluster(dask_cluster, tmp_path):
    """As tests/test_incremental.py's: a new file brings the full name behind a short name an
    unchanged file uses; that file's pass 2 runs again, from the pass 1 the client's cache kept."""
    folder, out = tmp_path / "articles", tmp_path / "out"
    folder.mkdir()
    (folder / "a.txt").write_text("青川智能扩产\n\n本报讯 日前，青川智能在包头市稀土高新区启动二期扩产，新增产能500吨。\n", "utf-8")
    r = kg("build", folder, "--out", out, "--no-store", "--scheduler", dask_cluster.address)
    assert r.returncode == 0, r.stderr
    (folder / "b.txt").write_text("青川智能落户包头\n\n本报讯 青川智能（内蒙古）科技有限公司在包头市签约建设永磁电机项目。\n", "utf-8")
    r = kg("build", folder, "--out", out, "--no-store", "--scheduler", dask_cluster.address)
    assert r.returncode == 0, r.stderr
    s = json.loads((out / "summary.json").read_text("utf-8"))
    assert (s["files_extracted"], s["files_reextracted"]) == (1, 2)
    pipeline.build([folder], tmp_path / "full", store=False, workers=1, full=True)
    assert export_of(out) == export_of(tmp_path / "full")
    company = [json.loads(l) for l in (out / "entities.jsonl").read_text("utf-8").splitlines()
               if json.loads(l)["name"] == "青川智能（内蒙古）科技有限公司"]
    assert company and {m["doc"] for m in company[0]["mentions"]} == {"a.txt", "b.txt"}


# ---- the bulk path into Neo4j -------------------------------------------------------------------

@pytest.mark.slow
def test_the_build_writes_import_files_that_fill_a_new_neo4j_with_kg_loads_graph(dask_cluster, neo4j_server,
                                                                                 tmp_path):
    """`kg build … --neo4j-import DIR` on the cluster: the files `kg export neo4j-import` writes of
    that build, byte for byte; imported by Neo4j's own bulk importer (neo4j-admin database import
    full) into a new database, then after-import.cypher: the graph `kg load` makes of the build."""
    sys.path.insert(0, str(ROOT / "tools" / "neo4j-test-server"))
    from neo4j_test_server import Neo4jTestServer, admin

    from kg.store_commands import load_graph
    from kg.neo4j_import import after_import_statements, files_of, import_arguments
    from test_store_parity import dump, neo4j_server_store, wipe

    out, files, exported = tmp_path / "out", tmp_path / "import", tmp_path / "exported"
    r = kg("build", SEEDS, "--out", out, "--neo4j-import", files, "--scheduler", dask_cluster.address)
    assert r.returncode == 0, r.stderr + dask_cluster.logs()
    assert f"Neo4j bulk import files written to {files}" in r.stdout
    r = kg("export", "neo4j-import", exported, "--graph", out)
    assert r.returncode == 0, r.stderr
    assert {p.name: p.read_bytes() for p in files.iterdir()} == {p.name: p.read_bytes() for p in exported.iterdir()}
    home = tmp_path / "neo4j-home"
    assert "IMPORT DONE" in admin(import_arguments(*files_of(files), "neo4j", folder=files), home).stdout
    with neo4j_server.store() as db:
        wipe(db)
        load_graph(out, db, verbose=False)
        want = dump(db)
    with Neo4jTestServer(home=home) as server, neo4j_server_store(server) as db:
        for stmt in after_import_statements():
            db.write(stmt) if not stmt.startswith("CREATE") else db.ensure_schema()
        assert dump(db) == want


def test_import_files_go_into_a_new_folder_only(tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "x.csv").write_text("x")
    r = kg("build", SEEDS, "--out", tmp_path / "out", "--neo4j-import", taken)
    assert r.returncode == 2 and r.stderr.strip() == f"kg build: {taken} is not empty: give a new folder", r.stderr
    assert not (tmp_path / "out").exists()


# ---- faults -------------------------------------------------------------------------------------

def _cache_entries(out: Path) -> int:
    try:
        return sum(1 for p in (out / ".kg-cache").iterdir() if p.suffix == ".kg")
    except OSError:
        return 0


@pytest.mark.slow
def test_a_worker_killed_mid_build_costs_a_retry_not_the_build(many, tmp_path):
    """kill -9 of one of two worker processes once the build is under way: the scheduler gives its
    tasks to the other and recomputes what it held; the export is the local build's. (First, the
    scheduler alone: a build is refused, naming it, rather than left waiting for workers; last,
    the scheduler killed in a build: one line, the previous graph untouched.)"""
    folder, local = many
    cluster = DaskProcesses(tmp_path)
    try:
        r = kg("build", SEEDS, "--out", tmp_path / "none", "--scheduler", cluster.address)
        assert r.returncode == 2 and f"the Dask scheduler at {cluster.address} has no worker" in r.stderr, r.stderr
        cluster.add_workers(2)
        out = tmp_path / "out"
        build = subprocess.Popen([sys.executable, "-m", "kg.cli", "build", str(folder), "--out", str(out), "--no-store",
                                  "--scheduler", cluster.address], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, cwd=ROOT)
        deadline = time.monotonic() + 300
        while _cache_entries(out) < 10:               # pass 1 under way: results are coming back
            assert build.poll() is None and time.monotonic() < deadline, build.communicate()
            time.sleep(0.02)
        victim = cluster.workers[0]
        victim.kill()
        assert build.poll() is None and not (out / "summary.json").exists()     # killed mid-build
        victim.wait()
        stdout, stderr = build.communicate(timeout=600)
        assert build.returncode == 0, stderr + cluster.logs()
        assert export_of(out) == export_of(local)
        assert summary_of(out) == summary_of(local)
        assert cluster.workers[1].poll() is None
        # then the scheduler itself dies in the middle of a build: one line, the graph untouched
        again = tmp_path / "again"                     # the graph without its cache: everything is read again
        shutil.copytree(out, again, ignore=shutil.ignore_patterns(".kg-cache"))
        build = subprocess.Popen([sys.executable, "-m", "kg.cli", "build", str(folder), "--out", str(again),
                                  "--no-store", "--scheduler", cluster.address], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, cwd=ROOT)
        while _cache_entries(again) < 10:
            assert build.poll() is None and time.monotonic() < deadline + 300, build.communicate()
            time.sleep(0.02)
        cluster.scheduler.kill()
        _, stderr = build.communicate(timeout=300)
        lines = [l for l in stderr.splitlines() if not l.startswith("extracting")]
        assert build.returncode == 2 and len(lines) == 1, stderr
        assert lines[0].startswith(f"kg build: the Dask scheduler at {cluster.address} ") and "Traceback" not in stderr
        assert export_of(again) == export_of(local)
    finally:
        cluster.stop()


@pytest.mark.slow
def test_kill_9_of_a_build_takes_its_local_cluster_along(many, tmp_path):
    """`--scheduler local:2` starts two worker processes; they die with the build, kill -9 included."""
    folder, _ = many
    out = tmp_path / "out"
    build = subprocess.Popen([sys.executable, "-m", "kg.cli", "build", str(folder), "--out", str(out), "--no-store",
                              "--scheduler", "local:2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 300
    while _cache_entries(out) < 10:
        assert build.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    from test_faults import _children, _gone

    children = _children(build.pid)
    assert len(children) >= 2
    build.kill()
    build.wait()
    assert _gone(children), "the local cluster's processes outlived the build"


# ---- clear errors -------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("args, message", [
    (["--scheduler", f"tcp://127.0.0.1:{_free_port()}"], "cannot reach the Dask scheduler at tcp://127.0.0.1:"),
    (["--scheduler", "local:0"], "--scheduler local:N takes a number of workers of at least 1, not 'local:0'"),
    (["--scheduler", "127.0.0.1:8786"], "--scheduler takes tcp://HOST:PORT (a running `dask scheduler`) or local:N"),
    (["--scheduler", "local:2", "--workers", "2"], "with --scheduler the cluster's workers do the work"),
])
def test_a_scheduler_that_cannot_be_used_is_one_line(args, message, tmp_path):
    r = kg("build", SEEDS, "--out", tmp_path / "out", *args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("url, scheduler, message", [
    ("s3://kg-test-bucket/news/", "local:1", "cannot read s3://kg-test-bucket/news/: Install s3fs to access S3"),
    ("nosuch://archive/news/", "local:1", "cannot read nosuch://archive/news/: ValueError: Protocol not known: nosuch"),
    ("zip://news::file:///nonexistent/kg-archive.zip", "local:1", "cannot read zip://news::file:///nonexistent/kg-archive.zip"),
    ("file:///nonexistent/kg-news/", None, "file:///nonexistent/kg-news/ is a URL: URLs are read by a Dask cluster's workers; add --scheduler"),
])
def test_a_url_that_cannot_be_read_is_one_line_naming_it(url, scheduler, message, tmp_path):
    r = kg("build", url, "--out", tmp_path / "out", *(["--scheduler", scheduler] if scheduler else []))
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_without_the_extra_the_error_says_how_to_install_it(tmp_path):
    """Dask made unimportable in the build's process, as on an install without the extra."""
    code = ("import sys; sys.modules['distributed'] = None; sys.modules['fsspec'] = None; from kg.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    for args in (["--scheduler", "local:2", str(SEEDS)], ["--scheduler", "local:2", "s3://kg-test-bucket/news/"]):
        r = subprocess.run([sys.executable, "-c", code, "build", "--out", str(tmp_path / "out"), *args],
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert r.returncode == 2 and "pip install 'kg[cluster]'" in r.stderr and "Traceback" not in r.stderr, r.stderr
