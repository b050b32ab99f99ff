"""Industries: terms of industrial policy (稀土新材料, 乳业…) and the grammar that lists them.

Three sources: the general lexicon of industries; enumerations closed by 等…产业/领域/集群 (whose
items are industries even when the lexicon lacks one); and 在X领域 / X方面 phrases. An enumeration's
mentions share a `group`, so relation rules can give the whole list one subject.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import ahocorasick

from kg.language import lexicon as lx
from kg.extract.spans import Spans
from kg.language.tokens import Tokens
from kg.model import Mention, NameEvidence

_HEADS = "|".join(lx.INDUSTRY_HEADS)
# A list A、B、C等…领域: the items, up to 10 characters each, before 等 and an industry head.
ENUMERATION = re.compile(
    r"((?:[\u4e00-\u9fffA-Za-z]{2,10}、)+[\u4e00-\u9fffA-Za-z]{2,10})等(?:[^，。；、]{0,12}?)(?:" + _HEADS + ")")
FIELD = re.compile(r"在([\u4e00-\u9fff]{2,8})(?:[（(]([A-Za-z0-9\-]{2,12})[)）])?(?:等)?领域")
TOPIC = re.compile(r"(?:^|[。；，\n])([\u4e00-\u9fff]{2,8})方面[，,]")
# What every enumeration ends with: most texts have none, and finding that out this way costs a
# fraction of trying ENUMERATION at every character.
_ENUMERATION_END = re.compile(r"等[^，。；、]{0,12}?(?:" + _HEADS + ")")
_LIST_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z、]")   # what an enumeration's items and commas are made of
GENERIC = {"传统", "新兴", "未来", "优势", "特色", "主导", "支柱", "战略性新兴", "重点", "相关", "上下游",
           "传统优势", "这些", "其他", "各", "多个", "交叉", "前沿", "民生", "重点行业", "产能规划",
           "基地建设", "建设", "发展", "技术", "服务", "生产", "研发", "工作", "管理", "政策"}


_LONGEST_FIRST = sorted(lx.INDUSTRIES, key=len, reverse=True)


@lru_cache(maxsize=1)
def _automaton():
    a = ahocorasick.Automaton()
    for term in lx.INDUSTRIES:
        a.add_word(term, term)
    a.make_automaton()
    return a


def _enumerations(text: str):
    """ENUMERATION.finditer(text), each search started near where a match can be.

    A list ends with what _ENUMERATION_END finds, and is made of list characters up to there, so
    no match starts before the run of list characters that ends at the next such ending: the
    search starts there, rather than trying the list pattern at every character on the way.
    """
    pos = 0
    while (end := _ENUMERATION_END.search(text, pos)) is not None:
        start = end.start()
        while start > pos and _LIST_CHAR.match(text, start - 1):
            start -= 1
        match = ENUMERATION.search(text, start)
        if match is None:
            return
        yield match
        pos = match.end()


def _in_term(tok) -> bool:
    """Whether a word can be part of an industry's name (not a verb of the clause, not a particle)."""
    if tok.word in lx.BOUNDARY_WORDS or tok.pos.startswith(("p", "c", "u", "r", "d", "w")):
        return False
    return not (tok.pos.startswith("v") and tok.pos != "vn" and tok.word not in lx.NAME_VERBS)


def _strip_head(item: str) -> str:
    for head in ("产业集群", "产业链", "产业", "行业", "制造业"):
        if item.endswith(head) and len(item) - len(head) >= 2:
            return item[: -len(head)]
    return item


# Fields that are no industry (the annotation guide's convention): works and programmes
NOT_INDUSTRIES = frozenset({"基础设施", "社会事业", "民生", "生态环保", "市政建设", "科技创新", "产业发展",
                            "能源保障", "军民融合", "社会民生", "城镇基础设施", "重大基础设施", "基础设施建设"})
_FIELD_HEADS = ("产业集群", "产业链", "集群", "产业", "行业", "领域", "板块")


def industry_name(text: str) -> str | None:
    """An industry's name as the text gives it, minus 产业, 行业, 产业链, (产业)集群, 领域 and the 业 of
    X制造业 (先进制造业 → 先进制造); None for a field that is no industry (基础设施, 民生…)."""
    name = text
    changed = True
    while changed:
        changed = False
        for head in _FIELD_HEADS:
            if name.endswith(head) and len(name) - len(head) >= 2:
                name = name[: -len(head)]
                changed = True
    if name.endswith("制造业"):
        name = name[:-1]
    if name in NOT_INDUSTRIES or name.endswith("基础设施") or name in GENERIC:
        return None
    return name


# What a park named after an industry ends with (X产业园, X产业基地…)
_PARK_OF_INDUSTRY = re.compile(r"产业(?:园区|园|基地|集聚区|新城|城|示范基地|创新示范基地)$")
_NOT_OF_THE_NAME = ("国家", "中国", "特色", "创新")


def named_industry(park: Mention, text: str, toks: Tokens, inside: list[Mention]) -> Mention | None:
    """The industry a park is named after (甲新区健康食品产业园 → 健康食品; the guide: a park
    named X产业园 is IN_INDUSTRY X): what stands between the last place or park inside its name
    (`inside`) and 产业园, when it is made of industry words (甲乙产业园, 双创产业园 are not)."""
    head = _PARK_OF_INDUSTRY.search(park.text)
    if head is None:
        return None
    end = park.start + head.start()
    start = max([park.start] + [m.end for m in inside if park.start <= m.start and m.end <= end])
    while start < end and text[start] in "）)⋅·・ ":
        start += 1
    # leading place words (中关村), words jieba does not know (a place's short form: 肖口, 长株|潭)
    # and words that qualify no industry (国家, 特色)
    t = toks.index_at(start) if start < end else None
    dropped = False
    while t is not None and t < len(toks) and toks[t].end <= end and toks[t].start >= start and (
            toks[t].pos in ("ns", "x") or toks[t].word in _NOT_OF_THE_NAME
            or (dropped and len(toks[t].word) == 1)):
        dropped = toks[t].pos == "x"
        start = toks[t].end
        t += 1
    while end - start > 2 and text[start:end].endswith(_NOT_OF_THE_NAME):
        end -= 2
    item = text[start:end]
    if not 2 <= len(item) <= 8 or not all("\u4e00" <= c <= "\u9fff" for c in item):
        return None
    if item not in lx.INDUSTRY_TERMS and not any(w in item for w in lx.INDUSTRY_WORDS):
        return None
    name = industry_name(item)
    return Mention("Industry", item, start, end, name=name, rule="park-name", confidence=0.7) if name else None


def find_industries(text: str, toks: Tokens, occupied: Sequence[Mention] = ()) -> list[Mention]:
    """Industry mentions outside other names (华远稀土 is a company, not the industry 稀土)."""
    taken = Spans.of(occupied)

    def free(s, e):
        return not taken.overlaps(s, e)

    found: dict[tuple[int, int], Mention] = {}
    enumerations = _enumerations(text) if "、" in text else ()
    for n, match in enumerate(enumerations):
        items = match.group(1).split("、")
        # one item holding a term of the lexicon (半导体新材料, 绿色硅光伏产业) vouches for the list
        known = any(True for i in items for _ in _automaton().iter(i))
        pos = match.start(1)
        first = True
        for item in items:
            start, end = pos, pos + len(item)
            pos = end + 1
            if first:  # the first item starts after the clause's verb: walk left over its words
                first = False
                t = toks.index_at(end - 1)
                while t > 0 and toks[t - 1].start >= start and _in_term(toks[t - 1]):
                    t -= 1
                # stopped by the clause's verb or particle (涵盖了|半导体新材料): the item is whole;
                # else it may hold more of the clause, and the lexicon's term it ends with is taken
                whole = t > 0 and toks[t - 1].start >= start
                start = max(start, toks[t].start)
                item = text[start:end]
                for term in _LONGEST_FIRST if not whole else ():
                    if item.endswith(term):
                        start, item = end - len(term), term
                        break
            name = industry_name(item)
            if known and name and free(start, end):
                found[(start, start + len(item))] = Mention(
                    "Industry", item, start, start + len(item), name=name, rule="enumeration", confidence=0.8,
                    group=f"enum{n}", clause_end=match.end())
    for match in FIELD.finditer(text):
        name = match.group(1)
        if name not in GENERIC and free(match.start(1), match.end(1)):
            m = Mention("Industry", name, match.start(1), match.end(1), rule="field", confidence=0.7,
                        name_evidence=NameEvidence.FIELD, alias=match.group(2) or "")
            found.setdefault((m.start, m.end), m)
    for match in TOPIC.finditer(text) if "方面，" in text or "方面," in text else ():
        name = match.group(1)
        if (name in lx.INDUSTRY_TERMS or name.endswith(("能源", "材料", "制造"))) and free(match.start(1), match.end(1)):
            found[(match.start(1), match.end(1))] = Mention(
                "Industry", name, match.start(1), match.end(1), rule="topic", confidence=0.75,
                name_evidence=NameEvidence.TOPIC)
    # a lexicon term inside a span taken above, or inside a term taken before it, is skipped; as
    # the automaton reports terms by their end, the terms taken are known by the leftmost start
    # of those taken at each end
    held = Spans(found).holds if found else None
    overlaps, boundary = taken.overlaps, toks.is_boundary   # (asked for every term the text holds)
    leftmost: dict[int, int] = {}
    for end, term in _automaton().iter(text):
        end += 1
        start = end - len(term)
        if (held and held(start, end)) or leftmost.get(end, end) <= start or overlaps(start, end):
            continue
        if not (boundary(start) and boundary(end)):
            continue
        found[(start, end)] = Mention("Industry", term, start, end, rule="lexicon", confidence=0.7)
        leftmost[end] = min(start, leftmost.get(end, start))
    # longest wins among overlapping lexicon hits
    result: list[Mention] = []
    for m in sorted(found.values(), key=lambda m: (m.start, -(m.end - m.start))):
        if result and m.start < result[-1].end:
            continue
        result.append(m)
    return result
