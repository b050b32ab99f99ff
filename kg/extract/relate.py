"""A learned relation classifier: which relation, if any, one sentence states between two mentions.

Why a model: the relation rules (kg.extract.relations) each read one construction (X与Y签约, 由X承担),
and real news states the same facts in many more ways. The classifier reads every pair of mentions
of a sentence whose labels some relation type allows, with what a reader uses: the two labels,
their order and distance, the words and mentions between them, the words around them, and which
rules fired on the pair (so it learns how far each rule can be trusted). It is a maximum-entropy
model (CRFsuite on one-item sequences: no second learning library), trained by
`scripts/train_relations.py` from annotated articles and shipped as `kg/data/relations.crfsuite`.

For the pairs it reads, its answer replaces the rules'; facts the rules read elsewhere (inside a
name, across sentences, from anaphors) stay as they are.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pycrfsuite

from kg.model import RELATION_ENDS, SYMMETRIC, Fact, Mention, Sentence

MODEL = Path(__file__).resolve().parent.parent / "data" / "relations.crfsuite"
NONE = "NONE"
MAX_GAP = 80            # characters between two mentions of one pair
THRESHOLD = 0.5         # the model's probability a predicted relation needs

# label pairs some relation allows, and which relations
ALLOWED: dict[tuple[str, str], tuple[str, ...]] = {}
for _p, (_subj, _obj) in RELATION_ENDS.items():
    for _a in _subj:
        for _b in _obj:
            ALLOWED.setdefault((_a, _b), ())
            ALLOWED[_a, _b] += (_p,)

_CLAUSE = "，,；;：:"


def model_path() -> str:
    return os.environ.get("KG_RELATION_MODEL") or str(MODEL)


def available() -> bool:
    return os.path.exists(model_path())


@lru_cache(maxsize=4)
def _tagger(path: str):
    t = pycrfsuite.Tagger()
    t.open(path)
    return t


def _bucket(n: int) -> str:
    for limit in (0, 1, 2, 4, 8, 16, 32):
        if n <= limit:
            return str(limit)
    return "many"


def top_level(mentions: list[Mention]) -> list[Mention]:
    """The mentions a sentence's pairs are made of: names (not anaphors), regions not inside a name."""
    names = [m for m in mentions if m.label != "Region" and not m.coref and m.label != "Document"]
    out = []
    for m in mentions:
        if m.coref or m.end <= m.start:
            continue
        if m.label == "Region" and any(n.start <= m.start and m.end <= n.end for n in names):
            continue
        out.append(m)
    return out


def pairs(text: str, sentence: Sentence, ms: list[Mention], facts_by_pair: dict) -> list[tuple[Mention, Mention, list[str]]]:
    """Every ordered pair of the sentence's mentions a relation type allows, with its features."""
    out = []
    signing = any(w in text[sentence.start:sentence.end] for w in ("签约", "签署", "协议", "合作"))
    for i, a in enumerate(ms):
        for j, b in enumerate(ms):
            if i == j or (a.label, b.label) not in ALLOWED or a.name == b.name:
                continue
            first, second = (a, b) if i < j else (b, a)
            lo, hi = first.end, second.start
            if hi < lo or hi - lo > MAX_GAP:
                continue
            gap = text[lo:hi]
            tt = a.label + ">" + b.label
            d = "f" if i < j else "b"
            between = ms[min(i, j) + 1:max(i, j)]
            f = ["tt=" + tt, "d=" + d, "ttd=" + tt + d, "len=" + _bucket(len(gap)),
                 "nb=" + _bucket(len(between)), "ttnb=" + tt + _bucket(len(between))]
            if len(gap) <= 4:
                f.append("gap=" + d + gap)
            else:
                f.append("gh=" + d + gap[:2])
                f.append("gt=" + d + gap[-2:])
            for k in range(len(gap) - 1):
                bg = gap[k:k + 2]
                if not any(c in _CLAUSE for c in bg):
                    f.append("gb=" + bg)
            f.append("cl=" + str(sum(c in _CLAUSE for c in gap)))
            f.append("ttcl=" + tt + str(min(2, sum(c in _CLAUSE for c in gap))))
            for m in between:
                f.append("bl=" + m.label)
                f.append("btt=" + tt + m.label)
            same = [m for m in between if m.label == a.label]
            if not same:
                f.append("nearest=" + tt + d)
            f.append("pre=" + text[max(sentence.start, first.start - 2):first.start])
            f.append("pre1=" + text[max(sentence.start, first.start - 1):first.start])
            f.append("post=" + text[second.end:min(sentence.end, second.end + 2)])
            f.append("post1=" + text[second.end:min(sentence.end, second.end + 1)])
            f.append("aa=" + text[first.end:first.end + 2] if lo < hi else "adj=" + tt)
            f.append("bb=" + text[max(lo, second.start - 2):second.start])
            if a.attrs.get("title"):
                f.append("title=" + d)
            if signing:
                f.append("sign=" + tt)
            f.append("ra=" + a.rule.split(":")[0])
            f.append("rb=" + b.rule.split(":")[0])
            for rule, pred in facts_by_pair.get((id(a), id(b)), ()):
                f.append("rule=" + rule)
                f.append("rp=" + pred)
            for rule, pred in facts_by_pair.get((id(b), id(a)), ()):
                f.append("rrule=" + rule)
            out.append((a, b, f))
    return out


def index_facts(facts: list[Fact]) -> dict:
    by_pair: dict = {}
    for fact in facts:
        by_pair.setdefault((id(fact.subject), id(fact.object)), []).append((fact.rule, fact.predicate))
    return by_pair


def revise(text: str, mentions: list[Mention], sentences: list[Sentence], facts: list[Fact]) -> list[Fact]:
    """The rules' facts with the model's answer in place of theirs for every pair it reads."""
    if not available():
        return facts
    tagger = _tagger(model_path())
    by_pair = index_facts(facts)
    ms_all = top_level(mentions)
    decided: set[tuple[int, int]] = set()
    learned: list[Fact] = []
    for s in sentences:
        ms = [m for m in ms_all if s.start <= m.start and m.end <= s.end]
        if len(ms) < 2:
            continue
        for a, b, f in pairs(text, s, ms, by_pair):
            decided.add((id(a), id(b)))
            label = tagger.tag([f])[0]
            if label == NONE or label not in ALLOWED[a.label, b.label]:
                continue
            p = tagger.marginal(label, 0)
            if p >= THRESHOLD:
                learned.append(Fact(a, label, b, "learned", round(p, 3), s))
    kept = [fact for fact in facts if (id(fact.subject), id(fact.object)) not in decided
            and (id(fact.object), id(fact.subject)) not in decided]
    return kept + learned
