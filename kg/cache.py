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
pass 1 made. A header gives the parts' lengths, so each is read on its own. Each part, and the
manifest, carries a CRC-32 checksum of its bytes: a part cut short (a build stopped mid-write)
or damaged on disk (one flipped bit) is not used but simply made again.

Beside them, `manifest.pickle` holds each file's path, size, modification time and content hash
(a file whose size and time are unchanged is not even read), the corpus's short names and the
code's fingerprint (another version of `kg` starts from scratch). The documents of the last build
are in its export (`documents.jsonl`).

Entries are written before the manifest that names them, and the manifest only after a build has
succeeded, so a failed or interrupted build leaves a cache the next build can use.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import struct
import zlib
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
        if p.suffix in (".py", ".tsv", ".txt", ".json", ".npz") and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def entry_key(sha: str, doc: str) -> str:
    """A file's entry: its content, its name and the code that read it (entries of other code
    stay unread and are pruned)."""
    return f"{sha[:24]}-{hashlib.sha1(doc.encode('utf-8')).hexdigest()[:8]}-{code_fingerprint()[:8]}"


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


def _digest(data: bytes) -> bytes:
    """CRC-32: what zip and gzip check their members with, made for accidental damage (a flipped
    bit, a write cut short), and four times faster than a cryptographic hash."""
    return zlib.crc32(data).to_bytes(4, "little")


class BuildCache:
    """Per-file results on disk (see the module's doc), and the manifest. Every part carries a
    checksum (CRC-32) of its bytes: a part whose bytes do not match (a flipped bit, a
    write cut short) is not used, and the file is read again."""

    # magic, length of the summary part, length of pass 1, their checksums
    _HEADER = struct.Struct("<4sQQ4s4s")
    _MAGIC = b"KGC3"
    _SUM = 4

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def check_writable(self) -> None:
        """Raise OSError (before any work is done) if entries cannot be written here."""
        probe = self.folder / f".probe-{os.getpid()}"
        with open(probe, "wb") as fh:
            fh.write(b"kg")
        probe.unlink()

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.kg"

    def save_first(self, key: str, info, firsts) -> None:
        """Start the entry of one file with pass 1's summary and result (replacing any entry)."""
        self.save_first_bytes(key, pickle.dumps(info, protocol=pickle.HIGHEST_PROTOCOL),
                              pickle.dumps(firsts, protocol=pickle.HIGHEST_PROTOCOL))

    def save_first_bytes(self, key: str, a: bytes, b: bytes) -> None:
        """`save_first` of parts pickled elsewhere (by a cluster's worker, `kg.cluster`)."""
        with open(self.path(key), "wb") as fh:     # cut short, its lengths do not match: redone
            fh.write(self._HEADER.pack(self._MAGIC, len(a), len(b), _digest(a), _digest(b)) + a + b)

    def save_second(self, key: str, second) -> bytes:
        """Put pass 2's result after pass 1's in the file's entry (replacing an earlier one); the
        bytes written (the result pickled)."""
        return self.save_second_bytes(key, pickle.dumps(second, protocol=pickle.HIGHEST_PROTOCOL))

    def save_second_bytes(self, key: str, data: bytes) -> bytes:
        """`save_second` of a result pickled elsewhere; `data` again."""
        with open(self.path(key), "r+b") as fh:
            head = self._read_header(fh)
            if head is None:
                raise OSError(f"build cache entry {self.path(key)} has no pass-1 part")
            fh.seek(self._HEADER.size + head[0] + head[1])
            fh.truncate()
            fh.write(_digest(data) + data)
        return data

    def load_info(self, key: str):
        """Pass 1's summary, if pass 1's whole part is there too (else None)."""
        return self._load_part(key, 0)

    def load_first(self, key: str):
        return self._load_part(key, 1)

    def load_first_bytes(self, key: str) -> bytes:
        """Pass 1's part as stored (b"" when there is none or it is damaged), to send elsewhere."""
        return self._load_part(key, 1, raw=True) or b""

    def load_second_bytes(self, key: str) -> bytes:
        """Pass 2's part as stored (b"" when there is none or it is damaged), for `unpickle`."""
        return self._load_part(key, 2, raw=True) or b""

    @staticmethod
    def unpickle(data: bytes):
        try:
            return pickle.loads(data)
        except _UNREADABLE:
            return None

    def _read_header(self, fh):
        raw = fh.read(self._HEADER.size)
        if len(raw) < self._HEADER.size:
            return None
        magic, a, b, sa, sb = self._HEADER.unpack(raw)
        return (a, b, sa, sb) if magic == self._MAGIC else None

    def _load_part(self, key: str, part: int, raw: bool = False):
        """Part 0, 1 or 2 of the entry (its bytes, if `raw`), or None when there is none, it is
        cut short or its checksum does not match (then it is made again)."""
        try:
            with open(self.path(key), "rb") as fh:
                head = self._read_header(fh)
                if head is None:
                    return None
                size = os.fstat(fh.fileno()).st_size
                if part == 0 and size < self._HEADER.size + head[0] + head[1]:
                    return None           # pass 1's part was cut short: the file is read again
                if part == 0:             # pass 1's part must be whole and sound too
                    fh.seek(self._HEADER.size + head[0])
                    if _digest(fh.read(head[1])) != head[3]:
                        return None
                fh.seek(self._HEADER.size + sum(head[:part]))
                if part < 2:
                    data = fh.read(head[part])
                    if len(data) < head[part] or _digest(data) != head[2 + part]:
                        return None
                else:
                    stored = fh.read()
                    data, checksum = stored[self._SUM:], stored[:self._SUM]
                    if not data or _digest(data) != checksum:
                        return None
                return data if raw else pickle.loads(data)
        except (OSError, *_UNREADABLE):
            return None

    def manifest(self) -> Manifest:
        m = None
        try:
            raw = (self.folder / MANIFEST).read_bytes()
            if raw[:self._SUM] == _digest(raw[self._SUM:]):     # else damaged: start afresh
                m = pickle.loads(raw[self._SUM:])
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
        data = pickle.dumps(manifest, protocol=pickle.HIGHEST_PROTOCOL)
        with open(tmp, "wb") as fh:
            fh.write(_digest(data) + data)
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
