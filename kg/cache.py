"""What a build keeps between runs, so the next build reads only new or changed files.

`OUT/.kg-cache/` holds one file per source file, `<key>.kg` (the key: a hash of the file's content
and its `doc` name), made of three parts:

* the pass-1 summary (`FileFirst`: titles, sketches, company names), all the parent reads of an
  unchanged file;
* pass 1: the file's articles (text and offset map) with what `recognise` found;
* pass 2: the file's extractions folded for resolution (`kg.resolve.Folded`), with the short
  company names that pass 2 found in its text and the full names they stood for (if the
  corpus's short names change for one of those, or a new one appears in the text, the file's
  pass 2 runs again and replaces this part).

One file, not three: a third of the files to create, open and delete (creating one was measured
at 0.03 to 0.5 ms on these machines, depending on their load), and pass 2 appends to the file
pass 1 made. A header gives the parts' lengths, so each is read on its own. A part cut short (a
build stopped mid-write) fails to load and is simply made again.

Beside them, `manifest.pickle` holds each file's path, size, modification time and content hash
(a file whose size and time are unchanged is not even read), the corpus's short names, the
code's fingerprint (another version of `kg` starts from scratch) and the documents of the last
build.

Entries are written before the manifest that names them, and the manifest only after a build has
succeeded, so a failed or interrupted build leaves a cache the next build can use.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

CACHE_DIR = ".kg-cache"
# what unpickling a damaged or outdated entry raises
_UNREADABLE = (EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError, TypeError, ValueError)
MANIFEST = "manifest.pickle"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of kg's own source and data files: results made by other code are not reused."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha1()
    for p in sorted(root.rglob("*")):
        if p.suffix in (".py", ".tsv", ".txt", ".json", ".crfsuite") and "__pycache__" not in p.parts:
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
    """Per-file results on disk (see the module's doc), and the manifest."""

    _HEADER = struct.Struct("<4sQQ")     # magic, length of the summary part, length of pass 1
    _MAGIC = b"KGC1"

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.kg"

    def save_first(self, key: str, info, firsts) -> None:
        """Start the entry of one file with pass 1's summary and result (replacing any entry)."""
        a = pickle.dumps(info, protocol=pickle.HIGHEST_PROTOCOL)
        b = pickle.dumps(firsts, protocol=pickle.HIGHEST_PROTOCOL)
        with open(self.path(key), "wb") as fh:     # cut short, its lengths do not match: redone
            fh.write(self._HEADER.pack(self._MAGIC, len(a), len(b)) + a + b)

    def save_second(self, key: str, second) -> bytes:
        """Put pass 2's result after pass 1's in the file's entry (replacing an earlier one); the
        bytes written (the result pickled)."""
        data = pickle.dumps(second, protocol=pickle.HIGHEST_PROTOCOL)
        with open(self.path(key), "r+b") as fh:
            head = self._read_header(fh)
            if head is None:
                raise OSError(f"build cache entry {self.path(key)} has no pass-1 part")
            fh.seek(self._HEADER.size + head[0] + head[1])
            fh.truncate()
            fh.write(data)
        return data

    def load_info(self, key: str):
        """Pass 1's summary, if pass 1's whole part is there too (else None)."""
        return self._load_part(key, 0)

    def load_first(self, key: str):
        return self._load_part(key, 1)

    def load_second_bytes(self, key: str) -> bytes:
        """Pass 2's part as stored (b"" when there is none), for `unpickle`."""
        return self._load_part(key, 2, raw=True) or b""

    @staticmethod
    def unpickle(data: bytes):
        try:
            return pickle.loads(data)
        except _UNREADABLE:
            return None

    def _read_header(self, fh) -> tuple[int, int] | None:
        raw = fh.read(self._HEADER.size)
        if len(raw) < self._HEADER.size:
            return None
        magic, a, b = self._HEADER.unpack(raw)
        return (a, b) if magic == self._MAGIC else None

    def _load_part(self, key: str, part: int, raw: bool = False):
        """Part 0, 1 or 2 of the entry (its bytes, if `raw`), or None when there is none or it
        cannot be read (then it is made again)."""
        try:
            with open(self.path(key), "rb") as fh:
                head = self._read_header(fh)
                if head is None:
                    return None
                if part == 0 and os.fstat(fh.fileno()).st_size < self._HEADER.size + head[0] + head[1]:
                    return None           # pass 1's part was cut short: the file is read again
                fh.seek(self._HEADER.size + sum(head[:part]))
                data = fh.read(head[part]) if part < 2 else fh.read()
                if not data or (part < 2 and len(data) < head[part]):
                    return None
                return data if raw else pickle.loads(data)
        except (OSError, *_UNREADABLE):
            return None

    def manifest(self) -> Manifest:
        m = None
        try:
            with open(self.folder / MANIFEST, "rb") as fh:
                m = pickle.load(fh)
        except (OSError, *_UNREADABLE):
            pass
        if not isinstance(m, Manifest) or m.code != code_fingerprint():
            return Manifest(code=code_fingerprint())
        return m

    def save_manifest(self, manifest: Manifest, path: Path | None = None) -> None:
        """Write the manifest (to `path`, for a build's generation to move into place, or here)."""
        manifest.code = code_fingerprint()
        target = path or self.folder / MANIFEST
        tmp = target.with_name(target.name + ".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(manifest, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)

    def prune(self, keep: set[str]) -> None:
        """Delete the entries of files no longer in the corpus (and anything else left there)."""
        wanted = {f"{k}.kg" for k in keep} | {MANIFEST}
        for p in self.folder.iterdir():
            if p.name not in wanted:
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
