"""A learned name recogniser: a character-level CRF (CRFsuite) that tags organisations, parks,
projects, people and industries with B/I/O labels.

Why a model: the suffix rules find names that end in 有限公司 or 开发区, but real news names most
companies by short names and brands (no suffix), parks by abbreviations and projects by what they
build. A CRF reads the same evidence a reader does (the characters, jieba's words and their tags,
the suffix and title vocabulary of `lexicon`, the regions the gazetteer found) and learns how they
combine from annotated articles; it generalises to names it has never seen because its features
are about shape and context, not about particular names.

The model is trained by `scripts/train_tagger.py` (see the README) and shipped as
`kg/data/tagger.crfsuite`; tagging is deterministic, CPU-only and offline.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pycrfsuite

from kg.extract import lexicon
from kg.extract.tokens import Tokens, tag_of
from kg.model import Mention

MODEL = Path(__file__).resolve().parent.parent / "data" / "tagger.crfsuite"
LABELS = ("Company", "Institution", "IndustrialPark", "Project", "Person", "Industry")

# Lexicon classes a span of text can end with; (word, class) pairs, longest first.
_SUFFIX_CLASSES = sorted(
    [(w, "C") for w in lexicon.COMPANY_SUFFIXES] + [(w, "I") for w in lexicon.INSTITUTION_SUFFIXES]
    + [(w, "P") for w in lexicon.PARK_SUFFIXES] + [(w, "J") for w in lexicon.PROJECT_SUFFIXES]
    + [(w, "T") for w in lexicon.TITLES_BEFORE_NAME] + [(w, "N") for w in lexicon.INDUSTRIES]
    + [(w, "H") for w in lexicon.INDUSTRY_HEADS],
    key=lambda p: -len(p[0]))
_SUFFIX = {}
for _w, _c in _SUFFIX_CLASSES:
    _SUFFIX.setdefault(_w, _c)
_MAX_SUFFIX = max(len(w) for w in _SUFFIX)
_SURNAMES = lexicon.SURNAMES
_BOUNDARY = lexicon.BOUNDARY_WORDS
_GENERIC = lexicon.GENERIC_MODIFIERS


def _char_class(c: str) -> str:
    if "0" <= c <= "9" or "０" <= c <= "９":
        return "D"
    if c.isascii() and c.isalpha():
        return "L"
    if "\u4e00" <= c <= "\u9fff":
        return "H"
    if c in "（(":
        return "("
    if c in "）)":
        return ")"
    if c in "“”\"‘’《》":
        return "Q"
    if c in "、，,；;":
        return ","
    if c in "。！？!?\n":
        return "."
    return "O"


def _spread(n: int, mentions, labelled: bool) -> list[str]:
    """Per character: B/I/E (+ label) of the mention over it, "" elsewhere."""
    out = [""] * n
    for m in mentions:
        if 0 <= m.start < m.end <= n:
            k = m.end - m.start
            lab = m.label if labelled else ""
            if labelled:
                out[m.start:m.end] = ["B" + lab] + ["I" + lab] * (k - 2) + (["E" + lab] if k > 1 else [])
            else:
                out[m.start:m.end] = ["B"] + ["I"] * (k - 1)
    return out


_PLACES = {1: ["S"]}


def _places(k: int) -> list[str]:
    p = _PLACES.get(k)
    if p is None:
        p = _PLACES[k] = ["B"] + ["M"] * (k - 2) + ["E"]
    return p


@lru_cache(maxsize=1)
def _lexicon():
    import ahocorasick

    a = ahocorasick.Automaton()
    for w, c in _SUFFIX.items():
        if len(w) > 1:
            a.add_word(w, (len(w), c))
    a.make_automaton()
    return a


def features(text: str, tokens: Tokens, regions: list[Mention] = (), hints: list[Mention] = ()) -> list[list[str]]:
    """One feature list per character of `text`; `hints`: what the rules propose (names, people),
    so the model learns when to trust them and where their boundaries go wrong.

    Built column by column (one list comprehension per feature): tagging runs on every article,
    and a loop per character cost five times jieba's segmentation."""
    n = len(text)
    if not n:
        return []
    hint_at = _spread(n, hints, True)
    region_at = _spread(n, regions, False)
    # what jieba says about each character: its place in the word, the word's tag, the word itself
    place: list[str] = []
    tag: list[str] = []
    word: list[str] = []
    for s, e in zip(tokens.starts, tokens.ends):
        w = text[s:e]
        k = e - s
        tag += [tag_of(w)] * k
        word += [w if 1 < k <= 6 else ""] * k
        place += _places(k)
    # the longest lexicon word ending at each character, and the first starting at each
    ends = [""] * n
    starts = [""] * n
    best = [0] * n
    for i, (k, c) in _lexicon().iter(text):
        if k > best[i]:
            best[i] = k
            ends[i] = c + str(min(k, 4))
    for i in range(n - 1, -1, -1):   # backwards: the word that ends first wins
        if best[i]:
            starts[i + 1 - best[i]] = ends[i][0]
    cls = [_char_class(c) for c in text]
    c0 = list(text)
    p1 = ["^"] + c0[:-1]
    p2 = ["^", "^"][:n] + c0[:-2]
    n1 = c0[1:] + ["^"]
    n2 = c0[2:] + ["^", "^"][:n]
    kp = ["^"] + cls[:-1]
    kn = cls[1:] + ["^"]
    lsn = starts[1:] + [""]
    hp = [""] + hint_at[:-1]
    hn = hint_at[1:] + [""]
    tagp = [""] + tag[:-1]
    cols = [
        ["c=" + a for a in c0], ["p1=" + a for a in p1], ["n1=" + a for a in n1],
        ["p1c=" + a + b for a, b in zip(p1, c0)], ["cn1=" + a + b for a, b in zip(c0, n1)],
        ["p2p1=" + a + b for a, b in zip(p2, p1)], ["n1n2=" + a + b for a, b in zip(n1, n2)],
        ["kp=" + a + b for a, b in zip(kp, cls)], ["kn=" + a + b for a, b in zip(cls, kn)],
        ["wt=" + a + b for a, b in zip(tag, place)], ["rg=" + a for a in region_at],
        ["le=" + a for a in ends], ["ls=" + a for a in starts], ["lsn=" + a for a in lsn],
    ]
    # the attributes a character may lack: "" where it does, and left out of its row
    cols += [
        ["w=" + a if a else "" for a in word],
        ["h=" + a if a else "" for a in hint_at],
        ["hp=" + a[:1] + b[:1] if b else "hn=" + c[:1] + a[:1] for a, b, c in zip(hp, hint_at, hn)],
        ["sur" if a in _SURNAMES else "" for a in c0],
        ["tp=" + a if b in "BS" else "tp=" for a, b in zip(tagp, place)],
    ]
    out = [list(filter(None, row)) for row in zip(*cols)]
    return out


@lru_cache(maxsize=4)
def _tagger(path: str):
    t = pycrfsuite.Tagger()
    t.open(path)
    return t


def model_path() -> str:
    """The model file: KG_TAGGER_MODEL overrides the shipped one (for cross-validation runs)."""
    return os.environ.get("KG_TAGGER_MODEL") or str(MODEL)


def available() -> bool:
    return os.path.exists(model_path())


def spans(labels: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) of each B/I run."""
    out = []
    start, cur = None, None
    for i, y in enumerate(labels + ["O"]):
        if y == "O" or y.startswith("B-") or (cur is not None and y[2:] != cur):
            if cur is not None:
                out.append((start, i, cur))
            start, cur = (i, y[2:]) if y != "O" else (None, None)
        # an I- without a B- starts a span too
        elif cur is None:
            start, cur = i, y[2:]
    return out


def tag(text: str, tokens: Tokens, regions: list[Mention] = (), hints: list[Mention] = ()) -> list[tuple[int, int, str, float]]:
    """The spans the model finds in `text`: (start, end, label, confidence)."""
    if not text:
        return []
    tagger = _tagger(model_path())
    xseq = features(text, tokens, regions, hints)
    labels = tagger.tag(xseq)
    out = []
    for s, e, lab in spans(labels):
        conf = min(tagger.marginal(labels[k], k) for k in range(s, e))
        out.append((s, e, lab, conf))
    return out
