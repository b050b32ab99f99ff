"""Resolution: every mention of one real thing becomes one node, every fact one relationship.

Mentions are keyed by a normalised name (bracket widths, the 市/县 of a leading place name), short
company names join the one full name they abbreviate (when two full names share a short form, the
one named in the same article wins, else the short name stays a node of its own), anaphors join
their antecedent. Ids are slugs of the resolved key, so the same input gives the same ids.
"""
from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from kg.gazetteer import Gazetteer
from kg.model import RELATION_ENDS, SYMMETRIC, ArticleExtraction, Fact, Mention

log = logging.getLogger(__name__)

PREFIX = {"Company": "company", "Institution": "institution", "Region": "region", "IndustrialPark": "park",
          "Project": "project", "Industry": "industry", "Person": "person"}
CATEGORIES = (
    (("大学", "学院", "分校", "中学", "小学", "幼儿园", "学校", "一中"), "school"),
    (("医院",), "hospital"),
    (("研究院", "研究所", "科学院", "实验室", "研究中心", "创新中心", "分中心", "工程中心"), "research"),
    (("人民政府", "政府", "局", "厅", "委员会", "常委会", "海关", "党委", "新闻办", "管委会", "部", "委", "所"), "government"),
    (("协会", "学会", "商会", "联合会", "促进会"), "association"),
    (("报社", "电视台", "日报"), "media"),
)


@lru_cache(maxsize=1 << 16)
def normalise(name: str) -> str:
    """NFKC (full- and half-width alike), no white space, brackets written full-width."""
    s = "".join(unicodedata.normalize("NFKC", name).split())
    return s.replace("(", "（").replace(")", "）")


@lru_cache(maxsize=1 << 16)
def slug(label: str, key: str) -> str:
    return f"{PREFIX[label]}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}"


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
        return f"{m.label}:{m.attrs['adcode']}"
    return _name_key(m.label, m.name)


_LEADING_PLACE = re.compile(r"^([\u4e00-\u9fff]{2,6}?)(市|盟|地区)(?!场|民|政|委|级|属|直)")


@lru_cache(maxsize=1 << 16)
def _name_key(label: str, name: str) -> str:
    """(A corpus names the same things over and over: keys are worked out once per name.)"""
    name = normalise(name)
    if label in ("IndustrialPark", "Company", "Institution", "Project"):
        # 赤峰市经济技术开发区 and 赤峰经济技术开发区 are one park
        name = _LEADING_PLACE.sub(r"\1", name)
    return f"{label}:{name}"


@dataclass
class Prepared:
    """One article's extraction as resolution needs it, without the article's text: mentions with
    their spans in the file, facts with their evidence spans, and the merges only the text could
    tell (a bracketed alias, a name ending a longer one). Small enough to keep for a whole corpus
    and to send between processes."""

    doc: str
    mentions: list[Mention]
    spans: list[tuple[int, int]]                    # file span of each mention
    facts: list[tuple[Fact, tuple[int, int]]]       # each fact with its sentence's file span
    unions: list[tuple[str, str]]                   # mention keys the text says are one thing


def prepare(ex: ArticleExtraction) -> Prepared:
    a = ex.article
    here = [m for m in ex.mentions if not m.coref]
    return Prepared(a.doc, ex.mentions, [a.file_span(m.start, m.end) for m in ex.mentions],
                    [(f, a.file_span(f.sentence.start, f.sentence.end)) for f in ex.facts],
                    _text_unions(here, a.text))


def _text_unions(here: list[Mention], text: str) -> list[tuple[str, str]]:
    out = []
    by_start: dict[tuple[str, int], list[Mention]] = {}
    by_label: dict[str, list[Mention]] = {}
    for b in here:
        by_start.setdefault((b.label, b.start), []).append(b)
        by_label.setdefault(b.label, []).append(b)
    for a in here:
        # 海军军医大学第一附属医院（长海医院）: a bracketed name right after a name is its alias
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


class Resolver:
    """Collects articles' extractions (or their `Prepared` form), then resolves them all at once.

    The result does not depend on the order articles are added in (union-find keeps the fullest
    key of a cluster whatever the order; ids are slugs of keys)."""

    def __init__(self, gazetteer: Gazetteer | None = None):
        self.gazetteer = gazetteer or Gazetteer.default()
        self.prepared: list[Prepared] = []
        self._chosen: dict[int, str] = {}   # mention → the key its article chose for it

    def add(self, extraction: ArticleExtraction | Prepared) -> None:
        if isinstance(extraction, ArticleExtraction):
            extraction = prepare(extraction)
        self.prepared.append(extraction)

    def resolve(self) -> tuple[dict[str, Entity], dict[tuple, Relation]]:
        uf = _UnionFind()
        full_keys: dict[str, str] = {}        # full company name → its key
        for ex in self.prepared:
            for m in ex.mentions:
                if not m.coref:
                    uf.find(_key(m))
                    if m.label == "Company" and m.rule.startswith("suffix"):
                        full_keys[m.name] = _key(m)
        for ex in self.prepared:
            self._link_within(ex, uf, full_keys)
        key_of = {}
        for ex in self.prepared:
            for m in ex.mentions:
                key_of[id(m)] = self._mention_key(m, uf)
        entities: dict[str, Entity] = {}
        for ex in self.prepared:
            for m, span in zip(ex.mentions, ex.spans):
                self._add_mention(entities, ex.doc, m, span, key_of)
        relations: dict[tuple, Relation] = {}
        dropped = 0
        for ex in self.prepared:
            for f, (start, end) in ex.facts:
                s = entities.get(self._entity_id(key_of, f.subject, uf))
                o = entities.get(self._entity_id(key_of, f.object, uf))
                if s is None or o is None or s.id == o.id:
                    continue
                subj_ok, obj_ok = RELATION_ENDS[f.predicate]
                if s.label not in subj_ok or o.label not in obj_ok:
                    dropped += 1
                    continue
                a, b = (s.id, o.id)
                if f.predicate in SYMMETRIC and b < a:
                    a, b = b, a
                rel = relations.get((a, f.predicate, b))
                if rel is None:
                    rel = relations[(a, f.predicate, b)] = Relation(a, f.predicate, b, f.confidence, f.rule)
                elif f.confidence > rel.confidence:
                    rel.confidence, rel.rule = f.confidence, f.rule
                rel.evidence[(ex.doc, start, end)] = f.sentence.text
                if f.predicate == "HOLDS_POSITION" and f.subject.attrs.get("title"):
                    rel.props.setdefault("title", f.subject.attrs["title"])
        if dropped:
            log.debug("dropped %d facts whose resolved ends do not fit the schema", dropped)
        self._gazetteer_facts(entities, relations)
        return entities, relations

    # -- linking -------------------------------------------------------------------------------
    def _link_within(self, ex: Prepared, uf: _UnionFind, full_keys: dict[str, str]) -> None:
        here = [m for m in ex.mentions if not m.coref]
        names_here = {m.name for m in here if m.label == "Company"}
        for m in here:
            if m.rule == "short-name":
                owners = m.attrs.get("full_names", [])
                local = [o for o in owners if o in names_here]
                if len(owners) == 1 and owners[0] in full_keys:
                    uf.union(_key(m), full_keys[owners[0]])
                elif len(local) == 1 and local[0] in full_keys:
                    # the article decides which of several companies it means, for its own mentions only
                    self._chosen[id(m)] = full_keys[local[0]]
        for a, b in ex.unions:
            uf.union(a, b)

    def _mention_key(self, m: Mention, uf: _UnionFind) -> str:
        seen = set()
        while m.coref and "antecedent" in m.attrs and id(m) not in seen:
            seen.add(id(m))
            m = m.attrs["antecedent"]
        return uf.find(self._chosen.get(id(m)) or _key(m))

    def _entity_id(self, key_of, m: Mention, uf: _UnionFind) -> str:
        key = key_of.get(id(m)) or self._mention_key(m, uf)
        return slug(key.split(":", 1)[0], key)

    def _add_mention(self, entities, doc: str, m: Mention, span: tuple[int, int], key_of) -> None:
        key = key_of[id(m)]
        label = key.split(":", 1)[0]
        eid = slug(label, key)
        e = entities.get(eid)
        if e is None:
            e = entities[eid] = Entity(eid, label)
        if not m.coref:
            e.names[m.name] = e.names.get(m.name, 0) + 1
            if m.text != m.name and m.label != "Region":
                e.names.setdefault(normalise(m.text), 0)
            elif m.label == "Region" and m.text != m.name:
                e.names.setdefault(m.text, 0)
            if "alias" in m.attrs:
                e.names.setdefault(m.attrs["alias"], 0)
        if m.label in ("Region", "IndustrialPark") and "adcode" in m.attrs:
            e.props["adcode"] = m.attrs["adcode"]
            if m.label == "Region":  # a region is named officially; a park by the fullest name seen
                e.canonical = m.name
                e.props["level"] = m.attrs["level"]
        for k, v in m.props.items():
            e.props.setdefault(k, v)
        e.mentions.add((doc, *span))

    def _gazetteer_facts(self, entities: dict[str, Entity], relations: dict[tuple, Relation]) -> None:
        """Each region's chain of parents, and each code-listed park's city, from the gazetteer."""
        for e in list(entities.values()):
            if e.label == "Institution" and not e.names:
                continue
            if e.label == "Institution":
                e.props.setdefault("category", _category(e.name))
            if "adcode" not in e.props:
                continue
            child = e
            for parent in self.gazetteer.parent_chain(e.props["adcode"]):
                key = f"Region:{parent.adcode}"
                pid = slug("Region", key)
                p = entities.get(pid)
                if p is None:
                    p = entities[pid] = Entity(pid, "Region", {parent.name: 0}, {"adcode": parent.adcode, "level": parent.level},
                                               canonical=parent.name)
                pred = "PART_OF" if child.label == "Region" else "LOCATED_IN"
                k = (child.id, pred, p.id)
                if k not in relations:
                    relations[k] = Relation(child.id, pred, p.id, 1.0, "gazetteer-parent", source="gazetteer")
                child = p


def _category(name: str) -> str:
    for suffixes, category in CATEGORIES:
        if name.endswith(suffixes):
            return category
    return "organisation"
