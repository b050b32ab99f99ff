"""The output folder of a build: its lock, its staging folder, its build cache and manifest (read
once), and the swap that makes a finished build the folder's graph (`kg.generation`).

    with BuildFolder(out, full=False) as folder:     # locked; staging made; leftovers cleared
        folder.previous                               # the last build's manifest
        …write into folder.staging…
        folder.commit(summary_json, manifest, store=True)   # journal, swap, cache pruned

Leaving the block without `commit` (an error, Ctrl-C) removes the staging folder: the previous
graph stays as it was.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from kg import generation
from kg.cache import CACHE_DIR, BuildCache, Manifest, entry_key


class BuildError(Exception):
    """The build cannot go on (no article to read, output folder not writable); nothing was changed."""


class BuildFolder:
    def __init__(self, out: str | os.PathLike, full: bool = False, lock_timeout: float = 60.0):
        self.out = Path(out)
        if self.out.exists() and not self.out.is_dir():
            raise BuildError(f"the output folder {out} is a file, not a folder (name a folder; it is made if missing)")
        self.full = full
        self.lock_timeout = lock_timeout
        self.staging: Path = self.out
        self.cache: BuildCache | None = None
        self.previous = Manifest()
        self._lock: Any = None
        self._committed = False

    def __enter__(self) -> "BuildFolder":
        out = self.out
        try:
            out.mkdir(parents=True, exist_ok=True)
            self._lock = open(out / generation.BUILD_LOCK, "a")
        except OSError as e:
            raise BuildError(f"cannot write the output folder {out}: {e.strerror or e}") from e
        try:
            self._wait()
            self._prepare()
        except BaseException:
            self._lock.close()
            raise
        return self

    def _wait(self) -> None:
        """Two builds into one folder take turns: the second waits for the first, then replaces its graph."""
        if not generation.wait_for_lock(self._lock, self.lock_timeout,
                                        f"kg build: another kg build is writing {self.out}; waiting for it "
                                        f"to finish (at most {self.lock_timeout:g} s)…"):
            raise BuildError(f"another kg build is still writing {self.out}; try again when it has finished")

    def _prepare(self) -> None:
        out = self.out
        try:
            generation.complete_swap(out)           # a build stopped while swapping in: finish that first
            generation.clean_leftovers(out)         # what builds killed earlier left (staging, old stores)
            self.staging = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
            if self.full:
                shutil.rmtree(out / CACHE_DIR, ignore_errors=True)
        except OSError as e:
            raise BuildError(f"cannot write the output folder {out}: {e.strerror or e}") from e
        try:
            self.cache = BuildCache(out / CACHE_DIR)
            self.cache.check_writable()
        except OSError as e:
            shutil.rmtree(self.staging, ignore_errors=True)
            raise BuildError(f"cannot write the build cache {out / CACHE_DIR}: {e.strerror or e} "
                             f"(make it writable, or delete it: the next build makes it again)") from e
        self.previous = self.cache.manifest()

    def commit(self, summary: dict, manifest: Manifest, store: bool,
               move_out: tuple[Path, Path] | None = None) -> None:
        """Write the summary and the manifest into the staging folder, flush it, move `move_out`'s
        staged folder to where it goes (the bulk-import files), write the journal (from there on
        the swap completes, whoever finishes it), swap, and prune the cache."""
        staging, cache = self.staging, self.cache
        assert cache is not None, "commit() inside `with BuildFolder(…)`"
        (staging / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), "utf-8")
        cache.save_manifest(manifest, staging / generation.MANIFEST_NAME)
        for root, _, files in os.walk(staging):     # on disk before the journal says they are whole
            for name in files:
                generation.fsync_path(os.path.join(root, name))
        if move_out is not None:
            shutil.move(move_out[0], move_out[1])
        generation.write_journal(self.out, staging, store, CACHE_DIR)
        self._committed = True
        generation.fault("journal")
        generation.complete_swap(self.out)
        cache.prune({entry_key(st.sha, doc) for doc, st in manifest.files.items()})

    def __exit__(self, exc_type, *_) -> None:
        try:
            if not self._committed:
                shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._lock.close()
