"""Resolution: every mention of one real thing becomes one node, every fact one relationship.

Mentions are keyed by a normalised name (bracket widths, the 市/县 of a leading place name), short
company names join the one full name they abbreviate (when two full names share a short form, the
one named in the same article wins, else the short name stays a node of its own), anaphors join
their antecedent. Ids are slugs of the resolved key, so the same input gives the same ids.
"""
from __future__ import annotations

import hashlib
import logging
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from kg.extract.names import LEADING_PLACE, park_key
from kg.language.lexicon import BARE_BODY
from kg.model import ArticleExtraction, Fact, Mention, NameEvidence
from kg.schema import ID_PREFIX, RELATION_ENDS, SYMMETRIC

log = logging.getLogger(__name__)

@lru_cache(maxsize=1 << 16)
def normalise(name: str) -> str:
    """NFKC (full- and half-width alike), no white space, brackets written full-width."""
    s = "".join(unicodedata.normalize("NFKC", name).split())
    return s.replace("(", "（").replace(")", "）")


@lru_cache(maxsize=1 << 16)
def slug(label: str, key: str) -> str:
    return f"{ID_PREFIX[label]}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}"


@dataclass
class Entity:
    id: str
    label: str
    names: dict[str, int] = field(default_factory=dict)   # surface form → count
    props: dict = field(default_factory=dict)
    mentions: set[tuple[str, int, int]] = field(default_factory=set)
    canonical: str = ""

    @property
    def name(self) -> str:
        if self.canonical:
            return self.canonical
        return max(self.names, key=lambda n: (len(n), self.names[n], n))

    @property
    def aliases(self) -> list[str]:
        name = self.name
        return sorted(n for n in self.names if n != name)


@dataclass
class Relation:
    subject: str
    predicate: str
    object: str
    confidence: float
    rule: str
    source: str = "text"
    evidence: dict[tuple[str, int, int], str] = field(default_factory=dict)
    props: dict = field(default_factory=dict)


class _UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, k: str) -> str:
        self.parent.setdefault(k, k)
        while self.parent[k] != k:
            self.parent[k] = self.parent[self.parent[k]]
            k = self.parent[k]
        return k

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the longer key (the fuller name) represents the cluster: stable whatever the order
            keep, drop = sorted((ra, rb), key=lambda k: (-len(k), k))
            self.parent[drop] = keep


def _key(m: Mention) -> str:
    if m.label == "Region":
        return f"{m.label}:{m.adcode}"
    return _name_key(m.label, m.name)


@lru_cache(maxsize=1 << 16)
def _name_key(label: str, name: str) -> str:
    """(A corpus names the same things over and over: keys are worked out once per name.)"""
    name = normalise(name)
    if label in ("IndustrialPark", "Company", "Institution", "Project"):
        # 赤峰市经济技术开发区 and 赤峰经济技术开发区 are one park
        name = LEADING_PLACE.sub(r"\1", name)
    if label == "IndustrialPark":
        name = park_key(name)
    return f"{label}:{name}"


def _bare_bodies(here: list[Mention], doc: str, index: int, choices: dict[int, tuple | str]) -> set[int]:
    """A body named by its level alone (市委, 省政府, 管委会) is its article's: the one fuller name
    of the article that ends with it (甲市委; 人民政府 read as 政府), else a node of the
    article's own under the bare name, never one every article's 市委 would join. The bare word
    is no alias of the fuller name: the ids of the mentions that join one (their names unsaid)."""
    bare = [m for m in here if m.label == "Institution" and BARE_BODY.fullmatch(m.name)]
    if not bare:
        return set()
    fuller = {m.name for m in here if m.label == "Institution" and not BARE_BODY.fullmatch(m.name)}
    joined = set()
    for m in bare:
        ending = m.name.replace("人民政府", "政府")
        owners = {f for f in fuller if f.replace("人民政府", "政府").endswith(ending)}
        if len(owners) == 1:
            choices[id(m)] = _name_key("Institution", owners.pop())
            joined.add(id(m))
        else:
            choices[id(m)] = f"{_name_key('Institution', m.name)}@{doc}#{index}"
    return joined


def _text_unions(here: list[Mention], text: str) -> list[tuple[str, str]]:
    out = []
    by_start: dict[tuple[str, int], list[Mention]] = {}
    by_label: dict[str, list[Mention]] = {}
    for b in here:
        by_start.setdefault((b.label, b.start), []).append(b)
        by_label.setdefault(b.label, []).append(b)
    for a in here:
        # 甲大学第一附属医院（乙医院）: a bracketed name right after a name is its alias
        if text[a.end:a.end + 1] in ("（", "("):
            for b in by_start.get((a.label, a.end + 1), ()):
                if text[b.end:b.end + 1] in "）)":
                    out.append((_key(a), _key(b)))
        # 该垃圾转运站 after 东河路垃圾转运站: a name ending a longer one of the same article
        if a.label in ("Project", "IndustrialPark", "Institution") and len(a.name) >= 4:
            for b in by_label[a.label]:
                if len(b.name) > len(a.name) and b.name.endswith(a.name) and b.start < a.start:
                    out.append((_key(a), _key(b)))
                    break
    return out


class Folded:
    """Extractions folded into what resolution keeps of them: per mention *token* (a mention's
    key, or for a short name whose meaning waits on the whole corpus, that key with the full
    names it may stand for) what its mentions say, per (token, predicate, token) what its facts
    say, and the unions the text calls for. Made per file in the worker that extracted it, so
    the parent only merges: memory holds what the graph will hold, never every extraction.

    Where merging could depend on order (the first of several values, the last of several
    adcodes) each value carries its position, (doc, article index, item index): the corpus's
    reading order, the same in every build, whatever the workers or the cache."""

    __slots__ = ("unions", "full_names", "short_unions", "parts", "facts")

    def __init__(self):
        self.unions: list[tuple[str, str]] = []           # keys the text says are one thing
        self.full_names: set[str] = set()                 # full company names named
        self.short_unions: set[tuple[str, str]] = set()   # (short name's key, its one full name)
        self.parts: dict = {}                             # token → _Part
        self.facts: dict[tuple, _FactPart] = {}           # (token, predicate, token) → _FactPart

    def add(self, ex: ArticleExtraction) -> None:
        """Fold in one article's extraction."""
        a = ex.article
        here = [m for m in ex.mentions if not m.coref]
        names_here = {m.name for m in here if m.label == "Company"}
        choices: dict[int, tuple | str] = {}       # short-name mention → its token (see _token)
        for m in here:
            if m.label == "Company" and m.name_evidence is NameEvidence.SUFFIX:
                self.full_names.add(m.name)
            elif m.name_evidence is NameEvidence.SHORT_FORM:
                key = _key(m)
                owners = m.full_names
                local = [o for o in owners if o in names_here]
                single = owners[0] if len(owners) == 1 else None
                if single is not None:
                    self.short_unions.add((key, single))
                if len(local) == 1:
                    # the article decides which of several companies it means, for its own mentions
                    # only, unless the name has one full name (known when the corpus is read)
                    choices[id(m)] = ("?", key, single, local[0])
        unnamed = _bare_bodies(here, a.doc, a.index, choices)
        self.unions.extend(_text_unions(here, a.text))
        parts, doc, index = self.parts, a.doc, a.index
        for i, m in enumerate(ex.mentions):
            token = _token(m, choices)
            part = parts.get(token)
            if part is None:
                part = parts[token] = _Part()
            part.add(m, doc, a.file_span(m.start, m.end), (doc, index, i), named=id(m) not in unnamed)
        for i, f in enumerate(ex.facts):
            k = (_token(f.subject, choices), f.predicate, _token(f.object, choices))
            fp = self.facts.get(k)
            if fp is None:
                fp = self.facts[k] = _FactPart()
            fp.add(f, doc, a.file_span(f.sentence.start, f.sentence.end), (doc, index, i))


class Resolver:
    """Takes extractions (articles, or files' `Folded` results) as they come, then resolves:
    the tokens are joined into clusters (union-find, which keeps the fullest key of a cluster
    whatever the order) and their parts merged into nodes and relationships. Ids are slugs of
    keys, and order-dependent choices go by position: the same input gives the same graph."""

    def __init__(self):
        self._uf = _UnionFind()
        self._full_names: set[str] = set()
        self._short_unions: set[tuple[str, str]] = set()
        self._parts: dict = {}
        self._facts: dict[tuple, _FactPart] = {}

    def add(self, extraction: ArticleExtraction | Folded) -> None:
        """Take in an article's extraction, or a fold of some (which is consumed: its parts may
        become the resolver's)."""
        if isinstance(extraction, ArticleExtraction):
            folded = Folded()
            folded.add(extraction)
            extraction = folded
        uf = self._uf
        for a, b in extraction.unions:
            uf.union(a, b)
        self._full_names |= extraction.full_names
        self._short_unions |= extraction.short_unions
        for table, theirs in ((self._parts, extraction.parts), (self._facts, extraction.facts)):
            for k, v in theirs.items():
                mine = table.get(k)
                if mine is None:
                    table[k] = v
                else:
                    mine.merge(v)

    def resolve(self) -> tuple[dict[str, Entity], dict[tuple, Relation]]:
        uf = self._uf
        for key, full in self._short_unions:
            if full in self._full_names:
                uf.union(key, _name_key("Company", full))
        ids: dict = {}                                    # token → (entity id, label)
        for token in self._parts:
            key = uf.find(self._chosen_key(token))
            label = key.split(":", 1)[0]
            ids[token] = (slug(label, key), label)
        merged: dict[str, tuple[str, _Part]] = {}
        for token, part in self._parts.items():
            eid, label = ids[token]
            if eid not in merged:
                merged[eid] = (label, _Part())
            merged[eid][1].merge(part)
        entities = {eid: part.entity(eid, label) for eid, (label, part) in merged.items()}
        relations: dict[tuple, Relation] = {}
        best: dict[tuple, _FactPart] = {}
        dropped = 0
        for (ts, predicate, to), fp in self._facts.items():
            s = entities.get(ids[ts][0] if ts in ids else self._entity_id(ts))
            o = entities.get(ids[to][0] if to in ids else self._entity_id(to))
            if s is None or o is None or s.id == o.id:
                continue
            subj_ok, obj_ok = RELATION_ENDS[predicate]
            if s.label not in subj_ok or o.label not in obj_ok:
                dropped += 1
                continue
            a, b = (s.id, o.id)
            if predicate in SYMMETRIC and b < a:
                a, b = b, a
            k = (a, predicate, b)
            if k not in best:
                best[k] = _FactPart()
            best[k].merge(fp)
        for (a, predicate, b), fp in best.items():
            rel = relations[(a, predicate, b)] = Relation(a, predicate, b, fp.confidence, fp.rule)
            rel.evidence = fp.evidence
            if fp.title is not None:
                rel.props["title"] = fp.title[1]
        if dropped:
            log.debug("dropped %d facts whose resolved ends do not fit the schema", dropped)
        return entities, relations

    def _chosen_key(self, token) -> str:
        """The key a token stands for, now that the corpus's full names are known."""
        if type(token) is str:
            return token
        _, key, single, local = token
        full = self._full_names
        if single is not None and single in full:
            return key                   # joined to its one full name (see resolve)
        if local in full:
            return _name_key("Company", local)
        return key

    def _entity_id(self, token) -> str:
        key = self._uf.find(self._chosen_key(token))
        return slug(key.split(":", 1)[0], key)


def _token(m: Mention, choices: dict[int, tuple | str]):
    """What a mention is folded in under: an anaphor its antecedent's token, a short name that
    its article may decide its own (see `Folded.add`), else its key."""
    if m.coref:
        seen = set()
        while m.coref and m.antecedent is not None and id(m) not in seen:
            seen.add(id(m))
            m = m.antecedent
    if choices:
        token = choices.get(id(m))
        if token is not None:
            return token
    return _key(m)


class _Part:
    """What the mentions of one token (or, merged, of one entity) say, with the positions
    where order decides: the first value of a property, the last adcode, level and official name."""

    __slots__ = ("names", "defaults", "assigned", "canonical", "mentions")

    def __init__(self):
        self.names: dict[str, int] = {}
        self.defaults: dict[str, tuple] = {}    # property → (position, value): the first wins
        self.assigned: dict[str, tuple] = {}    # property → (position, value): the last wins
        self.canonical: tuple | None = None     # (position, official name): the last wins
        self.mentions: set[tuple[str, int, int]] = set()

    def add(self, m: Mention, doc: str, span: tuple[int, int], pos: tuple, named: bool = True) -> None:
        names = self.names
        if not m.coref and named:
            names[m.name] = names.get(m.name, 0) + 1
            if m.text != m.name and m.label != "Region":
                names.setdefault(normalise(m.text), 0)
            elif m.label == "Region" and m.text != m.name:
                names.setdefault(m.text, 0)
            if m.alias:
                names.setdefault(m.alias, 0)
        if m.label == "Industry" and not m.coref:
            # named as the guide names it (先进装备制造), not by the longest surface form
            # (先进装备制造业产业集群), which stays an alias
            self.canonical = (pos, m.name)
        if m.label in ("Region", "IndustrialPark") and m.adcode:
            self.assigned["adcode"] = (pos, m.adcode)
            if m.label == "Region":  # a region is named officially; a park by the fullest name seen
                self.canonical = (pos, m.name)
                self.assigned["level"] = (pos, m.level)
        for k, v in m.props.items():
            if k not in self.defaults:
                self.defaults[k] = (pos, v)
        self.mentions.add((doc, *span))

    def merge(self, other: "_Part") -> None:
        names = self.names
        for n, c in other.names.items():
            names[n] = names.get(n, 0) + c
        for k, v in other.defaults.items():
            if k not in self.defaults or v[0] < self.defaults[k][0]:
                self.defaults[k] = v
        for k, v in other.assigned.items():
            if k not in self.assigned or v[0] > self.assigned[k][0]:
                self.assigned[k] = v
        if other.canonical is not None and (self.canonical is None or other.canonical[0] > self.canonical[0]):
            self.canonical = other.canonical
        self.mentions |= other.mentions

    def entity(self, eid: str, label: str) -> Entity:
        # a value set outright (adcode, level) wins over a first value, as when read in order
        props = {k: v for k, (_, v) in self.defaults.items()}
        props.update((k, v) for k, (_, v) in self.assigned.items())
        return Entity(eid, label, self.names, props, self.mentions,
                      self.canonical[1] if self.canonical is not None else "")


class _FactPart:
    """The facts of one (token, predicate, token), or merged, of one relationship: the first
    (by position) of the most confident gives confidence and rule, the first title counts,
    the evidence is the union."""

    __slots__ = ("confidence", "rule", "best_pos", "title", "evidence")

    def __init__(self):
        self.confidence = -1.0
        self.rule = ""
        self.best_pos: tuple = ()
        self.title: tuple | None = None         # (position, title)
        self.evidence: dict[tuple[str, int, int], str] = {}

    def add(self, f: Fact, doc: str, span: tuple[int, int], pos: tuple) -> None:
        if f.confidence > self.confidence:      # facts come in order: the first of the best stays
            self.confidence, self.rule, self.best_pos = f.confidence, f.rule, pos
        self.evidence[(doc, *span)] = f.sentence.text
        if f.predicate == "HOLDS_POSITION" and self.title is None and f.subject.title:
            self.title = (pos, f.subject.title)

    def merge(self, other: "_FactPart") -> None:
        if other.confidence > self.confidence or (other.confidence == self.confidence
                                                  and other.best_pos < self.best_pos):
            self.confidence, self.rule, self.best_pos = other.confidence, other.rule, other.best_pos
        if other.title is not None and (self.title is None or other.title[0] < self.title[0]):
            self.title = other.title
        self.evidence.update(other.evidence)
