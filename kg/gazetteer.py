"""The Region recogniser: names of China's administrative divisions (the table is `kg.divisions`) in text.

Names are found with one Aho-Corasick automaton over every full name, short form and derived
form (short form + the full name's suffix: 彭水县 for 彭水苗族土家族自治县). Whether a hit counts
is decided by rules that use jieba's tokens, because many short forms are ordinary words:

* full names (呼和浩特市, 奈曼旗, 兴安盟) fire unless their edge is glued to the next or previous
  word (包头市场 is 包头 + 市场, not 包头市 + 场; 城市和县城 holds no 和县);
* province and prefecture short forms (内蒙古, 包头, 北京) must start a token and end one, or be
  the head of a longer token of at least two more characters (北京大学 → 北京, but 大理石 is not
  大理); a two-character form must not be assembled from single-character tokens, and a few that
  are everyday words (来宾, 朝阳, 中山, 大同…) need their suffix;
* county short forms of two characters (合作, 新兴, 公安, 和平, 城关) are never used alone, only
  with a region suffix (which usually makes them the full name); longer ones (和林格尔, 准格尔)
  fire at token boundaries with a low confidence;
* development zones (code's 5th digit 7) fire by full name only, labelled IndustrialPark: their
  short forms in the source (高新区, 经开区) are generic.
"""
from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import ahocorasick

from kg.divisions import DATA, LEVEL_RANK, Division, Divisions
from kg.model import Mention

if TYPE_CHECKING:
    from kg.language.tokens import Tokens

START = attrgetter("start")   # sort keys, made once (a lambda is called per element)

SUFFIXES = ("地区", "省", "市", "州", "盟", "县", "旗", "区")

# Prefecture/province short forms that are everyday words in jieba's dictionary or in news text;
# they count only with their suffix (来宾市), which the full name or derived form covers.
COMMON_WORDS = frozenset(
    "来宾 安康 长治 大同 阿里 中山 朝阳 白银 普洱 红河 怒江 黄山 玉树 三明 文山".split()
)

CONF = {
    "full": 0.95,        # official full name
    "derived": 0.85,     # short form + suffix (彭水县, 大理州), or a source alias ending in one (准旗)
    "short": 0.8,        # province/prefecture short form, three characters or more
    "short2": 0.7,       # province/prefecture short form of two characters
    "county-short": 0.6,  # county short form of three characters or more, used alone
}
RULES = {
    "full": "gazetteer-full-name",
    "derived": "gazetteer-short-name",
    "short": "gazetteer-short-name",
    "short2": "gazetteer-short-name",
    "county-short": "gazetteer-short-name",
}
_ADCODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class _Entry:
    """One way a division can be named: the surface key and what kind of name it is."""

    division: Division
    kind: str                 # "full", "derived", "alias"


class Gazetteer:
    """Recognition of division names in text, over the division table (`kg.divisions`), and
    lookup by name (the recogniser's index)."""

    def __init__(self, divisions: Iterable[Division]):
        self.table = divisions if isinstance(divisions, Divisions) else Divisions(divisions)
        self.divisions: dict[str, Division] = self.table.by_code
        self._names: dict[str, list[_Entry]] = {}
        for d in self.divisions.values():
            self._add(d.name, d, "full")
            for alias in d.aliases:
                if alias[0] != d.name[0]:
                    continue   # not a shortening of the name (成都高新技术产业开发区 → 高新区)
                self._add(alias, d, "derived" if self._is_abbreviation(d, alias) else "alias")
                for form in self._derived_forms(d, alias):
                    self._add(form, d, "derived")
        self._build_automaton()

    def _build_automaton(self) -> None:
        """The automaton over every name, and the pattern that blanks what no name can contain.

        pyahocorasick finds a node's child by a linear scan, and the root has a child for each of
        the ~900 characters a name starts with: every character of the text that is no first
        character was scanned against all of them. So the text is searched with every character
        no name contains replaced by NUL (offsets unchanged, so are the hits), and the root's
        first children are placeholders (NUL, then each name character, most common in Chinese
        text first, by jieba's dictionary; each followed by U+0001, which no name holds) that
        only make those lookups short: ordered by text frequency rather than by frequency in
        names, they halve the search. Placeholders carry the value None: a hit of one is skipped.
        """
        from kg.language.tokens import char_frequencies

        common = char_frequencies()
        # names that can never count (see _may_count) are left out: their hits were only rejected
        keys = [key for key, entries in self._names.items() if any(self._may_count(key, e) for e in entries)]
        chars = Counter(ch for key in keys for ch in key)
        self._automaton = ahocorasick.Automaton()
        self._automaton.add_word("\x00\x01", None)
        for ch, _ in sorted(chars.items(), key=lambda kv: (-common.get(kv[0], 0), -kv[1], kv[0])):
            self._automaton.add_word(ch + "\x01", None)
        for key in keys:
            self._automaton.add_word(key, key)
        self._automaton.make_automaton()
        self._blank = re.compile("[^" + re.escape("".join(sorted(chars))) + "]" if chars else r"(?s:.)")

    # ---- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path = DATA) -> "Gazetteer":
        """The recogniser over the table in `path` (kg.divisions.Divisions.load)."""
        return cls(Divisions.load(path))

    @staticmethod
    @lru_cache(maxsize=1)
    def default() -> "Gazetteer":
        """The recogniser over the packaged table, made once per process."""
        return Gazetteer(Divisions.default())

    def _add(self, key: str, d: Division, kind: str) -> None:
        entries = self._names.setdefault(key, [])
        if all(e.division.adcode != d.adcode for e in entries):
            entries.append(_Entry(d, kind))

    @staticmethod
    def _is_abbreviation(d: Division, alias: str) -> bool:
        """A source alias that keeps the name's head and suffix (准旗, 土左旗, 海南州) is used like a
        full name; 广州 (for 广州市) is a short form, 高新区 (成都高新技术产业开发区) a generic word."""
        if d.level == "Park":
            return False
        return any(alias.endswith(s) and d.name.endswith(s) for s in SUFFIXES)

    @staticmethod
    def _derived_forms(d: Division, alias: str) -> list[str]:
        """Short form + the full name's suffix (大理州, 彭水县), for names the source shortens more."""
        if d.level == "Park" or alias.endswith(SUFFIXES) or d.name.endswith("自治区"):
            return []
        suffix = next((s for s in SUFFIXES if d.name.endswith(s)), "")
        form = alias + suffix
        return [form] if suffix and form != d.name else []

    # ---- lookup ----------------------------------------------------------------------------
    def get(self, adcode: str) -> Division | None:          # the table's, for the recognisers' use
        return self.table.get(adcode)

    def parent_chain(self, adcode: str) -> list[Division]:
        """The division's ancestors, nearest first (county → [city, province])."""
        return self.table.parent_chain(adcode)

    def by_name(self, name: str) -> list[Division]:
        """Every division with this full name, short form or derived form; full names first."""
        entries = self._names.get(name, [])
        entries = sorted(entries, key=lambda e: (e.kind != "full", LEVEL_RANK[e.division.level], e.division.adcode))
        return [e.division for e in entries]

    def park_entries(self) -> list[Division]:
        """The development zones (adcode's 5th digit 7); `parent` is their city."""
        return self.table.parks()

    # ---- recognition -----------------------------------------------------------------------
    def find(self, text: str, tokens: "Tokens | Sequence[tuple[str, int, int]] | None" = None) -> list[Mention]:
        """Region (and IndustrialPark) mentions in `text`, longest match first, never overlapping.

        `tokens` are jieba's (word, start, end) for `text`; they are computed if not given.
        Ambiguous names get every plausible adcode in `candidates`; the chosen one is
        resolved within `text` by `disambiguate`.
        """
        if tokens is None:
            from kg.language.tokens import SEGMENTER
            tokens = SEGMENTER.tokenize(text)
        seg = _Segmentation(text, tokens)
        hits = []
        for end_idx, key in self._automaton.iter(self._blank.sub("\x00", text)):
            if key is None:
                continue
            start, end = end_idx - len(key) + 1, end_idx + 1
            scored = self._accept(text, seg, key, start, end)
            if scored:
                kind, divisions = scored
                hits.append((start, end, key, kind, divisions))
        counties = {d.adcode: d for *_, kind, ds in hits if kind == "full" for d in ds if d.level == "County"}
        if counties:
            hits += self._park_heads(text, seg, counties.values())
        hits += self._county_parks(text, seg)
        hits.sort(key=lambda h: (-(h[1] - h[0]), h[0]))
        taken = [False] * (len(text) + 1)
        mentions = []
        for start, end, key, kind, divisions in hits:
            if any(taken[start:end]):
                continue
            for i in range(start, end):
                taken[i] = True
            mentions.append(self._mention(key, start, end, kind, divisions))
        mentions.sort(key=START)
        return self.disambiguate(mentions)

    @staticmethod
    def _may_count(key: str, entry: _Entry) -> bool:
        """Whether a hit of `key` as `entry` can count in some context: _accept rejects the others
        whatever the text around them."""
        if entry.kind in ("full", "derived"):
            return True
        level = entry.division.level
        if level == "Park":
            return False
        if level == "County":
            return len(key) >= 3
        return key not in COMMON_WORDS

    def _accept(self, text: str, seg: "_Segmentation", key: str, start: int, end: int):
        """(kind, divisions) if the name at [start, end) counts as a mention, else None."""
        ok: dict[str, list[Division]] = {}
        for entry in self._names[key]:
            d, kind = entry.division, entry.kind
            if kind == "full" or kind == "derived":
                if len(key) == 2:
                    if not seg.whole_token(start, end):
                        continue
                    if key.endswith("区") and not self._after_parent(text, start, d):
                        continue   # 城区, 郊区, 矿区: only as 阳泉市城区
                elif not seg.edges_ok(start, end):
                    continue
            elif d.level == "Park":
                continue
            elif d.level == "County":
                if len(key) < 3 or not seg.word_ok(start, end) or text[end:end + 1] == "族":
                    continue   # 鄂温克族 is a people
                kind = "county-short"
            else:
                if key in COMMON_WORDS or not seg.word_ok(start, end):
                    continue
                if len(key) == 2:
                    if not seg.single_token_head(start, end):
                        continue
                    kind = "short2"
                else:
                    kind = "short"
            ok.setdefault(kind, []).append(d)
        if not ok:
            return None
        best = max(ok, key=lambda k: CONF[k])
        divisions = sorted({d.adcode: d for ds in ok.values() for d in ds}.values(),
                           key=lambda d: (LEVEL_RANK[d.level], d.adcode))
        return best, divisions

    def _park_heads(self, text: str, seg: "_Segmentation", counties) -> list:
        """Two-character county short forms are everyday words (新兴, 合作) and never count alone;
        one counts where the same text names that county in full, as a word of its own (落地洪湖
        in an article that names 洪湖市) or heading a park's name (铜梁高新区 beside 铜梁区: the park
        is the county's)."""
        out = []
        for d in counties:
            for alias in d.aliases:
                if len(alias) != 2 or alias[0] != d.name[0] or len(self._names.get(alias, ())) != 1:
                    continue
                start = text.find(alias)
                while start >= 0:
                    end = start + 2
                    if (_PARK_HEAD.match(text, end) and seg.tokens.is_boundary(start)) \
                            or (seg.whole_token(start, end) and text[end:end + 1] != "族"):
                        out.append((start, end, alias, "county-short", [d]))
                    start = text.find(alias, end)
        return out

    def _county_parks(self, text: str, seg: "_Segmentation") -> list:
        """甲乙高新园区, 甲乙经济开发区 where the text never names 甲乙县 in full: a county's
        two-character form that jieba reads as a place name (新兴产业园 is no 新兴县's) heading a
        park's name is the county."""
        out = []
        for head in _PARK_HEAD.finditer(text) if "区" in text or "园" in text else ():
            start = head.start() - 2
            d = self._place_forms().get(text[start:head.start()]) if start >= 0 else None
            if d is not None and seg.tokens.is_boundary(start):
                out.append((start, head.start(), text[start:head.start()], "county-short", [d]))
        return out

    @lru_cache(maxsize=1)
    def _place_forms(self) -> dict[str, Division]:
        """The counties' unambiguous two-character forms that jieba tags as place names."""
        from kg.language.tokens import tag_of
        out = {}
        for key, entries in self._names.items():
            ds = {e.division.adcode: e.division for e in entries}
            if len(key) == 2 and len(ds) == 1:
                d = next(iter(ds.values()))
                if d.level == "County" and d.name[0] == key[0] and tag_of(key) == "ns":
                    out[key] = d
        return out

    def _after_parent(self, text: str, start: int, d: Division) -> bool:
        """Whether `text` names d's parent right before `start` (阳泉市城区)."""
        parent = self.divisions.get(d.parent)
        return parent is not None and any(text[max(0, start - len(n)):start] == n for n in (parent.name, *parent.aliases))

    def _mention(self, key: str, start: int, end: int, kind: str, divisions: list[Division]) -> Mention:
        first = divisions[0]
        return Mention(
            label=first.label, text=key, start=start, end=end, rule=RULES[kind],
            confidence=CONF[kind], name=first.name,
            adcode=first.adcode, level=first.level, candidates=tuple(d.adcode for d in divisions),
        )

    # ---- disambiguation --------------------------------------------------------------------
    def disambiguate(self, mentions: Sequence[Mention], context_adcodes: Iterable[str] = ()) -> list[Mention]:
        """Choose one candidate for each ambiguous mention; return the mentions, updated copies.

        A candidate wins if the division written right before it is its ancestor (西安市新城区);
        else if it lies under a division that the text names unambiguously, or that
        `context_adcodes` gives (a dateline's place; names are looked up too), or that contains
        one of those; a closer anchor (city) beats a farther one (province). Otherwise the highest level, then the smallest
        adcode. Deterministic: independent of the mentions' order.
        """
        anchors: set[str] = set()
        for m in mentions:
            cands = m.candidates
            if len(cands) == 1:
                anchors.add(cands[0])
        for c in context_adcodes:
            if _ADCODE.match(c or ""):
                anchors.add(c)
            elif c:
                found = self.by_name(c)   # best reading first: 西安 → 西安市, not 西安区
                if found:
                    anchors.add(found[0].adcode)
        # A named county also vouches for its city and province (赛罕区 → 呼和浩特市 → 内蒙古).
        anchors |= {a.adcode for c in list(anchors) for a in self.parent_chain(c)}
        ends = {m.end: m.adcode for m in mentions if len(m.candidates) == 1}
        out = []
        for m in mentions:
            cands = m.candidates
            if len(cands) < 2:
                out.append(m)
                continue
            before = ends.get(m.start)    # 西安市新城区: the city written right before decides
            best = min(cands, key=lambda c: self._rank(c, anchors, before))
            d = self.divisions[best]
            if best != m.adcode:
                m = dataclasses.replace(m, name=d.name, label=d.label, adcode=d.adcode, level=d.level)
            out.append(m)
        return out

    def _rank(self, adcode: str, anchors: set[str], before: str | None = None) -> tuple:
        d = self.divisions[adcode]
        chain = [a.adcode for a in self.parent_chain(adcode)]
        distance = next((i for i, a in enumerate(chain) if a in anchors), len(chain) + 9)
        return (before not in chain, distance, LEVEL_RANK[d.level], adcode)


# what follows a county's short form when it names a park of the county
_PARK_HEAD = re.compile(r"经济技术开发区|经济开发区|经开区|高新技术产业开发区|高新区|高新园区|开发区|工业园|产业园|综合保税区")


class _Segmentation:
    """jieba's token boundaries over a text, for the word-boundary checks (looked up by bisection:
    only the few places the automaton hits are ever asked about)."""

    def __init__(self, text: str, tokens):
        self.text = text
        if not hasattr(tokens, "span_at"):   # (word, start, end) triples: wrap them
            from kg.language.tokens import Tokens
            wrapped = Tokens.__new__(Tokens)
            wrapped.text, wrapped.words = text, [w for w, _, _ in tokens]
            wrapped.starts, wrapped.ends = [s for _, s, _ in tokens], [e for _, _, e in tokens]
            tokens = wrapped
        self.tokens = tokens

    def token_of(self, i: int) -> tuple[int, int]:
        return self.tokens.span_at(i)

    def edges_ok(self, start: int, end: int) -> bool:
        """Neither edge of a full name is glued to a real word of its neighbour.

        包头市场 is 包头 + 市场 (a dictionary word), so no 包头市 there; 城市和县城 has no 和县. A
        glued token that is no dictionary word (巴彦淖尔|市农|推官) or is the division's own
        office (新兴|县委书记, 包头|市长, 包头|市政府) does not veto the name.
        """
        ts, te = self.token_of(end - 1)
        if te > end and ts > start and _is_word(self.text[ts:te]):
            return False
        ts, te = self.token_of(start)
        if ts < start and te < end and _is_word(self.text[ts:te]):
            return False
        return True

    def word_ok(self, start: int, end: int) -> bool:
        """Starts a token and ends one, or heads a token that runs at least two chars further."""
        if not self.tokens.is_boundary(start):
            return False
        if self.tokens.ends_at(end):
            return True
        ts, te = self.token_of(end - 1)
        return ts == start and te - end >= 2

    def whole_token(self, start: int, end: int) -> bool:
        return self.token_of(start) == (start, end)

    def single_token_head(self, start: int, end: int) -> bool:
        """A two-char form must lie in one token (not two single chars): whole, or head of ≥4."""
        ts, te = self.token_of(start)
        return ts == start and (te == end or te - end >= 2)


@lru_cache(maxsize=4096)
def _is_word(token: str) -> bool:
    """Whether jieba's dictionary knows `token` as a word other than an office of a division."""
    if len(token) >= 2 and token[0] in "市县区旗盟州" and token[1] in "委长政":
        return False
    from kg.language.tokens import is_dictionary_word
    return is_dictionary_word(token)
