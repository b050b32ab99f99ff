"""A build's output as one generation, swapped in as a whole.

A build writes everything it makes (the export, `summary.json`, the store, the cache's manifest)
into a staging folder `OUT/.build-*`. When all of it is there, the build writes a journal,
`OUT/.kg-swap.json`, naming that folder (written to a temporary file and renamed, so it is either
whole or absent), then moves the files into place, the store first and `summary.json` last, and
removes the journal. Each move is a rename, and a move already made is not made again, so the
swap can be finished by anyone who finds the journal: the next build, and every reader
(`open_store(graph=OUT)`, `kg stats`), under the build lock. Killed before the journal is
written, the previous generation is untouched (the staging folder is removed by the next build);
killed after, the next one to look finishes the swap. Either way OUT holds one generation,
never the export of one build beside the store of another.

The generation's id is in `summary.json` (`generation`) and in the store's `kg-build.json`, with
the store's node and relationship counts: a reader checks both (`kg.store.embedded`).
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import time
import uuid
from pathlib import Path

SWAP_JOURNAL = ".kg-swap.json"
BUILD_LOCK = ".kg-build.lock"
STORE_DIR = "store"
MANIFEST_NAME = "cache-manifest.pickle"     # in the staging folder: the cache's manifest to be
# the files moved into OUT, in this order (summary.json last: it names the generation)
EXPORT_FILES = ("entities.jsonl", "relations.jsonl", "documents.jsonl", "summary.json")


def fault(phase: str) -> None:
    """Fault injection for the tests (tests/test_faults.py): `KG_FAULT=phase` kills this process
    with SIGKILL when the build reaches `phase` (extract, merge, store, export, journal, swap)."""
    if os.environ.get("KG_FAULT") == phase:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def new_id() -> str:
    return f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"


def fsync_path(d: str | os.PathLike) -> None:
    """Flush a file or a folder's entries to disk, as far as the system lets (errors are no news:
    what could not be flushed is as safe as it was)."""
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_journal(out: Path, staging: Path, store: bool, cache_dir: str) -> None:
    tmp = out / (SWAP_JOURNAL + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"staging": staging.name, "store": store, "cache": cache_dir}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, out / SWAP_JOURNAL)
    fsync_path(out)


def complete_swap(out: Path) -> bool:
    """Finish the swap the journal in `out` describes (the caller holds the build lock); whether
    there was one."""
    journal = out / SWAP_JOURNAL
    try:
        j = json.loads(journal.read_text("utf-8"))
        staging = out / j["staging"]
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink(missing_ok=True)      # never whole: written by rename, so this is not ours
        return False
    trash = out / f".old-{staging.name.removeprefix('.build-')}"
    new_store, old_store = staging / STORE_DIR, out / STORE_DIR
    if new_store.is_dir():                   # not moved yet
        if old_store.exists():
            if trash.exists():
                shutil.rmtree(trash, ignore_errors=True)
            os.replace(old_store, trash)
        os.replace(new_store, old_store)
        fault("swap")
    elif not j.get("store") and old_store.exists():
        # a build without the store: the previous store no longer matches the export, so it goes
        if trash.exists():
            shutil.rmtree(trash, ignore_errors=True)
        os.replace(old_store, trash)
    manifest = staging / MANIFEST_NAME
    if manifest.is_file():
        (out / j.get("cache", ".kg-cache")).mkdir(exist_ok=True)
        os.replace(manifest, out / j.get("cache", ".kg-cache") / "manifest.pickle")
    for name in EXPORT_FILES:
        if (staging / name).is_file():
            os.replace(staging / name, out / name)
    fsync_path(out)
    journal.unlink(missing_ok=True)
    fsync_path(out)
    shutil.rmtree(trash, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
    return True


def recover(out: str | os.PathLike, timeout: float = 60.0) -> bool:
    """For readers: finish a swap a stopped build left in `out` (waiting for a running build to
    end first); whether one was finished. A folder this process cannot write is left alone."""
    out = Path(out)
    if not (out / SWAP_JOURNAL).exists():
        return False
    try:
        lock = open(out / BUILD_LOCK, "a")
    except OSError:
        return False
    with lock:
        if not wait_for_lock(lock, timeout, f"kg: waiting for the build writing {out} to finish…"):
            return False
        try:
            return complete_swap(out)
        except OSError:
            return False


def wait_for_lock(lock, timeout: float, message: str) -> bool:
    """Take the build lock (an open file), waiting at most `timeout` seconds and saying `message`
    once if it has to wait; whether it was taken."""
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if not told:
                print(message, file=sys.stderr, flush=True)
                told = True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)


def clean_leftovers(out: Path, keep: Path | None = None) -> list[str]:
    """Remove the staging and trash folders dead builds left in `out` (the caller holds the build
    lock and has finished any pending swap), stopping any server still running in them. Returns
    the names removed."""
    from kg.store.embedded import stop_server_in

    removed = []
    for p in out.iterdir():
        if p.name.startswith((".build-", ".old-")) and p.is_dir() and p != keep:
            for sub in (p / STORE_DIR, p):
                if sub.is_dir():
                    stop_server_in(sub)
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    for p in out.glob(".old-*"):              # a file (never ours), or a folder rmtree could not finish
        if p.is_file():
            p.unlink(missing_ok=True)
    return removed


def summary_generation(out: Path) -> str | None:
    try:
        return json.loads((out / "summary.json").read_text("utf-8")).get("generation")
    except (OSError, ValueError, AttributeError):
        return None
