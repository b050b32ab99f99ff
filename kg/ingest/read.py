"""Reading source files: finding them, naming them (`doc`), decoding them (UTF-8/16/32, GB18030),
refusing what cannot be used (`SourceError`)."""
from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from kg.ingest.chars import WS as _WS

SOURCE_SUFFIXES = (".txt", ".md")
# Bounds that keep every stage linear in a file's size, whatever the file:
MAX_FILE_BYTES = 20 << 20     # a larger file is skipped and reported (kg build --max-file-mb)

# --------------------------------------------------------------------------------------------
# Reading


class SourceError(Exception):
    """A source file that cannot be used; the caller reports it and goes on with the others."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def iter_source_files(paths: Iterable[str | os.PathLike], notes: list[str] | None = None) -> list[Path]:
    """Every .txt/.md file under `paths` (files or folders), deduplicated and sorted by path.

    A path given explicitly is kept whatever its suffix (the user named it) and even if it does
    not exist, so that `read_source` reports it instead of it silently vanishing. Symbolic links
    to folders are followed, each folder once: a link to a folder already read (a loop, or a
    second way to the same folder) is not followed again, and `notes` gets a line saying so.
    A file reached by two paths is read once.
    """
    found: dict[str, Path] = {}
    seen_dirs: dict[tuple[int, int], str] = {}

    def add(f: Path) -> None:
        found.setdefault(os.path.realpath(f), f)

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p, followlinks=True):
                st = os.stat(root)
                if (st.st_dev, st.st_ino) in seen_dirs:     # reached again through a link
                    dirs[:] = []
                    if notes is not None and root != str(p):   # (not a folder given twice)
                        notes.append(f"{root} is {seen_dirs[st.st_dev, st.st_ino]} again (a symbolic "
                                     "link), a folder already read; not read twice")
                    continue
                seen_dirs[st.st_dev, st.st_ino] = root
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if not name.startswith(".") and name.lower().endswith(SOURCE_SUFFIXES):
                        add(Path(root) / name)
        else:
            add(p)
    return sorted(found.values(), key=lambda f: Path(os.path.normpath(os.path.abspath(f))).as_posix())


def is_url(path: str | os.PathLike) -> bool:
    """A path with a protocol (`s3://…`, `file://…`, `zip://…::file://…`): an fsspec URL, read by a
    cluster's workers (`kg.cluster`), not a local path."""
    scheme, sep, _ = str(path).partition("://")
    return bool(sep) and scheme.replace("+", "").replace("-", "").isalnum()


def doc_names(files: Iterable[str | os.PathLike]) -> dict[Path, str]:
    """The schema's `doc` for each file: its base name, or, when several inputs share a base name,
    its path relative to the common root of all inputs (POSIX separators), so names stay unique
    and do not depend on the order of the inputs."""
    paths = [Path(f) for f in files]
    absolute = {f: Path(os.path.abspath(f)) for f in paths}
    counts: dict[str, int] = {}
    for f in paths:
        counts[f.name] = counts.get(f.name, 0) + 1
    root = Path("/")
    if any(c > 1 for c in counts.values()):
        root = Path(os.path.commonpath([str(a.parent) for a in absolute.values()]))
    return {f: (absolute[f].relative_to(root).as_posix() if counts[f.name] > 1 else f.name)
            for f in paths}


def read_source(path: str | os.PathLike) -> str:
    """The file's text, decoded; raises `SourceError` naming the file when it cannot be used.

    Decoding order: UTF-16 or UTF-32 when the file starts with their byte order mark, then
    strict UTF-8 (a BOM is dropped; offsets count from after any BOM), strict GB18030
    (a superset of GBK/GB2312), then charset-normalizer as a last resort. Text that decodes but
    is mostly garbage (control or private-use characters, rare ideographs) is rejected.
    """
    return decode_source(read_bytes(path), path)


def read_bytes(path: str | os.PathLike, fs=None, limit: int | None = None, name: str | os.PathLike | None = None) -> bytes:
    """A source file's bytes, at most `limit` of them (default `MAX_FILE_BYTES`; 0: no limit);
    `fs`: the fsspec filesystem holding `path` (a cluster's worker reading a URL), else the
    local one. Raises `SourceError` naming the file (`name`, default `path`) when it cannot be read."""
    limit = MAX_FILE_BYTES if limit is None else limit
    name = path if name is None else name
    try:
        size = fs.size(path) if fs is not None else os.stat(path).st_size
        if limit and size > limit:
            raise SourceError(name, f"{size / 2**20:.1f} MB, over the limit of {limit / 2**20:g} MB "
                                    "per file (kg build --max-file-mb N raises it)")
        with (fs.open(path, "rb") if fs is not None else open(path, "rb")) as fh:
            return fh.read()
    except SourceError:
        raise
    except FileNotFoundError:
        raise SourceError(name, "file not found") from None
    except PermissionError:
        raise SourceError(name, "permission denied, cannot read") from None
    except IsADirectoryError:
        raise SourceError(name, "is a directory, not a file") from None
    except OSError as e:
        raise SourceError(name, f"cannot read: {e.strerror or e}") from None
    except Exception as e:           # noqa: BLE001 (a remote filesystem's own errors: its client library's)
        if fs is None:
            raise
        raise SourceError(name, f"cannot read: {type(e).__name__}: {e}") from None


def decode_source(data: bytes, path: str | os.PathLike) -> str:
    """`read_source`'s decoding of a file's bytes, read by someone else (a cluster's worker
    reading a URL); raises `SourceError` naming `path` when they are no usable text."""
    if not data.strip():
        raise SourceError(path, "empty file" if not data else "file holds only whitespace")
    unicode = _utf16_or_32(data)       # a UTF-16/32 file says so with its BOM (and holds NUL bytes)
    if unicode is not None:
        if not unicode.strip(_WS + "\n"):
            raise SourceError(path, "file holds only whitespace")
        if _garbage(unicode):
            raise SourceError(path, "decodes as UTF-16/32 (it has a BOM) but reads as garbage, not text")
        return unicode
    if b"\x00" in data:
        raise SourceError(path, "binary file (NUL bytes), not text")
    decoded = None
    for text, encoding in _decodings(data):
        if not text.strip(_WS + "\n"):
            raise SourceError(path, "file holds only whitespace")
        if not _garbage(text):
            return text
        decoded = decoded or encoding
    if decoded:
        raise SourceError(path, f"decodes as {decoded} but reads as garbage, not text")
    raise SourceError(path, "cannot decode: not UTF-8, not GB18030/GBK, and no other "
                            "encoding gives readable text")


_UNICODE_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                 (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _utf16_or_32(data: bytes) -> str | None:
    """The text of a file that starts with a UTF-16 or UTF-32 byte order mark (the BOM dropped,
    so offsets count from after it, as for UTF-8), else None; a file with such a BOM that does
    not decode is not one (it is left to the other checks)."""
    for bom, encoding in _UNICODE_BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _decodings(data: bytes) -> Iterator[tuple[str, str]]:
    """Candidate decodings, most trusted first; only strict decoders, so no silent U+FFFD."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            yield data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    try:
        from charset_normalizer import from_bytes
        best = from_bytes(data).best()
    except Exception:               # a detector failure is just "no encoding found"
        best = None
    if best is not None:
        yield str(best).lstrip("\ufeff"), best.encoding


# The 3,755 common ideographs (GB2312 level 1: lead bytes B0–D7).
_COMMON_HAN = bytes(b for lead in range(0xB0, 0xD8) for trail in range(0xA1, 0xFF)
                    for b in (lead, trail)).decode("gb2312", errors="ignore")
# Characters that are surely printable; what is left is looked at one by one (few in any real text).
_PLAIN = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff01-\uffee\x21-\x7e“”‘’—…·\s]+")


@lru_cache(maxsize=1)
def _classes() -> np.ndarray:
    """Per BMP code point: 1 whitespace (str.isspace, what regex's \\s is), 2 an ideograph
    (U+3400–9FFF, U+F900–FAFF), 4 one of the common ideographs; astral characters count as none."""
    t = np.zeros(0x10000, dtype=np.uint8)
    t[[i for i in range(0x10000) if chr(i).isspace()]] = 1
    t[0x3400:0xA000] = t[0xF900:0xFB00] = 2
    t[[ord(c) for c in _COMMON_HAN]] |= 4
    return t


def _garbage(text: str) -> bool:
    """True when the text is not something a person wrote: blank, too many unprintable
    characters, or Chinese made mostly of ideographs outside the 3,755 common ones (GB2312
    level 1), which is what a wrong multi-byte decoding produces. (Counted with one table
    lookup per character: a character-by-character loop cost more than the rest of reading.)"""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counts = np.bincount(_classes()[codes[codes < 0x10000]], minlength=8)
    chars = len(text) - int(counts[1])         # (1: whitespace; no whitespace is an ideograph)
    if not chars:
        return True
    bad = sum(1 for c in _PLAIN.sub("", text)
              if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Cn") or c == "\ufffd")
    if bad / chars > 0.05:
        return True
    han = int(counts[2] + counts[6])
    if han >= 20 and int(counts[6]) / han < 0.6:
        return True
    return False


# --------------------------------------------------------------------------------------------
# Line classification

