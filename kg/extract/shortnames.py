"""Companies named without their suffix: short forms of full names seen anywhere in the corpus
(华远 for 华远生物药品有限公司), and names listed before 等N家企业.

Short forms are derived, not listed: strip the place, the bracketed place, the legal suffix and the
business descriptor from a full name; what is left is the brand, found again with an automaton.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Set as AbstractSet

import ahocorasick

from kg.language import lexicon as lx
from kg.extract.names import leading_province
from kg.extract.spans import Spans
from kg.language.tokens import PUNCT, Tokens, tag_of
from kg.model import Mention, NameEvidence

# Business descriptors between a brand and the legal suffix (生物科技, 信息技术…), longest first.
DESCRIPTORS = sorted((
    "生物科技", "生物技术", "生物药品", "生物医药", "生物工程", "生物", "科技", "信息技术", "信息科技",
    "技术", "新材料", "材料", "能源", "新能源", "电子", "电气", "电力", "智能", "数字", "数据",
    "网络", "软件", "工业制造", "工业", "制造", "实业", "发展", "投资", "控股", "贸易", "商贸", "物流",
    "化工", "建设", "工程", "环保", "环境", "医药", "药业", "乳业", "食品", "农牧业", "农业", "矿业",
    "稀土", "装备", "机械", "汽车", "钢铁", "铝业", "光伏", "风电", "储能",
    "股份", "集团", "工贸", "化学", "进出口贸易", "进出口", "通信", "电信", "石油", "石化", "航空", "银行",
), key=len, reverse=True)
LEGAL = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "公司", "集团")
# 甲乙、丙丁等5家企业, 甲乙、丙丁等外资企业, 甲乙、丙丁等一批数字经济龙头企业: what the companies are
# may stand between 等 and 企业 (a kind, a count), but no clause break
_ENUM_TAIL = r"等(?:\d+|[一二三四五六七八九十多几数]+)?[家批]?(?:[\u4e00-\u9fff\d]{0,8}?(?<![的和与及在将已])(?:企业|公司))"
ENUM_COMPANIES = re.compile(r"((?:[\u4e00-\u9fffA-Za-z]{2,8}、)*[\u4e00-\u9fffA-Za-z]{2,8})" + _ENUM_TAIL)
# The list's closing words alone: a text without them holds no such list, and finding them costs
# a fraction of trying the list pattern at every character.
_ENUM_END = re.compile(_ENUM_TAIL)


def brand(name: str, region_forms: list[str]) -> str:
    """The brand at the head of a company name: 天津华远生物科技有限公司 → 华远, 青川智能 → 青川智能
    (place, bracket, legal suffix and business descriptor taken off)."""
    return _without_descriptor(name_core(name, region_forms)[0])


def _without_descriptor(core: str) -> str:
    """The core without the business descriptor it ends with (华远生物科技 → 华远), if any."""
    for d in DESCRIPTORS:
        if core.endswith(d) and len(core) - len(d) >= 2:
            return core[: -len(d)]
    return core


def name_core(name: str, region_forms: list[str]) -> tuple[str, str]:
    """(the name without place, bracket and legal suffix, the bracket's text if it is no place)."""
    core = name
    bracket = re.search(r"[（(]([^）)]*)[）)]", core)
    extra = ""
    if bracket:
        if bracket.group(1) not in region_forms:
            extra = bracket.group(1)  # 内蒙古电力（集团）: the bracket is part of the short name
        core = core[:bracket.start()] + core[bracket.end():]
    for legal in LEGAL:
        if core.endswith(legal):
            core = core[: -len(legal)]
            break
    for form in sorted(region_forms, key=len, reverse=True):
        if core.startswith(form) and len(core) - len(form) >= 2:
            core = core[len(form):]
            break
    # 中国某某通信集团内蒙古有限公司: a group's regional company goes by the group's brand
    for form in sorted(region_forms, key=len, reverse=True):
        if core.endswith(form) and len(core) - len(form) >= 2:
            core = core[: -len(form)]
            break
    for tail in ("集团", "股份"):
        if core.endswith(tail) and len(core) - len(tail) >= 2:
            core = core[: -len(tail)]
    return core, extra


def short_forms(name: str, region_forms: list[str]) -> set[str]:
    """Brand names a company may go by: 天津华远生物科技有限公司 → {华远生物}, 青川智能（内蒙古）科技有限公司 → {青川智能}."""
    core, extra = name_core(name, region_forms)
    forms = set()
    brand = _without_descriptor(core)
    if len(brand) >= 3 and brand not in lx.INDUSTRY_TERMS:
        forms.add(brand)
    if extra and len(brand) >= 2:
        forms.add(brand + extra)
    if brand != core:
        rest = core[len(brand):]
        if len(brand) == 2:  # 华远 alone is too short to find safely: 华远生物, 华远生物科技
            forms.update(brand + d for d in DESCRIPTORS if rest.startswith(d))
        elif len(brand) >= 3 and 4 <= len(core) <= 6:
            forms.add(core)
    return {f for f in forms if f != name and len(f) >= 3 and not f.endswith(_NAME_HEADS)}


_NAME_HEADS = tuple(lx.PARK_SUFFIXES + lx.INSTITUTION_SUFFIXES + lx.PROJECT_SUFFIXES)


class ShortNames:
    """An automaton over the short forms of every full company name seen."""

    def __init__(self, full_names: dict[str, set[str]], bare_names: AbstractSet[str] = frozenset()):
        """`full_names`: each full name → the region forms found inside it; `bare_names`: company
        names some article gave without a suffix (listed before 等N家企业), found as they are."""
        self.owners: dict[str, set[str]] = {}
        for name, regions in full_names.items():
            for form in short_forms(name, sorted(regions)):
                self.owners.setdefault(form, set()).add(name)
        for name in bare_names:
            if len(name) >= 3 and name not in full_names:
                self.owners.setdefault(name, set())
        self.automaton = ahocorasick.Automaton()
        for form in self.owners:
            self.automaton.add_word(form, form)
        if self.owners:
            self.automaton.make_automaton()

    def find(self, text: str, toks: Tokens, occupied: list[Mention]) -> list[Mention]:
        if not self.owners:
            return []
        taken = Spans.of(occupied)
        found: list[Mention] = []
        for end, form in self.automaton.iter(text):
            end += 1
            start = end - len(form)
            if taken.overlaps(start, end) or not toks.is_boundary(start):
                continue
            if found and found[-1].end > start:
                if found[-1].end - found[-1].start >= end - start:
                    continue
                found.pop()
            owners = tuple(sorted(self.owners[form]))
            found.append(Mention("Company", form, start, end, rule="short-name" if owners else "known-bare-name",
                                 confidence=0.75 if owners else 0.65, full_names=owners,
                                 name_evidence=NameEvidence.SHORT_FORM if owners else NameEvidence.OTHER))
        return found


    def split_owner(self, project: Mention) -> tuple[Mention, Mention] | None:
        """华远生物乳铁蛋白…项目: a project name that opens with a company's short name is
        that company's project; return (company, project without it), or None."""
        if not self.owners:
            return None
        best = None
        for end, form in self.automaton.iter(project.text):
            if end + 1 == len(form) and len(project.text) - len(form) >= 4:
                best = form if best is None or len(form) > len(best) else best
        if best is None or _NOT_ALONE.match(project.text, len(best)):
            return None   # 甲乙有限公司二期项目: the short name opens the full one; 甲科技项目: the rest names nothing
        n = len(best)
        company = Mention("Company", best, project.start, project.start + n, rule="short-name", confidence=0.75,
                          name_evidence=NameEvidence.SHORT_FORM, full_names=tuple(sorted(self.owners[best])))
        # the project without it: what its recogniser knew stays (its name is its new text)
        rest = dataclasses.replace(project, label="Project", text=project.text[n:], start=project.start + n, name="")
        return company, rest


# what follows an owner's short name in a project's name that the owner keeps (the guide): the rest of
# its full name, or only the project's phase and head
_NOT_ALONE = re.compile("(?:" + "|".join(lx.COMPANY_SUFFIXES) + ")|(?:[一二三四五六七八九十]期)?(?:项目|工程)$")


# 甲乙实业、丙丁科技、戊己交通、庚辛磁电等12个项目: companies standing for their projects
_DESCRIPTOR_ENDS = tuple(DESCRIPTORS)
ENUM_FIRMS_PROJECTS = re.compile(r"((?:[\u4e00-\u9fffA-Za-z]{2,8}、)+[\u4e00-\u9fffA-Za-z]{2,8})等(?:\d+|[一二三四五六七八九十多几数]+)个?项目")


# the words that open the clause before a list, not its first name (引入|甲乙, 为|丙丁, 推动|戊己)
_NOT_IN_FIRST_ITEM = ("v", "p", "c", "u", "d", "r", "q", "w", "t", "y", "e", "o")


# 以甲乙为龙头的…产业: the firm an industry is led by
_LEADER = re.compile(r"以([\u4e00-\u9fffA-Za-z]{2,8}?)为龙头")


def _leaders(text: str, occupied: list[Mention]) -> list[Mention]:
    """Companies named as the leaders of an industry (以甲乙为龙头的汽车产业): Latin letters or a word
    that is not a common one (a brand, an abbreviation, a word jieba does not know); not an
    industry, a project or a place the text names (those are taken)."""
    taken = Spans.of(occupied)
    return [Mention("Company", m.group(1), m.start(1), m.end(1), rule="leader-of-industry", confidence=0.6)
            for m in _LEADER.finditer(text) if _bare_firm(m.group(1), m.start(1), m.end(1), taken)]


def _bare_firm(name: str, start: int, end: int, taken: Spans) -> bool:
    """Whether `name`, where the grammar wants a firm, names one: Latin letters or a word that is
    not a common one (a brand, an abbreviation, a word jieba does not know), and no industry,
    project, park or anything already found there."""
    if taken.overlaps(start, end) or name in lx.INDUSTRY_TERMS or name in lx.GENERIC_MODIFIERS \
            or name.endswith(("项目", "产业", "园区", "集群")):
        return False
    tag = tag_of(name)
    return name.isascii() or not (tag in _COMMON_WORD or tag.startswith("v"))


# 由甲乙和丙丁投资建设的…: the firms that build (甲乙承建的… is read off the words before 承建)
_BUILT_BY = re.compile(r"由([\u4e00-\u9fffA-Za-z]{2,8}?)(?:[和与、]([\u4e00-\u9fffA-Za-z]{2,8}?))?(?:共同)?"
                       r"(?:投资建设|投资兴建|出资建设|投资|承建)")
_NOT_IN_FIRM = ("w", "p", "c", "u", "r", "d", "m", "q", "t")


def _firm_before(toks: Tokens, at: int) -> tuple[int, int]:
    """Where a firm's name ending at `at` starts, walking left over up to eight characters of
    words that are no boundary word, verb of the clause or particle; and the index of the word
    that stopped the walk (-1 at the text's start)."""
    k, start = toks.index_at(at - 1), at
    while k >= 0 and at - toks.starts[k] <= 8 and toks.words[k] not in lx.BOUNDARY_WORDS \
            and not toks[k].pos.startswith(_NOT_IN_FIRM):
        start = toks.starts[k]
        k -= 1
    return start, k


def _builders(text: str, toks: Tokens, occupied: list[Mention]) -> list[Mention]:
    """The firms a project is built by (由甲乙和丙丁投资建设的…, 甲乙承建的…), named bare. A region
    may open a firm's name (四川甲乙), not be all of it."""
    taken = Spans.of([m for m in occupied if m.label != "Region"])
    regions = {(m.start, m.end) for m in occupied if m.label == "Region"}
    spans = []
    for m in _BUILT_BY.finditer(text):
        if toks.is_boundary(m.start()):   # (自由贸易港建设: 由 inside a word)
            spans += [(m.start(g), m.end(g)) for g in (1, 2) if m.group(g) is not None]
    at = text.find("承建的")
    while at > 0:
        start, _ = _firm_before(toks, at)
        if start < at and toks.is_boundary(at):
            spans.append((start, at))
        at = text.find("承建的", at + 3)
    return [Mention("Company", text[a:b], a, b, rule="built-by", confidence=0.6) for a, b in spans
            if b - a >= 2 and (a, b) not in regions and toks.is_boundary(a) and toks.is_boundary(b)
            and _bare_firm(text[a:b], a, b, taken)]


# 甲乙新能源与丙丁稀土签订/共建…: two parties to a deal
_SIGNED = re.compile(r"与([\u4e00-\u9fffA-Za-z]{4,8}?)(?:签订|签署|签约|共建|达成|携手)")


def _signers(text: str, toks: Tokens, occupied: list[Mention]) -> list[Mention]:
    """The parties to a deal named bare (甲乙循环与丙丁新能源签订…, 甲省乙丙与丁戊稀土共建…): the one
    after 与 and the one that opens the clause before it, four to eight characters each (shorter
    ones are people as often as firms), not common words, places or anything found."""
    taken = Spans.of([m for m in occupied if m.label != "Region"])
    regions = {(m.start, m.end) for m in occupied if m.label == "Region"}
    spans = []
    for m in _SIGNED.finditer(text):
        if not (toks.is_boundary(m.start(1)) and toks.is_boundary(m.end(1))):
            continue
        spans.append((m.start(1), m.end(1)))
        start, k = _firm_before(toks, m.start())
        if (k < 0 or toks[k].pos == "w") and m.start() - start >= 4:   # the clause opens with it
            spans.append((start, m.start()))
    return [Mention("Company", text[a:b], a, b, rule="party-to-a-deal", confidence=0.6) for a, b in spans
            if (a, b) not in regions and _bare_firm(text[a:b], a, b, taken)
            and not any(w in lx.BOUNDARY_WORDS for w in toks.words[toks.index_at(a):toks.index_at(b - 1) + 1])]


def find_listed_companies(text: str, toks: Tokens, occupied: list[Mention]) -> list[Mention]:
    """Names listed before 等N家企业 (甲磁材、乙新材等5家企业) are companies; so are those before
    等N个项目 when most of them end like a company's short name (甲乙实业、丙丁科技…)."""
    found = _leaders(text, occupied) if "为龙头" in text else []
    if "由" in text or "承建" in text:
        found += _builders(text, toks, occupied + found)
    if "与" in text:
        found += _signers(text, toks, occupied + found)
    matches = list(ENUM_COMPANIES.finditer(text)) if _ENUM_END.search(text) else []
    if "项目" in text:
        for match in ENUM_FIRMS_PROJECTS.finditer(text):
            items = match.group(1).split("、")
            if 2 * sum(i.endswith(_DESCRIPTOR_ENDS) and len(i) >= 4 for i in items) > len(items):
                matches.append(match)
    if not matches:
        return found
    spans = [(m.start, m.end) for m in occupied]
    for match in matches:
        pos = match.start(1)
        items = match.group(1).split("、")
        for n, item in enumerate(items):
            start, end = pos, pos + len(item)
            pos = end + 1
            if n == 0:  # the list's first item starts at a word boundary after the clause's verb
                t = toks.index_at(end - 1)
                first = t
                while first > 0 and toks[first - 1].start >= start and not toks[first - 1].pos.startswith(_NOT_IN_FIRST_ITEM) \
                        and toks[first - 1].word not in lx.BOUNDARY_WORDS and end - toks[first - 1].start <= 6:
                    first -= 1
                start = max(start, toks[first].start)
                item = text[start:end]
            if len(item) < 2 or item in lx.INDUSTRY_TERMS or item in lx.GENERIC_MODIFIERS or any(ch in PUNCT for ch in item) \
                    or item.endswith(lx.COMPANY_SUFFIXES):   # 物业管理公司: had it been a name, its suffix had found it
                continue
            if any(a < end and start < b for a, b in spans):
                continue
            found.append(Mention("Company", item, start, end, rule="listed-before-enterprises", confidence=0.65))
    return found


# what a project's name says right after its owner: its output (年产5万吨…, 300万件…)
_OUTPUT = re.compile(r"年产|年处理|年加工|年回收|\d")
_NOT_OWNER = re.compile(r"^[一二三四五六七八九十首新本该此全今明]|期|批|项目|工程|[区园]|[市县镇乡村]$")


# jieba's tags of a word it does not know or reads as a name: where a brand stands
_BRAND_TAGS = ("x", "nz", "nr", "nrt", "nrfg")
# a brand is no common word: 高端新材料, 绿色能源, 新型材料 describe, 甲乙新材料 names
_COMMON_WORD = ("n", "a", "b", "vn", "d", "m", "f", "t")


def owner_before_output(project: Mention, text: str, regions: list[Mention]) -> tuple[Mention, Mention] | None:
    """江苏甲乙年产2000吨…项目, 丙丁新材料年产9.8万吨…项目: a project named by its owner, then its
    output, is that owner's; return (company, project without it), or None. The owner is a place
    and a brand (江苏 + 甲乙), a brand and a business descriptor (丙丁 + 新材料), or a brand of
    three or more characters that the article also names outside the project (the output alone
    does not make a name: 一期年产…, 全市年产…, 光伏新材料年产…)."""
    name = project.text
    out = _OUTPUT.search(name)
    if out is None or not 2 <= out.start() <= 8 or len(name) - out.start() < 6:
        return None
    q = out.start()
    head = name[:q]
    if not all("\u4e00" <= ch <= "\u9fff" for ch in head):
        return None
    lead = [r.end - project.start for r in regions if r.start == project.start and r.end - project.start < q]
    place = lead[0] if lead else len(leading_province(name))
    brand = head[place:]
    if not 2 <= len(brand) <= (4 if place else 6) or _NOT_OWNER.search(brand) or brand in lx.GENERIC_MODIFIERS \
            or brand in lx.INDUSTRY_TERMS \
            or any(r.start == project.start + q - len(brand) and r.end == project.start + q for r in regions):
        return None
    if not place and len(brand) < 3:
        return None
    if not place and text.count(brand) < 2 and not (len(brand) >= 4 and tag_of(Tokens(brand).words[-1]) in _BRAND_TAGS):
        # (a brand ending in a word jieba does not know names itself: 甲乙丙科6万立方米…)
        core = next((brand[:-len(d)] for d in DESCRIPTORS if brand.endswith(d)), "")
        if len(core) < 2 or core in lx.INDUSTRY_TERMS or core in lx.GENERIC_MODIFIERS or tag_of(core) in _COMMON_WORD \
                or any(r.start == project.start and r.end == project.start + len(core) for r in regions):
            return None
    company = Mention("Company", head, project.start, project.start + q, rule="owner-before-output", confidence=0.7)
    rest = dataclasses.replace(project, text=name[q:], start=project.start + q, name="")
    return company, rest


# what follows a place's unknown word when that word is a place of its own (甲乙镇, 甲乙园区)
_PLACE_AFTER = ("镇", "乡", "村", "街", "县", "区", "新区", "市", "旗", "园", "港", "湾", "城", "岛", "山", "湖", "河")


def owner_before_product(project: Mention, regions: list[Mention]) -> tuple[Mention, Mention] | None:
    """上海甲乙风力发电设备…项目, 浙江丙丁戊市新经济产业园项目: a project whose name opens with a
    place and then a word jieba does not know (a brand) is that company's (place + brand), the
    rest naming the project; return (company, project without it), or None. A joint venture's
    name (甲乙-丙丁…项目) is the project's own."""
    name = project.text
    at = project.start
    while True:   # the places the name opens with (湖南长沙…)
        nxt = [r for r in regions if r.start == at and r.end <= project.end]
        if not nxt:
            break
        if any(r.level not in ("Province", "City") for r in nxt):
            return None   # 甲县乙丙…项目: a county's project is named after its place (the guide's gold)
        at = max(r.end for r in nxt)
    place = at - project.start or len(leading_province(name))
    if not place:
        return None
    words = Tokens(name[place:]).words
    if len(words) < 2:
        return None
    brand = words[0]
    rest = name[place + len(brand):]
    if not 2 <= len(brand) <= 4 or tag_of(brand) not in _BRAND_TAGS or len(rest) < 4 \
            or rest.startswith(_PLACE_AFTER + ("-", "—", "·")) or any(r.start == project.start + place for r in regions) \
            or not all("\u4e00" <= ch <= "\u9fff" for ch in brand):
        return None
    n = place + len(brand)
    company = Mention("Company", name[:n], project.start, project.start + n, rule="owner-before-product", confidence=0.65)
    return company, dataclasses.replace(project, text=rest, start=project.start + n, name="")


_NATIONAL = ("中国", "中华", "全国", "国家", "国际")


def owner_before_place(project: Mention, regions: list[Mention]) -> tuple[Mention, Mention] | None:
    """甲乙丙市康养社区项目, 丁戊（己市）NGWh动力电池项目: a brand of two to four characters
    before a place that the project's name holds is its owner's; return (company, project without
    it, and without the place when bracketed), or None. Unbracketed, the brand must be a word
    jieba does not know or reads as a name (新建太原… opens with a verb)."""
    name = project.text
    for r in regions:
        k = r.start - project.start
        bracketed = k > 0 and name[k - 1:k] in ("（", "(")
        brand = name[:k - 1] if bracketed else name[:k]
        if not (2 <= len(brand) <= 4 and r.end < project.end - 3) or not all("\u4e00" <= ch <= "\u9fff" for ch in brand):
            continue
        if any(x.start == project.start for x in regions) or _NOT_OWNER.search(brand) or brand in lx.GENERIC_MODIFIERS \
                or brand.startswith(_NATIONAL):   # 中国（甲市）…交易中心: the country's, no owner
            return None
        tag = tag_of(brand)
        if not (tag in _BRAND_TAGS or (bracketed and tag not in _COMMON_WORD and not tag.startswith("v"))):
            return None
        rest = k
        if bracketed:
            close = name.find("）" if name[k - 1] == "（" else ")", k)
            if close < 0 or close > k + len(r.text) + 1:
                return None
            rest = close + 1
        if len(name) - rest < 6:
            return None   # 甲乙（丙市）数据中心: a bare facility type names no project alone (the guide)
        company = Mention("Company", brand, project.start, project.start + len(brand), rule="owner-before-place",
                          confidence=0.65)
        return company, dataclasses.replace(project, text=name[rest:], start=project.start + rest, name="")
    return None
