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


def features(text: str, tokens: Tokens, regions: list[Mention] = (), hints: list[Mention] = ()) -> list[list[str]]:
    """One feature list per character of `text`; `hints`: what the rules propose (names, people),
    so the model learns when to trust them and where their boundaries go wrong."""
    n = len(text)
    hint_at = [""] * n
    for h in hints:
        if 0 <= h.start < h.end <= n:
            hint_at[h.start] = "B" + h.label
            for k in range(h.start + 1, h.end - 1):
                hint_at[k] = "I" + h.label
            if h.end - 1 > h.start:
                hint_at[h.end - 1] = "E" + h.label
    region_at = [""] * n
    for r in regions:
        if 0 <= r.start < r.end <= n:
            region_at[r.start] = "B"
            for k in range(r.start + 1, r.end):
                region_at[k] = "I"
    # what jieba says about each character: its place in the word, the word's tag, the word itself
    place = [""] * n
    tag = [""] * n
    word = [""] * n
    for s, e in zip(tokens.starts, tokens.ends):
        w = text[s:e]
        t = tag_of(w)
        k = e - s
        for j in range(s, e):
            tag[j] = t
            word[j] = w if 1 < k <= 6 else ""
            place[j] = "S" if k == 1 else ("B" if j == s else ("E" if j == e - 1 else "M"))
    # lexicon words ending at each character, and starting at each character
    ends = [""] * n
    starts = [""] * n
    for i in range(n):
        for k in range(_MAX_SUFFIX, 0, -1):
            if i + 1 - k < 0:
                continue
            c = _SUFFIX.get(text[i + 1 - k:i + 1])
            if c is not None and k > 1:
                ends[i] = c + str(min(k, 4))
                if not starts[i + 1 - k]:
                    starts[i + 1 - k] = c
                break
    cls = [_char_class(c) for c in text]
    pad = "^"
    out = []
    for i in range(n):
        c = text[i]
        p1 = text[i - 1] if i > 0 else pad
        p2 = text[i - 2] if i > 1 else pad
        n1 = text[i + 1] if i + 1 < n else pad
        n2 = text[i + 2] if i + 2 < n else pad
        f = [
            "c=" + c, "p1=" + p1, "n1=" + n1, "p2=" + p2, "n2=" + n2,
            "p1c=" + p1 + c, "cn1=" + c + n1, "p2p1=" + p2 + p1, "n1n2=" + n1 + n2,
            "k=" + cls[i], "kp=" + (cls[i - 1] if i else pad) + cls[i], "kn=" + cls[i] + (cls[i + 1] if i + 1 < n else pad),
            "wp=" + place[i], "wt=" + tag[i] + place[i],
            "rg=" + region_at[i], "rgp=" + (region_at[i - 1] if i else ""),
            "rgn=" + (region_at[i + 1] if i + 1 < n else ""),
            "le=" + ends[i], "ls=" + starts[i],
            "lsn=" + (starts[i + 1] if i + 1 < n else ""), "lep=" + (ends[i - 1] if i else ""),
        ]
        if word[i]:
            f.append("w=" + word[i])
        if hint_at[i]:
            f.append("h=" + hint_at[i])
            f.append("hp=" + (hint_at[i - 1][:1] if i else "") + hint_at[i][:1])
        else:
            f.append("hn=" + (hint_at[i + 1][:1] if i + 1 < n else "") + (hint_at[i - 1][:1] if i else ""))
        if c in _SURNAMES:
            f.append("sur")
        # the word before this character's word and the one after it: context a name sits in
        f.append("tp=" + (tag[i - 1] if i and place[i] in "BS" else ""))
        out.append(f)
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
