"""Ingest: source files → repaired articles whose characters map back to the file's text.

Pipeline: `iter_source_files` → `read_source` (decode) → `split_articles` (repair a page dump and
cut it into articles) → `mark_duplicates`; `ingest` runs all of it. `split_sentences` cuts an
article for extraction.

Offsets. `Article.offsets[i]` is the index, in the file's text *as decoded* (a UTF-8, UTF-16 or UTF-32
BOM removed, so offset 0 is the first character after the BOM), of `Article.text[i]`, plus one entry for the
end. Repairs never invent characters: joined fragments simply skip the blank lines between them,
removed edition markers / markdown marks / page furniture are skipped, the "\n" between two
paragraphs maps to the newline that ended the first one, and punctuation normalisation swaps one
character for one character (so `text[i]` is the file's character, or its full-width form).
"""
from __future__ import annotations

import os
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path
from typing import Iterable, Iterator

from kg.model import Article, Sentence

SOURCE_SUFFIXES = (".txt", ".md")
# Bounds that keep every stage linear in a file's size, whatever the file:
MAX_FILE_BYTES = 20 << 20     # a larger file is skipped and reported (kg build --max-file-mb)
MAX_LINE = 5_000              # a longer line is cut after a sentence's end (else a clause's, else here)
MAX_ARTICLE = 200_000         # an article is cut at a paragraph once it is this long

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
    files = [Path(f) for f in files]
    absolute = {f: Path(os.path.abspath(f)) for f in files}
    counts: dict[str, int] = {}
    for f in files:
        counts[f.name] = counts.get(f.name, 0) + 1
    root = None
    if any(c > 1 for c in counts.values()):
        root = Path(os.path.commonpath([str(a.parent) for a in absolute.values()]))
    return {f: (absolute[f].relative_to(root).as_posix() if counts[f.name] > 1 else f.name)
            for f in files}


def read_source(path: str | os.PathLike) -> str:
    """The file's text, decoded; raises `SourceError` naming the file when it cannot be used.

    Decoding order: UTF-16 or UTF-32 when the file starts with their byte order mark, then
    strict UTF-8 (a BOM is dropped; offsets count from after any BOM), strict GB18030
    (a superset of GBK/GB2312), then charset-normalizer as a last resort. Text that decodes but
    is mostly garbage (control or private-use characters, rare ideographs) is rejected.
    """
    return decode_source(read_bytes(path), path)


def read_bytes(path: str | os.PathLike, fs=None, limit: int | None = None, name: str | None = None) -> bytes:
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


# The 3,755 common ideographs (GB2312 level 1: lead bytes B0–D7), as one regex class. Both
# ideograph patterns match runs, not single characters: counting the characters of a few long
# runs is several times faster than building a list of every ideograph.
_COMMON_HAN = re.compile("[" + bytes(b for lead in range(0xB0, 0xD8) for trail in range(0xA1, 0xFF)
                                     for b in (lead, trail)).decode("gb2312", errors="ignore") + "]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_SPACE = re.compile(r"\s")
# Characters that are surely printable; what is left is looked at one by one (few in any real text).
_PLAIN = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff01-\uffee\x21-\x7e“”‘’—…·\s]+")


def _count(runs: re.Pattern, text: str) -> int:
    """How many characters of `text` lie in the matches of `runs`."""
    return sum(map(len, runs.findall(text)))


def _garbage(text: str) -> bool:
    """True when the text is not something a person wrote: blank, too many unprintable
    characters, or Chinese made mostly of ideographs outside the 3,755 common ones (GB2312
    level 1), which is what a wrong multi-byte decoding produces. (Counted with regexes: a
    character-by-character loop cost more than the rest of reading.)"""
    chars = len(text) - len(_SPACE.findall(text))
    if not chars:
        return True
    bad = sum(1 for c in _PLAIN.sub("", text)
              if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Cn") or c == "\ufffd")
    if bad / chars > 0.05:
        return True
    han = _count(_HAN, text)
    if han >= 20 and _count(_COMMON_HAN, text) / han < 0.6:
        return True
    return False


# --------------------------------------------------------------------------------------------
# Line classification

_WS = " \t\r\f\v\u3000\xa0\ufeff"
_BULLETS = "●○■□◆◇▲△★☆•▶►◎"
_TERMINAL = "。！？!?…；;—"          # a line ending in one of these ends its paragraph
_CLOSERS = "”’」』）)》】\"'"
_CLAUSE = re.compile(r"[，,；;。！？!?]")
_DANGLING = set("的地得着和与及或并而在对把被将从向为以于由是之其所该这那各每要会能可也就都还又再更最很不没至即且但则")
_MD = re.compile(r"#{1,6}[ \t]+")
_NUM = r"[0-9０-９一二三四五六七八九十百]+"
# edition markers: ■上接第1版, (下转第3版), （上接第二版）, 【紧接第2版】 …
_MARKER = re.compile(
    rf"[{_BULLETS}]\s*(?P<a>上接|紧接|接|下转|转)第?\s*{_NUM}\s*版"
    rf"|[(（【\[]\s*(?P<b>上接|紧接|接|下转|转|续)第?\s*{_NUM}\s*版\s*[)）】\]]")
# page furniture: editor / layout credits, page numbers, page date lines
_FURNITURE = re.compile(
    r"^[(（【\[]?\s*(责任编辑|责编|编辑|美编|校对|版式设计|版式|海报设计|排版|组版|审核|终审|审校|制图)"
    r"\s*[:：]\s*[^。！？]{0,30}[)）】\]]?$"
    rf"|^第?\s*{_NUM}\s*版\s*[^\s。，,]{{0,12}}$"
    r"|^\d{4}年\d{1,2}月\d{1,2}日\s*(星期|周)[一二三四五六日天]$")
_AGENCY = r"(?:本报|新华社|中新社|人民日报|经济日报|光明日报)"
_PLACE = r"(?P<place>[\u4e00-\u9fff]{2,10}?)?"
_DATE = r"(?P<date>(?:\d{4}年)?\d{1,2}月\d{1,2}日)"
_PAREN = r"(?:\s*[(（](?P<who>[^)）]{1,40})[)）])?"
_LEAD = re.compile(rf"^(?:本报讯|{_AGENCY}{_PLACE}{_DATE}(?:讯|电)){_PAREN}")
_BYLINE = re.compile(
    rf"^[{_BULLETS}]?\s*(?:{_AGENCY}|文\s*/\s*图|文/)?\s*(?:特约|实习|见习|首席)?(?:记者|通讯员|评论员|撰稿)"
    r"[\s:：/]*[\u4e00-\u9fff·]{2,4}(?:\s.*)?$")
_CREDIT = re.compile(
    rf"[{_BULLETS}]?\s*(?:{_AGENCY})?(?:特约|实习|见习|首席)?(?:记者|通讯员|摄影)?"
    r"\s*[\u4e00-\u9fff·]{2,4}(?:\s+[\u4e00-\u9fff·]{2,4}){0,3}\s*摄(?:影)?$")


def _is_cjk(c: str) -> bool:
    return ("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" or "\u3000" <= c <= "\u303f"
            or "\uff00" <= c <= "\uffef" or c in "“”‘’—…·")


def _core(t: str) -> str:
    return t.rstrip(_WS + _CLOSERS)


def _ends_paragraph(t: str) -> bool:
    c = _core(t)
    return not c or c[-1] in _TERMINAL + ":："


def _heading_like(t: str) -> bool:
    """A short line that does not read as prose: no sentence or clause punctuation inside, no
    sentence-final mark at the end. Headlines, kickers and section heads look like this."""
    c = _core(t)
    return 0 < len(t) <= 40 and bool(c) and c[-1] not in _TERMINAL and not _CLAUSE.search(t)


def _photo_credit(t: str) -> re.Match | None:
    """A photo credit (本报记者 王磊 摄), alone on its line or closing a picture caption."""
    if "摄" not in t[-3:]:      # the credit ends the line; searching long lines for it is slow
        return None
    m = _CREDIT.search(t)
    if not m:
        return None
    credit = m.group()
    named = re.search(rf"记者|通讯员|摄影|[{_BULLETS}]|\s摄", credit)
    if m.start() == 0 or t[m.start() - 1] in _WS + _TERMINAL + _CLOSERS:
        return m if named else None
    return None


def _cuts_word(a: str, b: str) -> bool:
    """Whether the boundary between `a` and `b` falls inside a dictionary word (建|筑, 完|成):
    the mark of a word split by the page dump rather than of two separate lines.

    Uses the extractor's segmenter: a jieba instance of our own costs 0.1 s a process to build.
    The department names that one adds (住建厅, 工信局 …) can change the answer only at a line
    break next to such a name."""
    from kg.extract.tokens import SEGMENTER
    left, right = a.rstrip(_WS)[-4:], b.lstrip(_WS)[:4]
    if not left or not right:
        return False
    pos = 0
    for tok in SEGMENTER.cut(left + right, hmm=False):
        if pos < len(left) < pos + len(tok):
            return True
        pos += len(tok)
    return False


# --------------------------------------------------------------------------------------------
# Paragraphs


@dataclass
class _Para:
    text: str                    # kept as one string: a list of characters is slow to build
    offs: list[int]              # offsets[i]: where text[i] is in the file's text
    nl: int                      # offset of the newline ending the paragraph's last line
    md: int = 0                  # markdown heading level, 0 if none
    gap: int = 0                 # blank lines before it
    cont_from: bool = False      # carried a 上接 marker: a continued article starts here
    cont_to: bool = False        # carried a 下转 marker: its article stops here
    kind: str = "body"           # heading | byline | lead | credit | body
    photo_end: bool = False      # ends with a photo credit: a picture box ends here
    credit: str = ""
    displaced: list[list[str]] = field(default_factory=list)   # headline runs dropped when joining
    cut: bool = False            # a piece of an overlong line (`_lines`): never joined to the next

    def classify(self) -> None:
        t = self.text
        self.kind = "body"
        if self.md:
            self.kind = "heading"
        elif _LEAD.match(t):
            self.kind = "lead"
        elif len(t) <= 40 and _BYLINE.match(t) and not _photo_credit(t) and not _ends_paragraph(t):
            self.kind = "byline"
        elif (m := _photo_credit(t)) is not None:
            self.photo_end = True
            self.credit = m.group().strip(_WS + _BULLETS)
            self.kind = "credit" if m.start() == 0 or t[: m.start()].strip(_WS + _BULLETS) == "" else "body"
        elif _heading_like(t):
            self.kind = "heading"


_CUT_AFTER = (re.compile(r"[。！？；!?;][”’」』）)]*"), re.compile(r"[，,、：:]"))


def _lines(text: str) -> Iterator[tuple[int, str, int, bool]]:
    """(start, line, offset of what ends it, cut) for each line of `text`; a line over MAX_LINE
    characters comes in pieces, cut after the last sentence end before the limit (else the last
    clause end, else at the limit), `cut` set on all but its last piece. The "\n" that separates
    two pieces in an article's text maps to the first character of the second (never inside a
    sentence span, which stops at line breaks)."""
    pos = 0
    for raw in text.split("\n"):
        start, pos = pos, pos + len(raw) + 1
        if len(raw) <= MAX_LINE:
            yield start, raw, start + len(raw), False
            continue
        a = 0
        while len(raw) - a > MAX_LINE:
            window = raw[a:a + MAX_LINE]
            cut = 0
            for pattern in _CUT_AFTER:
                last = None
                for last in pattern.finditer(window, MAX_LINE // 2):
                    pass
                if last is not None:
                    cut = last.end()
                    break
            cut = cut or MAX_LINE
            yield start + a, raw[a:a + cut], start + a + cut, True
            a += cut
        yield start + a, raw[a:], start + len(raw), False


def _paragraphs(text: str) -> list[_Para]:
    """Non-blank lines as paragraphs, with markdown marks, edition markers and furniture removed."""
    paras: list[_Para] = []
    blanks, pending_from = 0, False
    for start, raw, nl, cut in _lines(text):
        s = start + len(raw) - len(raw.lstrip(_WS))
        e = start + len(raw.rstrip(_WS))
        if s >= e:
            blanks += 1
            continue
        line = text[s:e]
        if _FURNITURE.match(line):
            blanks += 1
            continue
        md = 0
        if m := _MD.match(line):
            md = m.end() - m.start() - len(m.group().lstrip("#"))
            s += m.end()
            line = text[s:e]
        # the line without its edition markers, built from the pieces between them (a list per
        # character would cost more than everything else here)
        cont_from = cont_to = False
        kept, offs, a = [], [], 0
        for m in _MARKER.finditer(line):
            kind = m.group("a") or m.group("b")
            cont_to |= kind in ("下转", "转")
            cont_from |= kind not in ("下转", "转")
            kept.append(line[a:m.start()])
            offs.extend(range(s + a, s + m.start()))
            a = m.end()
        kept.append(line[a:])
        offs.extend(range(s + a, s + len(line)))
        rest = "".join(kept)
        lead = len(rest) - len(rest.lstrip(_WS))
        rest = rest[lead:].rstrip(_WS)
        offs = offs[lead:lead + len(rest)]
        if not rest:                        # a marker alone on its line
            if cont_to and paras:
                paras[-1].cont_to = True
            pending_from |= cont_from
            blanks = 0
            continue
        p = _Para(rest, offs, nl, md=md, gap=blanks, cont_from=cont_from or pending_from,
                  cont_to=cont_to, cut=cut)
        p.classify()
        paras.append(p)
        blanks, pending_from = 0, False
    return paras


def _hard_gap(paras: list[_Para]) -> int:
    """Blank lines that separate layout boxes: two more than the file's usual paragraph gap."""
    gaps = sorted(p.gap for p in paras[1:])
    usual = gaps[len(gaps) // 2] if gaps else 1
    return usual + 2


def _join(paras: list[_Para], hard: int) -> list[_Para]:
    """Join paragraphs the page dump split mid-sentence or mid-word.

    A body line that does not end its sentence (no 。！？…；—： at the end) continues on the next
    body line when it is long (≥ 26 chars, so not a headline) or, if short, when the boundary
    cuts a word or the line ends in a function character (…的 / …要). A headline-looking next
    line is joined only if the boundary cuts a word and no byline/lead follows it. When headline
    lines sit inside a cut sentence (有条不紊地完 / 以数字化转型为引擎 / 成永磁电机), the sentence is
    joined over them if the boundary cuts a word; the dropped lines are kept as title candidates.
    A layout gap, a byline, a lead or an edition marker always stops a join.
    """
    out: list[_Para] = []
    i = 0
    while i < len(paras):
        cur = paras[i]
        i += 1
        while i < len(paras) and cur.kind == "body" and not cur.cont_to and not cur.photo_end and not cur.cut \
                and len(cur.text) < MAX_LINE:        # joins stay linear: no endless paragraph
            t = cur.text
            if _ends_paragraph(t):
                break
            nxt = paras[i]
            if nxt.gap >= hard or nxt.cont_from:
                break
            if nxt.kind == "body":
                if len(t) >= 26 or t[-1] in _DANGLING or _cuts_word(t, nxt.text):
                    cur = _merge(cur, nxt)
                    i += 1
                    continue
                break
            if nxt.kind != "heading" or len(t) < 26:
                break
            after = paras[i + 1] if i + 1 < len(paras) else None
            if (not nxt.md and _cuts_word(t, nxt.text)
                    and not (after and after.kind in ("lead", "byline"))):
                cur = _merge(cur, nxt)
                i += 1
                continue
            # displaced headline lines inside a cut sentence
            j = i
            while j < len(paras) and j - i < 4 and paras[j].kind == "heading" and paras[j].gap < hard \
                    and not paras[j].cont_from:
                j += 1
            if j < len(paras) and j - i < 4 and paras[j].kind == "body" and paras[j].gap < hard \
                    and not paras[j].cont_from and _cuts_word(t, paras[j].text):
                run = [p.text for p in paras[i:j]]
                cur = _merge(cur, paras[j])
                cur.displaced.append(run)
                i = j + 1
                continue
            break
        out.append(cur)
    return out


def _merge(a: _Para, b: _Para) -> _Para:
    p = _Para(a.text + b.text, a.offs + b.offs, b.nl, md=a.md, gap=a.gap, cont_from=a.cont_from,
              cont_to=b.cont_to, displaced=a.displaced + b.displaced)
    p.kind, p.photo_end, p.credit = "body", b.photo_end, b.credit
    return p


# --------------------------------------------------------------------------------------------
# Punctuation

_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF = re.compile(r"[,:;?!()]")
_CJK_CLASS = "\u4e00-\u9fff\u3400-\u4dbf\u3000-\u303f\uff00-\uffef“”‘’—…·"   # what _is_cjk accepts
# The common case: a , ; ? ! between two Chinese characters (中,中). It always becomes full-width,
# and nothing else looks at it (its neighbours are no marks), so one substitution can do it first.
_BETWEEN_CJK = re.compile(f"[,;?!](?<=[{_CJK_CLASS}].)(?=[{_CJK_CLASS}])")


def _normalise_punct(text: str) -> str:
    """The text with half-width , : ; ? ! ( ) next to Chinese made full-width (one char for one).

    Brackets go by pairs, so (HMOs) inside Chinese becomes （HMOs） as a whole; a colon between
    digits (9:00) and punctuation inside Latin text stay as they are. Only the half-width marks
    are visited (a loop over every character cost more than the rest of the repair), and the
    changes are kept by position until the end."""
    if not _HALF.search(text):
        return text
    text = _BETWEEN_CJK.sub(lambda m: _HALF_TO_FULL[m.group()], text)
    n = len(text)
    full: dict[int, str] = {}                  # position → full-width mark, decided so far

    def char_at(k: int) -> str:
        return full.get(k, text[k])

    def cjk_at(k: int) -> bool:
        return 0 <= k < n and _is_cjk(char_at(k))

    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    lone: list[int] = []
    for m in _HALF.finditer(text):
        k, c = m.start(), m.group()
        if c == "(":
            stack.append(k)
        elif c == ")":
            if stack:
                pairs.append((stack.pop(), k))
            else:
                lone.append(k)
        else:
            if c == ":" and k > 0 and k + 1 < n and char_at(k - 1).isdigit() and char_at(k + 1).isdigit():
                continue
            if cjk_at(k - 1) or cjk_at(k + 1):
                full[k] = _HALF_TO_FULL[c]
    lone.extend(stack)
    for a, b in pairs:
        if cjk_at(a - 1) or cjk_at(b + 1) or cjk_at(a + 1) or cjk_at(b - 1):
            full[a], full[b] = "（", "）"
    for k in lone:
        if cjk_at(k - 1) or cjk_at(k + 1):
            full[k] = _HALF_TO_FULL[text[k]]
    if not full:
        return text
    return _HALF.sub(lambda m: full.get(m.start(), m.group()), text)


# --------------------------------------------------------------------------------------------
# Articles


def split_articles(text: str, doc: str) -> list[Article]:
    """Repair a page dump and cut it into articles (see the module docstring for offsets).

    Rules, read off the seed pages:
    * An article starts at a *start signal*: a lead (本报讯（记者 …）, 本报鄂尔多斯12月27日电…,
      新华社…电), a byline line (●本报记者 …, □本报记者 … 通讯员 …) or a continuation marker
      (■上接第1版, （上接第1版）). The headline lines just above the signal (up to five short
      headline-looking or markdown lines) belong to it.
    * It also starts after a layout gap (two more blank lines than usual: picture boxes), after a
      photo credit (本报记者 王磊 摄) and after a 下转 marker; and at the top of the file.
    * Any other headline-looking line — markdown or not — is a section heading of the article it
      sits in: without a byline or dateline it cannot be told from one.
    * Title: the last headline line above the signal (the one next to the byline; a kicker
      ending in ：such as 王彩云代表： is put in front, a ——subtitle is skipped). An article with
      no headline (its headline was printed elsewhere on the page) takes the unused headline
      lines of the page that its text best contains; the first article of a file with no
      headline at all takes its first line.
    * Byline: the byline line without its bullet, or what the lead's brackets hold (记者 祁晓燕),
      or the photo credit. Place and date come from a dateline only (本报鄂尔多斯12月27日电).
    """
    paras = _paragraphs(text)
    if not paras:
        return []
    hard = _hard_gap(paras)
    paras = _join(paras, hard)
    for p in paras:
        p.text = _normalise_punct(p.text)

    def boundary_before(i: int) -> bool:
        if i == 0:
            return True
        prev = paras[i - 1]
        return paras[i].gap >= hard or prev.photo_end or prev.kind == "credit" or prev.cont_to

    starts: list[int] = []
    length = 0
    for i, p in enumerate(paras):
        if boundary_before(i) or length > MAX_ARTICLE:   # an endless article is cut at a paragraph
            starts.append(i)
            length = 0
        length += len(p.text) + 1
        if p.kind in ("lead", "byline") or p.cont_from:
            j = i
            while j > 0 and paras[j - 1].kind == "heading" and not boundary_before(j) and i - j < 5:
                j -= 1
            s0 = starts[-1] if starts else 0
            if j <= s0 or all(q.kind in ("heading", "byline") for q in paras[s0:j]):
                continue     # the current article has no body yet: the signal is its own
            starts.append(j)
    starts = sorted(set(starts))
    spans = [[s, e] for s, e in zip(starts, starts[1:] + [len(paras)])]

    # titles
    titles: list[str] = []
    pool: list[list[tuple[int | None, str]]] = []   # unused headline runs: (para index or None, text)
    for k, (s, e) in enumerate(spans):
        run_end = s
        while run_end < e and paras[run_end].kind == "heading":
            run_end += 1
        run = list(range(s, run_end))
        title, used = "", set()
        cands = [i for i in run if not paras[i].text.startswith(("—", "－", "-"))]
        if cands:
            t = cands[-1]
            title, used = paras[t].text, {t}
            if t - 1 in run and paras[t - 1].text[-1:] in ":：":
                title, used = paras[t - 1].text + title, {t - 1, t}
        elif k == 0 and s == 0:
            first = paras[0].text
            title = re.split(r"(?<=[。！？!?])", first, maxsplit=1)[0][:60]
        left = [(i, paras[i].text) for i in run if i not in used]
        if left:
            pool.append(left)
        for p in paras[s:e]:
            pool.extend([(None, t) for t in r] for r in p.displaced)
        titles.append(title)

    # orphans: articles without a headline take the page's unused headline lines they best match
    for k, (s, e) in enumerate(spans):
        if titles[k]:
            continue
        body = "".join(paras[i].text for i in range(s, e))
        best, best_score, best_lines = None, 0, []
        for g, run in enumerate(pool):
            if any(i is not None and s <= i < e for i, _ in run):
                continue
            lines, score = [], 0
            for i, t in run:
                han = "".join(c for c in t if "\u4e00" <= c <= "\u9fff")
                bg = [han[x:x + 2] for x in range(len(han) - 1)]
                hit = sum(b in body for b in bg)    # the body's bigrams, without making them all
                if len(bg) >= 3 and hit / len(bg) >= 0.5:
                    lines.append((i, t))
                    score += hit
            if score > best_score:
                best, best_score, best_lines = g, score, lines
        if best is not None:
            titles[k] = " ".join(t for _, t in best_lines)
            used_idx = {i for i, _ in best_lines if i is not None}
            pool[best] = [x for x in pool[best] if x not in best_lines]
            for sp in spans:           # a headline given away at the very top of its owner leaves it
                while sp[0] in used_idx and sp[0] < sp[1] - 1:
                    sp[0] += 1

    articles: list[Article] = []
    for k, (s, e) in enumerate(spans):
        if s >= e:
            continue
        offs: list[int] = []
        for i in range(s, e):
            if i > s:
                offs.append(paras[i - 1].nl)     # the "\n" between two paragraphs
            offs.extend(paras[i].offs)
        offs.append(offs[-1] + 1)
        text = "\n".join(paras[i].text for i in range(s, e))
        a = Article(doc=doc, index=len(articles), text=text, offsets=offs,
                    title=titles[k].strip(_WS))
        _fill_byline(a, paras[s:e])
        articles.append(a)
    return articles


def _fill_byline(a: Article, paras: list[_Para]) -> None:
    for p in paras[:8]:
        t = p.text
        if p.kind == "lead":
            m = _LEAD.match(t)
            a.place = m.group("place") or ""
            a.date = m.group("date") or ""
            a.byline = (m.group("who") or "").strip(_WS)
            return
        if p.kind == "byline":
            a.byline = t.strip(_WS + _BULLETS)
            return
        if p.kind == "body":
            break
    for p in paras:
        if p.photo_end:
            a.byline = p.credit
            return


# --------------------------------------------------------------------------------------------
# Duplicates

DUPLICATE_THRESHOLD = 0.5
SHINGLE = 5


def shingles(text: str, n: int = SHINGLE) -> set[str]:
    """Character n-grams of the text's letters, digits and ideographs (punctuation and spacing
    differ between prints of the same article, so they are left out)."""
    s = "".join(c for c in text if c.isalnum())
    return {s[i:i + n] for i in range(len(s) - n + 1)}


def similarity(a: set[str], b: set[str]) -> float:
    """Containment of the smaller shingle set in the larger: a reprint that was cut or had
    paragraphs added still scores high, while unrelated articles share almost no 5-grams."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


# A reprint is recognised from a sketch, not the whole shingle set, so that the memory it takes
# does not grow with the text: the shingles starting at "anchor" characters (a quarter of them,
# chosen by content, so every print samples the same ones) are hashed (CRC-32: stable across
# processes, unlike hash()), and the SKETCH smallest hashes kept (a bottom-k sketch); the
# containment of one in the other is estimated from the two sketches (exact while both sample
# sets fit in the sketch). Candidates are found through an index of the INDEXED smallest.
SKETCH = 64
INDEXED = 16
_NON_ALNUM = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Sketch:
    shingles: int            # 5-grams in the text (with repeats): the caption test
    sampled: int             # distinct sampled 5-grams
    hashes: tuple[int, ...]  # the SKETCH smallest of their hashes, ascending


# Anchor characters are those whose code point is a multiple of 4, which its low byte tells:
# this table flags those low bytes.
_ANCHOR_BYTE = bytes(b & 3 == 0 for b in range(256))


def sketch(text: str, n: int = SHINGLE) -> Sketch:
    s = _NON_ALNUM.sub("", text)
    count = max(0, len(s) - n + 1)
    # The anchors' positions, found without a Python step per character: UTF-32 gives 4 bytes a
    # character, lowest first, so every 4th byte is a character's low byte; translated into
    # flags, they pick the positions out of range(count).
    flags = s.encode("utf-32-le")[::4].translate(_ANCHOR_BYTE)
    anchors = compress(range(count), flags)
    sampled = {zlib.crc32(s[i:i + n].encode("utf-8")) for i in anchors}
    return Sketch(count, len(sampled), tuple(sorted(sampled)[:SKETCH]))


def estimated_similarity(a: Sketch, b: Sketch) -> float:
    """`similarity` of the two texts' shingle sets, estimated from their sketches."""
    if not a.sampled or not b.sampled:
        return 0.0
    small = min(a.sampled, b.sampled)
    if a.sampled <= SKETCH and b.sampled <= SKETCH:
        return len(set(a.hashes) & set(b.hashes)) / small
    union = sorted(set(a.hashes) | set(b.hashes))[:SKETCH]
    both = set(a.hashes) & set(b.hashes)
    j = sum(1 for h in union if h in both) / len(union)
    return min(1.0, j * (a.sampled + b.sampled) / ((1 + j) * small))


class Duplicates:
    """Reprint detection one article at a time, in (doc, index) order: an article whose text is
    near-identical to an earlier first print is a duplicate of it. Holds a sketch per article."""

    def __init__(self, threshold: float = DUPLICATE_THRESHOLD, min_shingles: int = 50):
        self.threshold, self.min_shingles = threshold, min_shingles
        self.firsts: list[tuple[tuple[str, int], Sketch]] = []
        self.index: dict[int, list[int]] = {}

    def add(self, key: tuple[str, int], sk: Sketch) -> tuple[str, int] | None:
        """The (doc, index) this article reprints, or None (it is then a first print)."""
        if sk.shingles < self.min_shingles:
            return None
        candidates = sorted({i for h in sk.hashes[:INDEXED] for i in self.index.get(h, ())})
        for i in candidates:
            if estimated_similarity(self.firsts[i][1], sk) >= self.threshold:
                return self.firsts[i][0]
        n = len(self.firsts)
        self.firsts.append((key, sk))
        for h in sk.hashes[:INDEXED]:
            self.index.setdefault(h, []).append(n)
        return None


def mark_duplicates(articles: list[Article], threshold: float = DUPLICATE_THRESHOLD,
                    min_shingles: int = 50) -> list[Article]:
    """Set `duplicate_of` on every later print of an article (order: doc, then index) whose
    text is near-identical to an earlier one, pointing at the first print. Articles shorter
    than `min_shingles` 5-grams (picture captions) are never called duplicates."""
    dups = Duplicates(threshold, min_shingles)
    for a in sorted(articles, key=lambda a: (a.doc, a.index)):
        a.duplicate_of = dups.add((a.doc, a.index), sketch(a.text))
    return articles


# --------------------------------------------------------------------------------------------
# Sentences

_SENT_END = "。！？；!?;"
# Where a sentence stops: a line break (not part of either sentence), or a run of end marks with
# the closing quotes and brackets right after them (part of the sentence).
_SENT_CUT = re.compile(f"\n|[{re.escape(_SENT_END)}][{re.escape(_SENT_END + _CLOSERS)}]*")


def split_sentences(article: Article) -> list[Sentence]:
    """Sentences of the repaired text, cut after 。！？； and at line breaks; closing quotes and
    brackets right after the mark (。” / ！）) stay with their sentence. Spans exclude spacing."""
    text = article.text
    out: list[Sentence] = []

    def emit(s: int, e: int) -> None:
        piece = text[s:e]
        body = piece.lstrip(_WS)
        s += len(piece) - len(body)
        body = body.rstrip(_WS)
        if body:
            out.append(Sentence(s, s + len(body), body))

    start = 0
    for m in _SENT_CUT.finditer(text):
        if m.group() == "\n":
            emit(start, m.start())
        else:
            emit(start, m.end())
        start = m.end()
    emit(start, len(text))
    return out


# --------------------------------------------------------------------------------------------
# Everything


def ingest(paths: Iterable[str | os.PathLike], files: list[Path] | None = None
           ) -> tuple[list[Article], list[SourceError]]:
    """Read every source file under `paths` into articles, duplicates marked; files that cannot
    be used come back as errors (in file order) instead of stopping the run. `files`: the
    listing of `paths` when the caller already made it (`iter_source_files`)."""
    if files is None:
        files = iter_source_files(paths)
    names = doc_names(files)
    articles: list[Article] = []
    errors: list[SourceError] = []
    for f in files:
        try:
            text = read_source(f)
        except SourceError as e:
            errors.append(e)
            continue
        articles.extend(split_articles(text, names[f]))
    articles.sort(key=lambda a: (a.doc, a.index))
    mark_duplicates(articles)
    return articles, errors


def iter_articles(paths: Iterable[str | os.PathLike]) -> Iterator[Article]:
    """`ingest` for callers that only want the articles."""
    yield from ingest(paths)[0]
