"""What a build keeps between runs, so the next build reads only new or changed files.

`OUT/.kg-cache/` holds, per source file (keyed by a hash of its content and its `doc` name):

* `<key>.first` — pass 1: the file's articles (text and offset map) with what `recognise` found;
* `<key>.second` — pass 2: the file's extractions in `Prepared` form, with the short company names
  that pass 2 found in its text and the full names they stood for (if the corpus's short names
  change for one of those, or a new one appears in the text, the file's pass 2 runs again);

and `manifest.pickle`: each file's path, size, modification time and content hash (a file whose
size and time are unchanged is not even read), the corpus's short names, the code's fingerprint
(another version of `kg` starts from scratch) and the documents of the last build.

Entries are written before the manifest that names them, and the manifest only after a build has
succeeded, so a failed or interrupted build leaves a cache the next build can use.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

CACHE_DIR = ".kg-cache"
MANIFEST = "manifest.pickle"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of kg's own source and data files: results made by other code are not reused."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha1()
    for p in sorted(root.rglob("*")):
        if p.suffix in (".py", ".tsv", ".txt", ".json") and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def entry_key(sha: str, doc: str) -> str:
    return f"{sha[:24]}-{hashlib.sha1(doc.encode('utf-8')).hexdigest()[:8]}"


@dataclass
class FileState:
    path: str
    size: int
    mtime_ns: int
    sha: str


@dataclass
class Manifest:
    code: str = ""
    files: dict[str, FileState] = field(default_factory=dict)          # doc → state
    short_names: dict[str, frozenset[str]] = field(default_factory=dict)   # form → full names
    documents: list[dict] = field(default_factory=list)


class BuildCache:
    """Per-file results on disk (see the module's doc). `folder` None: a throw-away cache in a
    temporary folder (pass 1 still hands its results to pass 2 through files, not memory)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, key: str, kind: str) -> Path:
        return self.folder / f"{key}.{kind}"

    def save(self, key: str, kind: str, value) -> None:
        tmp = self.path(key, kind + ".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.path(key, kind))

    def load(self, key: str, kind: str):
        """The stored value, or None when there is none or it cannot be read (then it is redone)."""
        try:
            with open(self.path(key, kind), "rb") as fh:
                return pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError, TypeError):
            return None

    def manifest(self) -> Manifest:
        m = self.load("manifest", "pickle") if self.path("manifest", "pickle").exists() else None
        if not isinstance(m, Manifest) or m.code != code_fingerprint():
            return Manifest(code=code_fingerprint())
        return m

    def save_manifest(self, manifest: Manifest) -> None:
        manifest.code = code_fingerprint()
        self.save("manifest", "pickle", manifest)

    def prune(self, keep: set[str]) -> None:
        """Delete the entries of files no longer in the corpus."""
        for p in self.folder.iterdir():
            key = p.name.split(".", 1)[0]
            if key != "manifest" and key not in keep:
                try:
                    p.unlink()
                except OSError:
                    pass


def file_state(path: Path, previous: FileState | None) -> FileState:
    """The file's state; its content is hashed only when its size or time changed."""
    st = path.stat()
    if previous is not None and previous.size == st.st_size and previous.mtime_ns == st.st_mtime_ns \
            and previous.path == str(path):
        return previous
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return FileState(str(path), st.st_size, st.st_mtime_ns, h.hexdigest())
