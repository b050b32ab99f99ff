"""Organisations, industrial parks and projects, recognised by their suffix and a walk left over tokens.

Chinese organisation names end in a small set of heads (有限公司, 研究院, 开发区, 项目…) and start
where the clause's grammar does: after a preposition, a reporting verb, punctuation or another
entity. So the recogniser finds each head, then walks left over jieba tokens while they can still be
part of a name (nouns, place names, unknown words, verbs that occur in names, bracketed parts).
"""
from __future__ import annotations

import bisect
import re
import dataclasses
from dataclasses import dataclass
from collections.abc import Sequence
from functools import lru_cache
from operator import attrgetter

from kg.divisions import Divisions
from kg.extract.spans import Spans
from kg.language import lexicon as lx
from kg.language.tokens import OPEN_BRACKETS, Tokens, tag_of
from kg.model import Mention, NameEvidence

START = attrgetter("start")   # sort keys, made once (a lambda is called per element)

SUFFIX_LABEL: dict[str, str] = {}
for _label, _suffixes in lx.NAME_SUFFIXES.items():
    for _s in _suffixes:
        SUFFIX_LABEL.setdefault(_s, _label)
SUFFIX_LENGTHS = sorted({len(s) for s in SUFFIX_LABEL}, reverse=True)
SUFFIX_LAST_CHARS = frozenset(s[-1] for s in SUFFIX_LABEL)
# last two characters → the lengths of the heads ending in them, longest first (what _heads tries;
# a one-character head counts as ending in any two that end with it)
_HEAD_LENGTHS = {tail: sorted({len(s) for s in SUFFIX_LABEL if s.endswith(tail) or s == tail[-1]}, reverse=True)
                 for tail in {s[-2:] for s in SUFFIX_LABEL if len(s) >= 2}}
_ONE_CHARACTER_HEAD = [1]
_HEAD_END = re.compile("[" + re.escape("".join(sorted(SUFFIX_LAST_CHARS))) + "]")

# Central bodies known by their short names (general knowledge, not from any article).
ABBREVIATED_INSTITUTIONS = {
    "国务院", "工信部", "发改委", "国家发改委", "科技部", "商务部", "财政部", "教育部", "农业农村部",
    "生态环境部", "自然资源部", "交通运输部", "住建部", "人社部", "民政部", "水利部", "国资委",
    "国家能源局", "海关总署", "市场监管总局", "国家统计局", "工信厅", "科技厅", "住建厅",
    "卫健委", "商务厅", "财政厅", "教育厅", "农牧厅", "能源局", "统计局",
    # departments of a local government or party committee, known by their short names
    "工信委", "经信委", "经济信息委", "政法委", "开发委", "商务委", "教委", "科委", "住建委", "编办", "法制办",
    "帮扶办", "新闻办", "金融办", "外办", "侨办", "台办", "网信办", "工信厅", "工信局",
}
# what may open a local department's short name: its level (市发改委, 旗政法委)
_LEVELS = ("自治区", "省", "市", "县", "区", "旗", "州", "盟", "镇", "乡")

# Single-character heads match only as their own token or at the end of a longer unknown word:
# 布局, 格局 and 客厅 are ordinary words.
NOT_HEADS = {"布局", "格局", "结局", "大局", "全局", "开局", "当局", "客厅", "餐厅", "大厅", "展厅", "门厅",
             "报告厅", "园区", "社区", "小区", "城区", "景区", "片区", "辖区", "校区", "街区", "新区",
             "工程", "项目", "基地", "公司", "集团", "中心", "政府", "医院", "大学", "学院"}
LEADING_STRIP = ("全市", "全区", "我市", "我区", "本市", "全国", "全球", "国内", "区内", "市内", "首府")
STOP_POS = {"ad", "i", "e", "o", "y", "z"}
STOP_POS_CLASSES = ("p", "c", "u", "r", "d", "t")
PROPER_POS = {"ns", "nr", "nrt", "nrfg", "nz", "nt", "x", "eng"}


_ABBREVIATED = re.compile("|".join(sorted(ABBREVIATED_INSTITUTIONS, key=len, reverse=True)))


def _stop_pos(pos: str) -> bool:
    return pos in STOP_POS or pos.startswith(STOP_POS_CLASSES)
NOT_NAME_PLACES = {"以上", "以下", "之间", "之中", "期间", "中间", "以来", "其中", "上", "下", "中", "内", "外", "前", "后", "里"}
MAX_LEN = {"Project": 40}   # characters a name may reach left of its suffix; other labels 30
# the labels the organisations' scan finds (projects are scanned after them, around them)
ORG_SCAN_LABELS = tuple(label for label in lx.NAME_SUFFIXES if label != "Project")
QUOTES = {"”": "“", "’": "‘", "》": "《", "」": "「"}
DIGITS = re.compile(r"[0-9０-９]")
LATIN = re.compile(r"[A-Za-z]")
SLOGAN = re.compile(r"[“‘「《][^”’」》]{1,3}[”’」》]")
# a number or length opening a project's name (40公里甲乙路, 2号线): dropped by _trim
MEASURE = re.compile(r"[0-9０-９.．A-Za-z]*[0-9０-９][0-9０-９.．A-Za-z]*(公里|千米|米|级|个|座|条|项)?|(公里|千米|米)")


def _heads(text: str, toks: Tokens) -> list[tuple[int, tuple[str, str, int]]]:
    """(token index, head) for each token that ends in a name head, the head being the longest
    one ending there, as (suffix, label, start of suffix).

    Found from the characters a head can end with (one search of the text), then from the head
    lengths that end in the last two characters there (most such places have none), at a token's
    end; one loop, as it runs for tens of thousands of characters per text.
    """
    heads = []
    starts, ends, words = toks.starts, toks.ends, toks.words
    for m in _HEAD_END.finditer(text):
        end = m.end()
        lengths = _HEAD_LENGTHS.get(text[end - 2:end]) if end >= 2 else None
        if lengths is None:
            if m.group() not in SUFFIX_LABEL:
                continue
            lengths = _ONE_CHARACTER_HEAD
        i = bisect.bisect_left(ends, end)
        if i == len(ends) or ends[i] != end:
            continue   # not a token's end
        tok_start = starts[i]
        for n in lengths:
            s = text[end - n:end]
            if len(s) < n or s not in SUFFIX_LABEL:
                continue
            start = end - n
            if start > tok_start:  # the head ends a longer token
                word = words[i]
                if n == 1 and not (len(word) >= 3 or tag_of(word) in ("x", "nt")):
                    continue
                if word in NOT_HEADS:
                    continue
            heads.append((i, (s, SUFFIX_LABEL[s], start)))
            break
    return heads


def _tokens_inside(toks: Tokens, spans) -> set[int]:
    """Indices of the tokens that lie inside one of `spans` (found by bisection, once per span)."""
    inside = set()
    for rs, re_ in spans:
        j = bisect.bisect_left(toks.starts, rs)
        while j < len(toks.ends) and toks.ends[j] <= re_:
            inside.add(j)
            j += 1
    return inside


def _first_overlapping(toks: Tokens, spans) -> dict[int, tuple[int, int]]:
    """Token index → the first of `spans` (in their order) that overlaps the token."""
    first: dict[int, tuple[int, int]] = {}
    for bs, be in spans:
        j = bisect.bisect_right(toks.ends, bs)
        while j < len(toks.starts) and toks.starts[j] < be:
            first.setdefault(j, (bs, be))
            j += 1
    return first


# What a word does to a name walking left over it, whatever its neighbours (see _stops)
_GOES_ON, _STOPS, _GLUED = 0, 1, 2


@lru_cache(maxsize=1 << 16)
def _stops(w: str, label: str, after_number: bool) -> int:
    """Whether word `w` ends a `label` name going left: _STOPS, _GLUED (a preposition jieba glued
    to an unknown name: the name starts one character in) or _GOES_ON.

    Depends on the word alone (and, for 中, whether a number precedes it: 三年中 is no place), so
    it is memoised: the walk asks about the same few thousand words over and over.
    """
    pos = tag_of(w)
    project = label == "Project"
    if pos == "w" or w.strip() == "" or w in lx.BOUNDARY_WORDS:
        return _STOPS
    if label in ("Company", "Institution") and w in lx.TITLES_BEFORE_NAME:
        return _STOPS  # 市长|张三代表甲市政府: a title ends the organisation's name it follows
    if label == "IndustrialPark" and w.endswith(lx.PARK_SUFFIXES):
        return _STOPS  # 某经济技术开发区某工业园区: two parks, the second PART_OF the first
    if label == "IndustrialPark" and w.endswith(("有限公司", "有限责任公司")):
        return _STOPS  # 甲乙股份有限公司|大宗物流产业园: the owner before what it builds
    if pos == "x" and len(w) > 1 and w[0] in "至在从与和及向对为将把被由以":
        return _GLUED  # jieba glued a preposition to an unknown name: 至|托清
    if w == "未来" and project:
        return _GOES_ON   # 未来甲乙产业园项目: jieba tags it a time
    if _stop_pos(pos):
        return _STOPS
    if pos.startswith("f") and w in NOT_NAME_PLACES and not (w == "中" and after_number):
        return _STOPS
    if w.startswith(ADVERB_PREFIXES) and w not in lx.NAME_VERBS:
        return _STOPS
    if len(w) >= 2 and w.endswith("方") and not pos.startswith("f"):
        return _STOPS  # 出租方, 合作方: a party to something, named after it
    if pos == "j" and w not in lx.NAME_ABBREVIATIONS and not project:
        return _STOPS
    if pos.startswith("q") and not project:
        return _STOPS
    if pos in ("v", "vd", "vi", "vg") and w not in lx.NAME_VERBS and not project:
        return _STOPS  # project names hold verbs (关爱服务项目); only the predicates in BOUNDARY_WORDS end them
    return _GOES_ON


def _walk_left(text: str, toks: Tokens, k: int, label: str, limit: int, blockers: dict[int, tuple[int, int]],
               names: set[int], legal: bool = False, flows: frozenset[tuple[int, int]] = frozenset()) -> int:
    """Where a name ends going left from token k (exclusive of k): the name's start offset.

    `blockers` maps a token to the first blocking span over it (those in `flows`, parks a project's
    name runs on from, are taken in whole), `names` holds the tokens inside
    names (see _first_overlapping, _tokens_inside): the walk asks about every token it passes.
    It reads the token lists directly (making a `Token` for every word passed cost more than the
    walk itself); what a word does on its own is memoised in _stops.
    """
    words, starts = toks.words, toks.starts
    start = starts[k]
    reach = toks.ends[k] - limit   # a name may start no further left than this
    project = label == "Project"
    joined = False  # the last word taken was 和/及
    j = k - 1
    while j >= 0:
        w, t_start = words[j], starts[j]
        blocker = blockers.get(j)
        if blocker is not None:
            if joined:  # 某重点实验室和科技楼项目: an organisation coordinated into the project's name
                start = blocker[0]
                j = toks.index_at(blocker[0]) - 1
                joined = False
                continue
            if blocker in flows:
                start = blocker[0]
                j = toks.index_at(blocker[0]) - 1
                continue
            break
        if w in OPEN_BRACKETS or (project and w in QUOTES):
            opener = OPEN_BRACKETS.get(w) or QUOTES[w]
            o = text.rfind(opener, max(0, t_start - 20), t_start)
            inner = text[o + 1:t_start] if o >= 0 else ""
            if o < 0 or any(ch in "，。；：、" for ch in inner):
                break
            start = o
            j = toks.index_at(o) - 1
            continue
        if project and w in ("+", "·", "/", "-", "＋", "／"):
            start = t_start
            j -= 1
            continue
        if j in names:
            start = t_start
            j -= 1
            continue
        if project and w in ("及", "和") and j > 0 and tag_of(words[j - 1]) != "w" and not text.endswith(_PROJECT_HEADS, 0, t_start):
            j -= 1
            joined = True
            continue
        if label == "Institution" and w == "和" and _joins_departments(words, j):
            start = t_start   # 经济和信息化局, 劳动和社会保障科学研究院: 和 inside a department's name
            j -= 1
            continue
        joined = False
        stops = _stops(w, label, w == "中" and j > 0 and tag_of(words[j - 1]) == "m")
        if stops == _STOPS and legal and _inside_legal_name(words, j):
            stops = _GOES_ON
        if stops == _GLUED:
            start = t_start + 1
            break
        if stops == _STOPS or t_start < reach:
            break
        start = t_start
        j -= 1
    return start


# (甲风电场|和|乙项目: and after a project's head joins two projects, not one)
_PROJECT_HEADS = tuple(s for s, label in SUFFIX_LABEL.items() if label == "Project")


_SOFT_IN_LEGAL_NAMES = ("v", "vd", "vi", "vg", "j", "i")


def _inside_legal_name(words: list[str], j: int) -> bool:
    """Whether word j, which would end a name going left, is inside a registered company's name
    (one ending in 有限公司): such names hold verbs and abbreviations (甲乙改装汽车制造有限公司,
    甲市城市建设投资控股有限公司, 甲乙光电有限公司). A verb is taken only with a noun or a name left of it
    (a verb opening the phrase is its predicate: 走访|甲乙有限公司); 投资 and its kind only right
    before another such word or the suffix (甲投资控股有限公司)."""
    w = words[j]
    pos = tag_of(w)
    if w in lx.BOUNDARY_WORDS:
        return (w in lx.NAME_VERBS or pos == "vn") and j + 1 < len(words) and (words[j + 1] in lx.NAME_VERBS or words[j + 1].endswith("公司"))
    if w == "中":   # 甲省|中|大乙丙有限公司: 中 opening a brand after a place
        return j > 0 and tag_of(words[j - 1]) == "ns"
    if pos not in _SOFT_IN_LEGAL_NAMES:
        return False
    if pos in ("j", "i"):
        return True
    if j == 0:
        return False
    left = words[j - 1]
    return left not in lx.BOUNDARY_WORDS and (tag_of(left) in PROPER_POS or tag_of(left).startswith(("n", "vn")))


def _joins_departments(words: list[str], j: int) -> bool:
    """Whether 和 at token j joins two fields of one department (经济|和|信息化): nouns on both sides,
    the left one no organisation of its own (市政府|和|发改委 are two bodies)."""
    if not 0 < j < len(words) - 1:
        return False
    left, right = words[j - 1], words[j + 1]
    return len(left) >= 2 and tag_of(left) in ("n", "vn") and tag_of(right) in ("n", "vn", "nt") \
        and not left.endswith(lx.INSTITUTION_SUFFIXES + lx.COMPANY_SUFFIXES)


def _trim(text: str, start: int, end: int, label: str, toks: Tokens) -> int:
    """Drop leading words that qualify the name without being part of it (全市…, 40公里…)."""
    changed = True
    while changed:
        changed = False
        # (most names open with none of them: one look for all before the loop over each)
        for lead in LEADING_STRIP if text.startswith(LEADING_STRIP, start) else ():
            if text.startswith(lead, start) and end - start - len(lead) >= 4:
                start += len(lead)
                changed = True
        if label == "Project":
            m = MEASURE.match(text, start, end)
            if m and m.end() > start and end - m.end() >= 4 and (m.group(1) in LENGTHS or not (
                    CAPACITY.match(text, start) or PRODUCT_SIZE.match(text, m.end()))):
                start = m.end()
                changed = True
    if text[start] in "和及与、" and toks.is_boundary(start) and toks.words[toks.index_at(start)] in ("和", "及", "与", "、"):
        start += 1
    return start


_COUNTED = re.compile(r"[0-9０-９]+[个批]")
LEGAL_SUFFIXES = ("有限公司", "有限责任公司", "集团")
LENGTHS = ("公里", "千米", "米")  # 40公里甲乙路: the length built, not part of the name
# the size of the product after a number (8英寸甲乙芯片生产线, 12英寸晶圆): part of what is built
PRODUCT_SIZE = re.compile(r"英寸|寸|毫米|纳米|微米|厘米|mm|nm")
CAPACITY = re.compile(r"[0-9０-９.一二三四五六七八九十百千万亿两]+[万千百亿]?(?:吨|千瓦时|千瓦|兆瓦|吉瓦|瓦|亩|平方米|平方公里|"
                      r"公里|套|台|片|辆|头|只|张|立方米|标方|MW|GW|kW|P|EB|PB)")
COUNT_PHRASE = re.compile(r"^[0-9０-９一二三四五六七八九十百千两几多数]+[余多]?[家个所座条项批]")
ADVERB_PREFIXES = ("大力", "切实", "全力", "加快", "积极", "持续", "不断", "进一步", "着力", "努力", "全面")
LOCAL_PREFIXES = ("自治区", "市", "省", "县", "区", "旗", "盟")
GOVERNMENT_HEADS = {"党委", "人大常委会", "常委会", "管理局", "局", "厅", "委员会", "政府", "人民政府", "新闻办", "分局"}


def _generic(core: str, toks: Tokens, start: int, stop: int, label: str, regions: _Regions, suffix: str) -> bool:
    """A name with nothing proper before its head (重点项目, 特色产业园区, 法治政府, 该公司).

    A proper part is a place name, a word jieba does not know (most brand names), a Latin word, a
    known abbreviation, an ordinal (第一医院) or, for parks, an industry (光伏高新区).
    """
    if label == "Institution" and core.startswith(LOCAL_PREFIXES) and suffix in GOVERNMENT_HEADS:
        return False  # 自治区党委, 市人大常委会: the body of the article's own province or city
    if not core or core in lx.GENERIC_MODIFIERS:
        return True
    if regions.start_within(start, stop):
        return False
    if len(suffix) >= 5 and len(core) >= 2:
        return False  # 甲乙技术创新中心: a head this specific makes any core a name
    if label == "Project" and CAPACITY.search(core) and not COUNT_PHRASE.match(core):
        return False  # 年产5万吨光伏玻璃项目, 20万千瓦风电项目: what is built, and how much, names it
    if len(core) >= 4 and (len(suffix) >= 3 or suffix in ("大学", "医院", "学院")) and label != "Project":
        return False  # 甲乙丙丁技术创新中心: a specific head after a long descriptive core
    if label == "IndustrialPark" and any(ind in core for ind in lx.INDUSTRIES):
        return False
    i = toks.index_at(start)
    words, starts = toks.words, toks.starts
    while i < len(words) and starts[i] < stop:
        w = words[i]
        pos = tag_of(w)
        if w not in lx.GENERIC_MODIFIERS and (pos in PROPER_POS or w in lx.PROPER_ABBREVIATIONS or w.startswith("第")):
            # a number alone is a count (107个项目), not a name; 2000P or 4F is a model name
            if not (pos in ("m", "eng") and not LATIN.search(w)):
                return False
        i += 1
    return True


def find_names(text: str, toks: Tokens, regions: Sequence[Mention] = ()) -> tuple[list[Mention], list[Mention]]:
    """Organisations, parks and projects in `text`.

    Region mentions (from the gazetteer) count as name parts, whatever jieba's tag. Projects are
    found after organisations, whose names end a project name going left (the owner, not the name).
    Returns (mentions, inner): `inner` holds shorter names nested inside a found one (the park in
    甲市市场监督管理局经济技术开发区分局), which relation rules read but which are not entities.
    """
    region_spans = [(m.start, m.end) for m in regions]
    regions_at = _Regions(sorted(rs for rs, _ in region_spans), _tokens_inside(toks, region_spans))
    # the longest head ending at each token that can end one (both scans read them)
    heads = _heads(text, toks)
    orgs = _scan(text, toks, heads, ORG_SCAN_LABELS, {}, regions_at)
    region_ends = {e: s for s, e in region_spans}
    for m in _ABBREVIATED.finditer(text):
        # (甲经济信息委副主任: jieba glues 委副; a title after the name ends it all the same)
        if toks.is_boundary(m.start()) and (toks.is_boundary(m.end()) or _TITLE_AT.match(text, m.end())):
            start = _department_start(text, toks, m.start(), region_ends)
            orgs.append(Mention("Institution", text[start:m.end()], start, m.end(), rule="abbreviation", confidence=0.85))
    orgs, inner = _outermost(orgs)
    blockers = [(m.start, m.end) for m in orgs]  # an owner or a park before a project is not its name
    owners = {m.end for m in orgs if m.label == "Company"}
    org_starts = {m.start for m in orgs}
    flows = frozenset((m.start, m.end) for m in orgs if m.label == "IndustrialPark" and _runs_on(text, toks, m.end, org_starts))
    projects = _scan(text, toks, heads, ("Project",), _first_overlapping(toks, blockers), regions_at, owners, flows)
    kept, inner2 = _outermost(orgs + projects)
    # a park or organisation named inside a project's name is an entity too (…至金川园区20公里…管线工程)
    hosted = [m for m in inner2 if m.label != "Project" and any(
        p.label == "Project" and p.start <= m.start and m.end <= p.end for p in kept)]
    inner2 = [m for m in inner2 if m not in hosted]
    return sorted(kept + hosted, key=START), inner + inner2


def _department_start(text: str, toks: Tokens, start: int, region_ends: dict[int, int]) -> int:
    """Where a department's short name starts with the place or level before it (甲市发改委,
    旗政法委, 自治区工信厅), which names whose department it is; else `start`."""
    if start in region_ends:
        return region_ends[start]
    for level in _LEVELS:
        s = start - len(level)
        if s >= 0 and text.startswith(level, s) and toks.is_boundary(s):
            return s
    return start


@dataclass
class _Regions:
    """The region mentions of a text as the name scan asks about them."""

    starts: list[int]        # sorted start offsets
    tokens: set[int]         # indices of the tokens inside a region

    def start_within(self, start: int, stop: int) -> bool:
        """Whether a region starts in [start, stop)."""
        i = bisect.bisect_left(self.starts, start)
        return i < len(self.starts) and self.starts[i] < stop


# what may stand between a company and the project it builds (甲公司投资的乙项目)
_OWNER_LINK = ("投资建设的", "投资兴建的", "投资的", "建设的", "")


def _owned(text: str, start: int, owners: set[int]) -> bool:
    """Whether a company's name ends right before `start`, or before 投资的/建设的 there."""
    return any(start - len(link) in owners and text.startswith(link, start - len(link)) for link in _OWNER_LINK)


def _runs_on(text: str, toks: Tokens, end: int, org_starts: set[int]) -> bool:
    """Whether a project's name may run on from a park ending at `end` (甲陆港区国际粮油交易中心项目,
    甲科学城机器人产业园项目): a common word follows it, not an owner (甲工业园|青海乙丙, 甲开发区|丁集团)."""
    if end >= len(text) or end in org_starts or not toks.is_boundary(end) or leading_province(text[end:end + 12]):
        return False
    i = toks.index_at(end)
    return tag_of(toks.words[i]) not in PROPER_POS and tag_of(toks.words[i]) != "w" and "\u4e00" <= text[end] <= "\u9fff"


def _scan(text: str, toks: Tokens, heads, labels: tuple[str, ...], blockers, regions: _Regions,
          owners: set[int] = frozenset(), flows: frozenset[tuple[int, int]] = frozenset()) -> list[Mention]:  # type: ignore[assignment]
    found: list[Mention] = []
    for i, head in heads:
        if head[1] not in labels:
            continue
        suffix, label, s_start = head
        end = toks.ends[i]
        k = toks.index_at(s_start)
        start = min(_walk_left(text, toks, k, label, MAX_LEN.get(label, 30), blockers, regions.tokens,
                               suffix.endswith(("有限公司", "有限责任公司")), flows), toks.starts[k])
        if label == "Project" and _COUNTED.match(text, start):
            continue   # 6个城建基础设施项目: a count of projects, not one
        start = _trim(text, start, end, label, toks)
        name = text[start:end]
        core = text[start:s_start] if s_start > start else ""
        if name in lx.GENERIC_HEADS or (_generic(core, toks, start, s_start, label, regions, suffix) and not (
                # 甲乙食品有限公司丙丁生产线: a company's project needs no proper word of its own
                len(core) >= 2 and core not in lx.GENERIC_MODIFIERS and _owned(text, start, owners))):
            continue
        if COUNT_PHRASE.match(name) and label != "Project":
            continue  # 30余家省级发电集团: a count of organisations, not one
        if SLOGAN.fullmatch(core) or (len(core) < 2 and core not in LOCAL_PREFIXES):
            continue  # “三北”工程, 中小学: a slogan or a fragment before the head, not a name
        found.append(Mention(label, name, start, end, rule=f"suffix:{suffix}", confidence=0.8,
                             name_evidence=NameEvidence.SUFFIX))
    return found


def _outermost(found: list[Mention]) -> tuple[list[Mention], list[Mention]]:
    """Keep the longest of overlapping names; names nested inside a kept one go to `inner`."""
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    # 华远生物药品有限公司研发实验室: a unit of a company is not an institution; keep the company
    # (legal names sorted by start: each institution looks only at those starting inside it)
    legal = sorted((m.start, m.end) for m in found if m.label == "Company" and m.name.endswith(LEGAL_SUFFIXES))
    starts = [a for a, _ in legal]
    found = [m for m in found if not (m.label == "Institution" and any(
        e < m.end for _, e in legal[bisect.bisect_left(starts, m.start):bisect.bisect_left(starts, m.end)]))]
    # `kept` stays sorted by start and free of overlaps, and every name comes after those kept
    # (by start): the only kept name that can hold or overlap it is the last one
    kept: list[Mention] = []
    inner: list[Mention] = []
    for m in found:
        last = kept[-1] if kept else None
        if last is not None and m.end <= last.end:   # the last kept name holds m
            if (m.start, m.end) != (last.start, last.end):
                inner.append(m)
            continue
        clash = last if last is not None and m.start < last.end else None
        if clash is not None:
            if m.end - m.start > clash.end - clash.start:
                kept.pop()   # the clash is the last kept name (a remove() would scan the list)
                inner.append(clash)
            else:
                continue
        kept.append(m)
    kept.sort(key=START)
    return kept, inner


# 市政协委员 (a member, not the body), “管委会+公司”改革 (a model of governing, not a body)
_NOT_A_BODY = re.compile(r"委员(?!会)|[+＋]")


_TITLE_AT = re.compile("(?:常务)?副?(?:" + "|".join(sorted(map(re.escape, lx.TITLES_BEFORE_NAME), key=len, reverse=True)) + ")")


def _town_before(text: str, start: int) -> int:
    """Where a town's name of two or three characters before `start` begins, when the clause
    opens with it (，甲乙镇党委); else `start`."""
    k = start
    while k > 0 and start - k < 4 and "\u4e00" <= text[k - 1] <= "\u9fff":
        k -= 1
    return k if 2 <= start - k <= 3 and (k == 0 or text[k - 1] in "，。；、：,;:\n （(") else start


def find_bare_bodies(text: str, toks: Tokens, taken: Sequence[Mention]) -> list[Mention]:
    """Bodies named by their level alone (市委副书记X, 贯彻落实市委、市政府决策部署): words of their
    own, outside every name found. The guide makes them Institutions under the bare name;
    resolution gives each to its article (kg.resolve)."""
    out: list[Mention] = []
    spans = None   # made at the first candidate: most articles hold none
    for m in lx.BARE_BODY.finditer(text):
        start, end = m.span()
        if not (toks.is_boundary(start) and (toks.is_boundary(end) or _TITLE_AT.match(text, end))) \
                or _NOT_A_BODY.match(text, end):   # (旗委副书记: jieba glues 旗委副)
            continue
        if spans is None:
            spans = Spans.of(taken)
        if spans.overlaps(start, end):
            continue
        # 甲乙区|区委书记: the region written before the body names it (甲乙区区委)
        place = next((r for r in taken if r.label == "Region" and r.end == start), None)
        named = _town_before(text, start) if place is None and text[start] in "镇乡" else start
        if place is not None:
            out.append(Mention("Institution", text[place.start:end], place.start, end, rule="region-body", confidence=0.75))
        elif named < start:   # 甲乙镇党委: a town's name (no division list holds towns) opening the clause
            out.append(Mention("Institution", text[named:end], named, end, rule="region-body", confidence=0.7))
        else:
            out.append(Mention("Institution", m.group(), start, end, rule="bare-body", confidence=0.7))
    return out


# a place's 市/盟/地区 opening a longer name: 赤峰市经济技术开发区 and 赤峰经济技术开发区 are one park
LEADING_PLACE = re.compile(r"^([\u4e00-\u9fff]{2,6}?)(市|盟|地区)(?!场|民|政|委|级|属|直)")


@lru_cache(maxsize=1 << 12)
def park_key(name: str) -> str:
    """What names one park whatever the form (安徽甲县经济开发区, 甲县经开区 → 甲县经开区): without
    its province, with the abbreviation every report uses (经济技术开发区/经济开发区 → 经开区,
    高新技术(产业)开发区 → 高新区). Resolution keys parks by it; the rules compare parks by it."""
    name = LEADING_PLACE.sub(r"\1", _leading_province().sub("", name))
    return _PARK_KIND.sub(lambda m: _PARK_ABBREVIATION[m.group()], name)


_PARK_ABBREVIATION = {"经济技术开发区": "经开区", "经济开发区": "经开区", "高新技术产业开发区": "高新区",
                      "高新技术开发区": "高新区"}
_PARK_KIND = re.compile("|".join(sorted(_PARK_ABBREVIATION, key=len, reverse=True)) + "$")


@lru_cache(maxsize=1)
def _leading_province() -> re.Pattern:
    """A province's name or short form opening a longer name (安徽 of 安徽甲县经济开发区)."""
    forms = {f for d in Divisions.default() if d.level == "Province" for f in (d.name, *d.aliases) if len(f) >= 2}
    return re.compile("^(?:" + "|".join(sorted(forms, key=len, reverse=True)) + r")(?=[\u4e00-\u9fff]{4})")


def leading_province(name: str) -> str:
    """The province (安徽, 江苏省) a name opens with, if four or more characters follow it; else ''.
    Read on the text, not on jieba's words: 江苏甲乙 is often cut 江|苏甲乙."""
    m = _leading_province().match(name)
    return m.group() if m else ""


# what opens a clause, not a name (另有甲市高新区管委会, 一是研发中心, 暨甲乙新能源产业园)
_LEADING_WORDS = re.compile(r"^(?:另有|还有|其中|[一二三四五六七八九十]是|这是|也是|就是|包括|以及|暨|占|储备)")
# what stands before a company's name without being part of it (企业甲乙金属, 龙头企业丙丁集团,
# 全资子公司上海甲乙实业发展有限公司)
_BEFORE_COMPANY = re.compile(r"^(?:[\u4e00-\u9fff]{0,4}?(?:龙头企业|企业)(?!家)|[\u4e00-\u9fff]{0,2}?(?:全资|控股)?子公司)")
# what follows a company's name without being part of it: its party group (中国甲乙集团|党组), a
# tally (甲乙重工|四家上市公司), a headline's colon (甲乙科技|：拟设控股子公司)
_AFTER_COMPANY = re.compile(r"(?<=[团司])(?:党组|党委|纪委)$|[一二三四五六七八九十两几\d]+家[\u4e00-\u9fff]{0,4}(?:公司|企业)$|[：:].*$")
# two bodies written as one (县委县政府, 江西省委省政府): the second a level's government
_TWO_BODIES = re.compile(r"^(.+?[委])((?:[省市县区旗盟州镇乡])(?:政府|人民政府))$")
# a tally, not a name (产业项目四大类共16个重点项目, 产业项目和6个城建基础设施项目)
_TALLY = re.compile(r"\d+个|[一二三四五六七八九十两几]+[个批类]")
# what a project's name can hold before 项目 and still name none (新开工项目, 二期项目, 新兴产业项目)
_GENERIC_PROJECT = re.compile(r"^(?:[一二三四五六七八九十]期|新开工|已开复工|开复工|续建|新建|在建|重点|重大|关联|新兴|"
                              r"产业|招商引资|招商|新签|签约|合作|储备|扩建|技改|配套|优质|亿元以上|[\u4e00-\u9fff]{0,6}类|"
                              r"[补强延固]链|大型|中小型|小型|楼宇|内部|外部|装修|装饰|土建|主体|砌筑|附属)*(?:项目|工程|生产基地|基地|生产线)$")
# a company's relation to another standing for its name (公司全资子公司)
_NAME_VERBS = tuple(lx.NAME_VERBS)
_NO_COMPANY = re.compile(r"[\u4e00-\u9fff]{0,3}?(?:全资|控股)?子公司")


_TITLE_END = re.compile("(?:" + "|".join(sorted(map(re.escape, lx.TITLES_BEFORE_NAME), key=len, reverse=True)) + ")$")
_SUFFIXES_LONGEST_FIRST = sorted(SUFFIX_LABEL, key=len, reverse=True)
_ALL_SUFFIXES = tuple(_SUFFIXES_LONGEST_FIRST)


# a park's name opening a project's (甲市工业园|青海甲乙镁业年产2万吨…)
_PARK_BEFORE_PROJECT = re.compile(r"^[\u4e00-\u9fff]{2,8}?(?:工业园区|产业园区|工业园|产业园|经开区|高新区|开发区|化工区)(?=[\u4e00-\u9fff])")
# a place and a year before a generic phrase (福建省重大项目, 沧州市2018年重点项目)
_PLACE_AND_YEAR = re.compile(r"^(?:[\u4e00-\u9fff]{2,7}?(?:自治区|省|市|区|县|旗|盟|州))?(?:\d{4}年度?)?")


def _without_place_and_field(name: str) -> str:
    """A project's name without a leading place, year and industry (西青区高端制造业重点项目 → 重点项目)."""
    lead = _PLACE_AND_YEAR.match(name)   # (always matches: everything in it is optional)
    rest = name[lead.end():] if lead else name
    rest = _FIELD_QUALIFIER.sub("", rest)
    for term in _INDUSTRY_PREFIXES:
        if rest.startswith(term) and len(rest) > len(term):
            rest = rest[len(term):]
            return rest[1:] if rest.startswith("业") and len(rest) > 1 else rest
    return rest


# (制造 is no industry of its own, but 高端制造业 names a field, not a project)
_INDUSTRY_PREFIXES = sorted(lx.INDUSTRY_TERMS | {"制造"}, key=len, reverse=True)
_FIELD_QUALIFIER = re.compile(r"^(?:高端|先进|新兴|战略性新兴|现代|传统)(?=[\u4e00-\u9fff]{3})")


def tidy(names: list[Mention], text: str) -> list[Mention]:
    """Names as a reader bounds them, whoever found them: a verb inside splits two phrases
    (崇左市|签订|大亚…项目), no clause opener before (另有…, ，如…), nothing before a company's name
    (企业…, 子公司…), no title after (福建省委|常委), two bodies written as one made two
    (江西省委|省政府); a tally or a generic phrase (新开工项目) is no name."""
    out: list[Mention] = []
    for m in names:
        if m.label not in ("Company", "Institution", "IndustrialPark", "Project"):
            out.append(m)
            continue
        for part in _split_at_verb(m):
            for one in _split_two_projects(part):
                _tidy_one(one, text, out)
    more = _parks_of_bodies(out) + _company_projects(out, text)
    out = _as_written_elsewhere(sorted(out + more, key=START) if more else out, text)
    return [_with_listed_products(m, text) if m.label in ("Project", "IndustrialPark") else m for m in out]


# what opens a list of products built (建设年产…、…项目, 签订…、…项目)
_BUILD_VERB = re.compile(r"(?:签订|签署|投资建设|建设|新建|扩建|实施|投建)(?!.*(?:签订|签署|建设|新建|扩建|实施|投建))")
_LIST_BREAK = re.compile(r"[，,。；;：:！？!?“”‘’（）()《》\n\s]")
_PROPER_IN_ITEM = {"ns", "nz", "nt", "x", "nrt", "nrfg", "eng"}


def _with_listed_products(m: Mention, text: str) -> Mention:
    """建设年产20万吨甲、乙、10万吨丙基地项目, 签订甲组件、乙、丙产业项目: products listed with 、 after
    a verb of building, the last ending in the head, name one project. Every item before the last is
    a plain product (no place or brand: 签约项目包括甲乙总部、丙丁基地 are two), as is the last's start;
    建设年产甲、乙等丙产业基地 is one too (a base built for products, not a park)."""
    if m.start < 2 or text[m.start - 1:m.start] not in ("、", "等") or _proper_start(m.text):
        return m
    at = m.start - 1   # the 、 (or 等) after the item being read
    listed = text[at] == "、"   # (甲、乙等丙基地: 等 ends a list only after a 、)
    while True:
        brk = max(text.rfind("、", 0, at), max((x.end() - 1 for x in _LIST_BREAK.finditer(text, max(0, at - 30), at)),
                                               default=-1))
        if brk >= 0 and text[brk] == "、" and 1 <= at - brk - 1 <= 10:
            if _plain_product(text[brk + 1:at]):
                at, listed = brk, True
                continue
            return m
        if not listed:
            return m
        verb = _BUILD_VERB.search(text, brk + 1, at)
        if verb is None:
            return m
        item = text[verb.end():at]
        if 1 <= len(item) <= 12 and _plain_product(item):
            return dataclasses.replace(m, label="Project", text=text[verb.end():m.end], start=verb.end(), name="",
                                       props=dict(m.props))
        return m


def _plain_product(item: str) -> bool:
    """Whether a listed item is a plain product (铝型材, 高效智能光伏组件, 年产20万吨铝棒): nouns and
    their qualifiers and amounts, no head, no proper word, no verb (…项目正在进行征收工作 is a clause)."""
    return not item.endswith(_ALL_SUFFIXES) and "项目" not in item and all(
        tag_of(w) in _PRODUCT_TAGS or (tag_of(w).startswith("n") and tag_of(w) not in _PROPER_IN_ITEM)
        for w in Tokens(item).words)


_PRODUCT_TAGS = {"a", "b", "j", "m", "vn"}


def _proper_start(name: str) -> bool:
    """Whether a name opens with a place or a brand (江苏甲乙年产…, 甲乙华东研发基地)."""
    words = Tokens(name).words
    return bool(leading_province(name)) or (bool(words) and tag_of(words[0]) in _PROPER_IN_ITEM)


_NAME_LABELS = ("Company", "Institution", "IndustrialPark", "Project")


def _as_written_elsewhere(names: list[Mention], text: str) -> list[Mention]:
    """A name that lost its first characters where the article writes them elsewhere with it
    (和润…项目 at a sentence's start, cut 和|润 by jieba, read as 汽车工业园项目): the fuller form."""
    known = {m.text for m in names if m.label in _NAME_LABELS and len(m.text) >= 4}
    ends = {m.end for m in names}
    out = []
    for m in names:
        if m.label in _NAME_LABELS and m.start not in ends:
            for p in range(3, 0, -1):   # (the longest lead first: 和润 before 润)
                lead = text[max(0, m.start - p):m.start]
                if len(lead) < p or not lead.isalnum():
                    continue
                if any(y.startswith(lead) and len(y) - p >= 4 and m.text.startswith(y[p:]) for y in known):
                    m = dataclasses.replace(m, text=lead + m.text, start=m.start - p, name="", props=dict(m.props))
                    break
        out.append(m)
    return out


# a park's body (甲经开区管委会, 乙示范区党工委): the park it runs is named in it
_PARK_BODY = re.compile("^(.{2,20}?(?:" + "|".join(sorted(lx.PARK_SUFFIXES + ("示范区", "新片区", "集聚区"), key=len, reverse=True))
                        + "))(?:管委会|管理委员会|党工委)$")


# a company's project named by the company alone (甲科技项目, 甲乙有限公司二期项目); not its staff (甲项目经理)
_COMPANY_PROJECT = re.compile(r"(?:[一二三四五六七八九十]期)?项目(?!经理|负责人|部|团队|组)")


def _company_projects(names: list[Mention], text: str) -> list[Mention]:
    """甲科技项目现场: right after a company's name, 项目 names the company's project (the guide keeps
    the owner where the rest, 项目 or 二期项目, names nothing alone); the company stays its owner."""
    out = []
    starts = {m.start for m in names}
    for m in names:
        project = _COMPANY_PROJECT.match(text, m.end) if m.label == "Company" and m.end not in starts else None
        if project:
            out.append(dataclasses.replace(m, label="Project", text=m.text + project.group(), end=project.end(),
                                           name="", rule="company-project", props={}))
    return out


# a park's kind alone (经济开发区党工委 where the article names the park before): no park's name
_BARE_PARKS = frozenset(lx.PARK_SUFFIXES) | {"经济" + s for s in lx.PARK_SUFFIXES}


def _parks_of_bodies(names: list[Mention]) -> list[Mention]:
    """The parks named inside their bodies' names (甲经济开发区管委会 → 甲经济开发区), where no name
    found is that park already: the guide annotates the park the body runs."""
    parks = {m.text for m in names if m.label == "IndustrialPark"}
    out = []
    for m in names:
        park = _PARK_BODY.match(m.text) if m.label == "Institution" else None
        if park and park.group(1) not in parks and park.group(1) not in _BARE_PARKS:
            parks.add(park.group(1))
            out.append(dataclasses.replace(m, label="IndustrialPark", text=park.group(1), end=m.start + park.end(1),
                                           name="", rule="park-of-body", props={}))
    return out


def _split_at_verb(m: Mention) -> list[Mention]:
    """崇左市签订甲乙（崇左）林业…项目, 汽车工业园项目毗邻甲乙新能源工厂, 甲新区委托乙集团: a verb
    joins two phrases; each that ends like a name is one, and without one the whole is a clause."""
    verb = _VERB_INSIDE.search(m.text, 2)
    if verb is None:
        if m.label == "Company" and "与" in m.text[2:-2] and not m.text.endswith(("有限公司", "有限责任公司")):
            # 甲乙与丙丁: two firms the tagger read as one (与 is in no brand)
            at = m.text.index("与", 2)
            return [x for x in (_cut(m, 0, at), _cut(m, at + 1, len(m.text))) if len(x.text) >= 2]
        return [m]
    parts = [_labelled(_cut(m, 0, verb.start())), _labelled(_cut(m, verb.end(), len(m.text)))]
    if not any(parts):
        return []   # 甲乙物流园进行加工: a clause, no name
    return [x for x in parts if x is not None and len(x.text) >= 3]


def _split_two_projects(m: Mention) -> list[Mention]:
    """甲风电场和乙三期风电场项目: 和 after a project's head joins two projects (甲研发中心及乙生产基地项目,
    an organisation's unit before 及, stays one)."""
    if m.label != "Project":
        return [m]
    for at in (i for i, ch in enumerate(m.text) if ch == "和"):
        if at >= 4 and len(m.text) - at > 4 and m.text.endswith(_PROJECT_HEADS, 0, at):
            return [_cut(m, 0, at), *_split_two_projects(_cut(m, at + 1, len(m.text)))]
    return [m]


# the last characters of the names of bodies (院, 委, 办, 局, 中心, 党中央, 甲交大…)
_BODY_ENDS = tuple("院校委办局部厅会所站馆社台报网署司处队室组联协盟央大") + ("中心", "政府")


def _tidy_one(m: Mention, text: str, out: list[Mention]) -> None:
    """`m` tidied, appended to `out` (with a second name it held), or dropped."""
    if m.label == "Institution" and m.name_evidence is NameEvidence.TAGGER and not m.text.endswith(_BODY_ENDS):
        m.label = "Company"   # 甲乙丙丁…项目: a name with no body's ending is a business's
    lead = _LEADING_WORDS.match(m.text)
    example = _EXAMPLE.match(m.text) if m.start > 0 and text[m.start - 1:m.start] in "，,：:" else None
    if lead and len(m.text) - lead.end() >= 3:
        m = _cut(m, lead.end(), len(m.text))
    elif lead:
        return   # 这是政府, 其中公司: a clause's opening and a bare head, no name
    elif example and len(m.text) >= 5:
        m = _cut(m, example.end(), len(m.text))   # ，如甲乙集团、…
    if m.text in SUFFIX_LABEL and not lx.BARE_BODY.fullmatch(m.text) and m.text not in ABBREVIATED_INSTITUTIONS:
        return   # (一是)研发中心: a head with nothing before it is a kind, no name (管委会 is a body)
    if m.label == "IndustrialPark" and _TALLY.search(m.text):
        return   # 甲、乙两个工业园区, 第一个绿色低碳示范园区: a count of parks
    part = _PARK_PART.search(m.text) if m.label == "IndustrialPark" else None
    if part and m.text.endswith(PARK_HEADS, 0, part.start()):
        m = _cut(m, 0, part.start())   # 甲产业新城核心区: a part of the park, named after it
    if (m.label == "IndustrialPark" or (m.label == "Institution" and m.text.endswith(_FACILITY_HEADS))) and \
            text.startswith("项目", m.end):
        # 甲乙产业园项目, 甲国际粮油交易中心项目: the project of building the park or centre, named after
        # it (the park, where the text names it alone, is found there)
        m = dataclasses.replace(m, label="Project", text=m.text + "项目", end=m.end + 2, name="", props=dict(m.props))
    if m.label == "Company":
        lead = _BEFORE_COMPANY.match(m.text)
        # (甲乙企业管理有限公司: 企业 of the business, not before the name)
        if lead and len(m.text) - lead.end() >= 3 and not m.text.startswith(_NAME_VERBS, lead.end()):
            m = _cut(m, lead.end(), len(m.text))
        tail = _AFTER_COMPANY.search(m.text)
        if tail and tail.start() >= 2:
            m = _cut(m, 0, tail.start())
        if _NO_COMPANY.fullmatch(m.text):
            return
    title = _TITLE_END.search(m.text)
    if title and title.start() and (m.text.endswith(_ALL_SUFFIXES, 0, title.start()) or (
            m.label == "Project" and title.start() >= 4)):   # 甲乙物流园总经理: a facility's manager
        m = _cut(m, 0, title.start())
        m.label = _label_by_suffix(m.text) or m.label
    if m.label == "Institution":
        two = _TWO_BODIES.match(m.text)
        if two and two.group(1).endswith(lx.INSTITUTION_SUFFIXES):
            out.append(_cut(m, 0, two.end(1)))
            m = _cut(m, two.end(1), len(m.text))
    if m.label == "Project" and _BATCH_AFTER.match(text, m.end):
        return   # 甲自由贸易港建设项目2021年度第四批集中开工, 乙行项目合作洽谈签约会: a batch or an event
    if m.label == "Project":
        clause = _CLAUSE_BEFORE_PROJECT.match(m.text)
        if clause and len(m.text) - clause.end() >= 2:
            m = _cut(m, clause.end(), len(m.text))
        listed = m.text.find("等")
        if listed > 0 and _GENERIC_PROJECT.match(m.text[listed + 1:]):
            return   # 甲乙伺服电机等优质项目: examples, then what they are
        if _TALLY.search(m.text) or _GENERIC_PROJECT.match(_without_place_and_field(m.text)):
            return
        park = _PARK_BEFORE_PROJECT.match(m.text)
        if park and len(m.text) - park.end() >= 6 and not m.text.startswith(_PROJECT_WORDS, park.end()):
            # 甲市工业园青海甲乙硼锂年产1万吨碳酸锂: the park the project is in, then the project
            out.append(_cut(m, 0, park.end()))
            out[-1].label = "IndustrialPark"
            m = _cut(m, park.end(), len(m.text))
    out.append(m)


# a clause before a project's name: its subject and what it is doing (公司正在实施二期扩建项目, 已开始装修工程),
# or an event joined to it (甲企业座谈会暨项目集中签约)
_CLAUSE_BEFORE_PROJECT = re.compile(r"^[\u4e00-\u9fff]{0,6}?(?:正在|已经|已|开始|即将)(?:实施|建设|开展|进行|推进)?"
                                    r"|^[\u4e00-\u9fff]*?(?:会|仪式|活动)暨"
                                    # 投建8万吨…项目, 新建年产…: the verb of building before what is built
                                    r"|^(?:投资建设|开工建设|投资兴建|投建|新建|兴建|扩建|建设)(?=[0-9０-９]|年产)")
# what follows a programme's or an event's name, not a project's: a batch started or signed together
_BATCH_AFTER = re.compile(r"(?:\d{4}年度?)?第[一二三四五六七八九十\d]+批|集中(?:开工|签约|开复工|竣工|投产)|合作洽谈|签约会|推介会|启动暨")
# the parts of a park (甲产业新城核心区, 乙航天城起步区)
_PARK_PART = re.compile(r"(?:核心区|起步区|启动区|拓展区)$")
PARK_HEADS = tuple(lx.PARK_SUFFIXES)
# the heads of institutions that are built (a centre, a laboratory), not bodies that govern
_FACILITY_HEADS = ("中心", "研究院", "研究所", "实验室", "馆", "工作站")
# what introduces examples after a comma (，如甲乙集团、丙丁集团…)
_EXAMPLE = re.compile(r"^(?:例如|比如|如|像)")
_PROJECT_WORDS = ("项目", "工程", "一期", "二期", "三期", "四期")
# verbs that join two phrases and stand inside no name
_VERB_INSIDE = re.compile(r"签订|签署|毗邻|进行|位于|落户于?|委托")


def _labelled(m: Mention) -> Mention | None:
    """m labelled by the suffix its name ends with (something before it), or None if none."""
    label = _label_by_suffix(m.text, before=1)
    if label is None:
        return None
    m.label = label
    return m


def _label_by_suffix(text: str, before: int = 0) -> str | None:
    """The label of the longest suffix `text` ends with that leaves `before` characters or more."""
    return next((SUFFIX_LABEL[x] for x in _SUFFIXES_LONGEST_FIRST
                 if text.endswith(x) and len(text) - len(x) >= before), None)


def _cut(m: Mention, a: int, b: int) -> Mention:
    """m's name from its a-th to its b-th character (a new mention: the one given may be shared)."""
    return dataclasses.replace(m, text=m.text[a:b], start=m.start + a, end=m.start + b, name="", props=dict(m.props))


# names listed before 等N个项目 (甲工业园乙丙某产品加工、丁戊年产N万吨某产品等3个项目)
_LISTED_PROJECTS = re.compile(r"((?:[^、，。；：,;:！？\s“”]{4,30}、)+[^、，。；：,;:！？\s“”]{4,30})等(?:\d+|[一二三四五六七八九十两几]+)个项目")


def find_listed_projects(text: str, taken: Sequence[Mention]) -> list[Mention]:
    """Items listed before 等N个项目 that no name found covers are projects, named by owner and
    product (甲乙某资源产品精深加工); a park opening an item is where the project is, not its name."""
    out: list[Mention] = []
    if "个项目" not in text or "、" not in text:
        return out   # (most articles hold no such list: trying the pattern everywhere costs)
    spans = None
    for m in _LISTED_PROJECTS.finditer(text):
        if spans is None:
            spans = Spans.of([n for n in taken if n.label != "Region"])
        at = m.start(1)
        for item in m.group(1).split("、"):
            start, end = at, at + len(item)
            at = end + 1
            park = next((n for n in taken if n.label == "IndustrialPark" and n.start == start and n.end < end), None)
            if park is not None:
                start = park.end
            lead = _LEADING_WORDS.match(text[start:end])
            if lead:
                start += lead.end()
            # (甲乙实业、丙丁科技等12个项目: firms standing for their projects, read as companies;
            # 并集体为甲乙实业: a clause before the list)
            if end - start >= 6 and not spans.overlaps(start, end) and not _stop_pos(tag_of(Tokens(text[start:end]).words[0])):
                out.append(Mention("Project", text[start:end], start, end, rule="listed-projects", confidence=0.6))
    return out
