"""Extraction of one article, in two passes.

Pass 1 (`recognise`) finds what names itself: regions from the gazetteer, organisations, parks and
projects by their heads. Between the passes the pipeline gathers every full company name of the
corpus, so that pass 2 (`extract`) can find the same companies by their short names, then people,
industries, anaphora, quantities and the relations between them all.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from kg.extract.coref import find_anaphora
from kg.extract.industries import find_industries, industry_name, named_industry
from kg.extract.names import find_bare_bodies, find_listed_projects, find_names, tidy
from kg.extract.people import find_people, titled
from kg.extract.quantities import find_quantities, quantity_props
from kg.extract.relations import Context, extract_relations, heading_end, mentions_by_sentence
from kg.extract.shortnames import (ShortNames, find_listed_companies, owner_before_output, owner_before_place,
                                   owner_before_product)
from kg.extract.spans import Spans
from kg.extract import tagger
from kg.language.tokens import Tokens
from kg.gazetteer import Gazetteer
from kg.model import Article, ArticleExtraction, Fact, Mention, NameEvidence, Sentence

START = attrgetter("start")   # sort keys, made once (a lambda is called per element)
FULL_NAME_ENDS = ("公司", "集团")   # what a full company name the tagger found ends with

# Words that stand for the article's own province or city (自治区党委, 首府经济, 我市…).
LOCAL_WORDS = {"自治区": "Province", "全区": "Province", "我区": "Province", "首府": "Capital", "省会": "Capital",
               "我市": "City", "全市": "City", "本市": "City"}


# 甲省日报, 乙新闻网, 丙广播电视台: a region inside a media outlet's name is no mention (the guide)
MEDIA = re.compile(r"(?:日报|晚报|新闻网|新闻|电视台|广播电视台|卫视|商报)")
STREET = re.compile(r"[东西南北中]?(?:大街|街|路|大道|巷|胡同|小区|社区)")


@dataclass
class FirstPass:
    article: Article
    tokens: Tokens
    regions: list[Mention]        # every region mention, also those inside names
    names: list[Mention]          # organisations, parks, projects (outermost)
    inner: list[Mention]          # names nested in other names

    listed: list[Mention] = field(default_factory=list)   # companies named bare before 等N家企业
    tagged: list[Mention] = field(default_factory=list)   # people and industries the tagger found

    def company_names(self) -> dict[str, set[str]]:
        """Full company names → the region forms written inside them (for short forms)."""
        out = {}
        for m in self.names:
            if m.label == "Company" and (m.name_evidence is NameEvidence.SUFFIX or (
                    m.name_evidence is NameEvidence.TAGGER and m.name.endswith(FULL_NAME_ENDS))):
                out[m.name] = {r.text for r in self.regions if m.start <= r.start and r.end <= m.end}
        return out

    def bare_company_names(self) -> set[str]:
        """Company names with no suffix the article vouches for; other articles may use them too."""
        return {m.name for m in self.listed}


def recognise(article: Article, gazetteer: Gazetteer | None = None, tokens: Tokens | None = None) -> FirstPass:
    """Pass 1 over one article; `tokens`: its text's tokens, if the caller has made them."""
    return recognise_all([article], gazetteer, None if tokens is None else [tokens])[0]


def recognise_all(articles: list[Article], gazetteer: Gazetteer | None = None,
                  tokens: list[Tokens] | None = None) -> list[FirstPass]:
    """Pass 1 over the articles of one file: the rules read each article, then the tagger reads
    them all in one batch (its cost is mostly per call, and a page holds dozens of articles)."""
    gazetteer = gazetteer or Gazetteer.default()
    toks = tokens if tokens is not None else [Tokens(a.text) for a in articles]
    ruled = [rule_names(a, gazetteer, t) for a, t in zip(articles, toks)]
    tagged: list[list[Mention]] = [[] for _ in articles]
    if tagger.available():
        found = tagger.tag_all([(a.text, t, regions, rule_hints(a.text, names))
                                for a, t, (regions, names, _) in zip(articles, toks, ruled)])
        tagged = [[Mention(label, a.text[s:e], s, e, rule="tagger", name_evidence=NameEvidence.TAGGER)
                   for s, e, label in spans]
                  for a, spans in zip(articles, found)]
    out = []
    for a, t, (regions, names, inner), mine in zip(articles, toks, ruled, tagged):
        if mine:
            names = _arbitrate(names, [m for m in mine if m.label in NAME_LABELS])
        names = tidy(_districts_are_regions(names, regions), a.text)
        bare = find_bare_bodies(a.text, t, names + regions)
        if bare:
            names = sorted(names + bare, key=START)
        listed = tidy(find_listed_companies(a.text, t, names + regions), a.text)
        projects = find_listed_projects(a.text, names + listed)
        if projects:
            names = sorted(names + projects, key=START)
        out.append(FirstPass(a, t, regions, names, inner, listed,
                             [m for m in mine if m.label not in NAME_LABELS]))
    return out


def rule_names(article: Article, gazetteer: Gazetteer, toks: Tokens) -> tuple[list[Mention], list[Mention], list[Mention]]:
    """(regions, names, inner) as the rules find them: the gazetteer's regions and parks, and the
    names read off their heads (kg.extract.names)."""
    text = article.text
    found = gazetteer.find(text, toks)
    if article.place:
        found = gazetteer.disambiguate(found, [article.place])
    # 包头大街, 鄂尔多斯西街, 海拉尔东街: streets named after places are not those places
    regions = [m for m in found if m.label == "Region" and not STREET.match(text, m.end)
               and not MEDIA.match(text, m.end)]
    regions = _not_in_another_city(regions)
    gazetteer_parks = [m for m in found if m.label == "IndustrialPark"]
    names, inner = find_names(text, toks, regions)
    for p in gazetteer_parks:  # a park the code list knows: keep it unless a longer name holds it
        same = [n for n in names if (n.start, n.end) == (p.start, p.end)]
        if same:
            same[0].label = "IndustrialPark"
            # the code list's adcode and city
            same[0].adcode, same[0].level, same[0].candidates = p.adcode, p.level, p.candidates
        elif not any(n.start <= p.start and p.end <= n.end for n in names):
            names.append(p)
    names.sort(key=START)
    return regions, names, inner


def _not_in_another_city(regions: list[Mention]) -> list[Mention]:
    """苏州古城区: a county-level name written right after a city it does not belong to is an area
    of that city named like a county elsewhere (丽江's 古城区), no mention of that county."""
    out = []
    for i, r in enumerate(regions):
        before = regions[i - 1] if i else None
        if before is not None and before.end == r.start and before.level == "City" and r.level == "County" \
                and r.adcode and before.adcode and not r.adcode.startswith(before.adcode[:4]):
            continue
        out.append(r)
    return out


def _districts_are_regions(names: list[Mention], regions: list[Mention]) -> list[Mention]:
    """上海市浦东新区 is a district, not a park: a 'park' that ends with a region named like one
    (the guide: 新区 is a Region where it is a county-level district) is no park."""
    ends = {r.end for r in regions if r.text.endswith("区") and r.level == "County"}
    if not ends:
        return names
    return [m for m in names if not (m.label == "IndustrialPark" and m.end in ends
                                     and any(r.end == m.end and r.start >= m.start for r in regions))]


def rule_hints(text: str, names: list[Mention]) -> list[Mention]:
    """What the rules propose, as the tagger reads it: their names and their people."""
    return names + find_people(text, [m for m in names if m.label in ("Company", "Institution")])


NAME_LABELS = ("Company", "Institution", "IndustrialPark", "Project")


def _arbitrate(names: list[Mention], tagged: list[Mention]) -> list[Mention]:
    """The tagger has read the rules' names (as features) and decides: its names stand, a rule's
    name that it tagged the same way keeps the rule's mention (and what the rule knew, such as a
    park's code), a rule's name it overlapped differently goes, and one it left alone stays."""
    by_span = {(m.start, m.end): m for m in names}
    registered = {m.end: m for m in names if m.label == "Company" and m.rule.endswith(("有限公司", "有限责任公司"))}
    out = []
    for t in tagged:
        same = by_span.get((t.start, t.end))
        longer = registered.get(t.end) if t.label == "Company" else None
        if same is not None:
            same.label = t.label
            out.append(same)
        elif longer is not None and longer.start < t.start:
            # a registered name read whole off its suffix (甲市乙丙光电有限公司): the tagger's
            # shorter reading cuts its place or brand; what stands before it goes in tidy
            out.append(longer)
        else:
            out.append(t)
    taken = Spans.of(tagged)
    projects = [t for t in out if t.label == "Project"]
    out += [m for m in names if not taken.overlaps(m.start, m.end) or (m.label == "IndustrialPark" and any(
        _opens_project(m, p) for p in projects))]
    return sorted(out, key=START)


# what follows a park in the name of the project of building it (甲产业园二期项目, 甲产业园建设项目)
_PARKS_OWN_PROJECT = re.compile(r"(?:[一二三四五六七八九十]期|建设|扩建|新建|基地)*(?:项目|工程)")


def _opens_project(park: Mention, project: Mention) -> bool:
    """Whether a park opens a project's name that runs on with more than its own building
    (甲陆港区国际粮油交易中心项目): the park is an entity as well (kg.extract.names)."""
    return park.start == project.start and park.end < project.end and not _PARKS_OWN_PROJECT.fullmatch(
        project.text[park.end - project.start:])


def _with_tagged(names: list[Mention], tagged: list[Mention]) -> list[Mention]:
    """The rules' names plus the tagger's where no rule found a name (a rule's name, read off a
    suffix, wins an overlap)."""
    taken = Spans.of(names)
    extra = [m for m in tagged if not taken.overlaps(m.start, m.end)]
    return sorted(names + extra, key=START) if extra else names


def _focus(regions: list[Mention], article: Article) -> dict[str, Mention]:
    """The article's main region of each level: named in the title or the dateline, else named more
    than once (a city named once in passing, 借鉴上海、深圳等地经验, is not what the article is about).

    `Capital` is the provincial capital, what 首府 and 省会 stand for: China's adcodes number the
    capital first (the 0100 city of each province).
    """
    gazetteer = Gazetteer.default()
    focus: dict[str, Mention] = {}
    counts = Counter(m.name for m in regions)
    local = {level for word, level in LOCAL_WORDS.items() if word in article.text}
    for level in ("Province", "City", "County"):
        here = [m for m in regions if m.level == level]
        if not here:
            continue
        # the headline may stand apart from the text on the page: look for the name in it
        named = [m for m in here if m.text in article.title or (article.place and article.place in m.text)]
        best = named[0] if named else max(here, key=lambda m: (counts[m.name], -m.start))
        if named or counts[best.name] >= 2 or level in local:
            focus[level] = best
    if "Province" not in focus and "City" in focus:
        parent = gazetteer.parent_chain(focus["City"].adcode)
        if parent:
            focus["Province"] = _implicit(parent[-1])
    if "Province" in focus:
        capital = gazetteer.get(focus["Province"].adcode[:2] + "0100")
        if capital is not None:
            named = [m for m in regions if m.adcode == capital.adcode]
            focus["Capital"] = named[0] if named else _implicit(capital)
            if "City" not in focus and "首府" in article.text:
                focus["City"] = focus["Capital"]  # an article about 首府 says 全市 of it
    return focus


_LEVEL_ORDER = {"County": 0, "City": 1, "Province": 2}


def _topic(text: str, mentions: list[Mention], regions: Sequence[Mention] = ()) -> Mention | None:
    """The place the article is about: the park its heading (first line, else first sentence)
    names, else the most specific region named there, else the region a name there holds
    (湖北省政府与9家央企签订战略合作协议: 湖北省)."""
    stop = heading_end(text)
    here = [m for m in mentions if m.end <= stop and not m.coref and m.label in ("IndustrialPark", "Region")
            and not m.implicit]
    parks = [m for m in here if m.label == "IndustrialPark"]
    if parks:
        return parks[0]
    named = [m for m in here if m.level in _LEVEL_ORDER]
    if not named:
        bodies = [m for m in mentions if m.label == "Institution" and m.end <= stop and not m.coref]
        named = [m for m in regions if m.end <= stop and m.level in _LEVEL_ORDER
                 and any(b.start <= m.start and m.end <= b.end for b in bodies)]
    return min(named, key=lambda m: (_LEVEL_ORDER[m.level], m.start)) if named else None


def _implicit(division) -> Mention:
    """A region the article is about without naming it (a mention of no text)."""
    return Mention("Region", division.name, 0, 0, rule="gazetteer-parent", name=division.name,
                   adcode=division.adcode, level=division.level, implicit=True)


def _local_mentions(text: str, tokens: Tokens, focus: dict[str, Mention], taken: list[Mention]) -> list[Mention]:
    out = []
    in_taken = None   # made at the first occurrence: most articles hold none of the words
    for word, level in LOCAL_WORDS.items():
        target = focus.get(level)
        if target is None or (target.implicit and level != "Capital"):
            continue
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            if in_taken is None:
                in_taken = Spans.of(taken)
            if tokens.is_boundary(start) and not in_taken.holds(start, start + 1):
                out.append(Mention("Region", word, start, end, rule="local-reference", confidence=0.6,
                                   name=target.name, coref=True, antecedent=target, adcode=target.adcode,
                                   level=target.level, candidates=target.candidates, implicit=target.implicit))
            start = text.find(word, end)
    return out


def extract(first: FirstPass, sentences: list[Sentence], short_names: ShortNames | None = None) -> ArticleExtraction:
    article, text, toks = first.article, first.article.text, first.tokens
    names = list(first.names)
    for i, m in enumerate(names):
        split = (owner_before_output(m, text, first.regions) or owner_before_product(m, first.regions)) \
            if m.label == "Project" else None
        if split:
            names[i] = split[1]
            names.append(split[0])
    if short_names is not None:
        for i, m in enumerate(names):
            # a known company's short form first (甲乙 of 甲乙人造板集团有限公司), else a brand before a place
            split = short_names.split_owner(m) if m.label == "Project" else None
            if split is None and m.label == "Project":
                split = owner_before_place(m, [r for r in first.regions if m.start < r.start < m.end])
                if split is not None:
                    _short_of_fuller(split[0], names)
            if split:
                names[i] = split[1]
                names.append(split[0])
        names += short_names.find(text, toks, names + first.regions)
        names.sort(key=START)
        for m in names:   # a short name the tagger found: the full names it stands for
            if m.name_evidence is NameEvidence.TAGGER and m.label == "Company" and short_names.owners.get(m.text):
                m.rule, m.name_evidence = "short-name", NameEvidence.SHORT_FORM
                m.full_names = tuple(sorted(short_names.owners[m.text]))
    if first.listed:
        taken = Spans.of(names)
        names += [m for m in first.listed if not taken.overlaps(m.start, m.end)]
    orgs = [m for m in names if m.label in ("Company", "Institution")]
    people = find_people(text, orgs)
    in_name = Spans.of(names)
    top_regions = [r for r in first.regions if not in_name.holds(r.start, r.end)]
    people = _with_tagged(people, [titled(text, m) for m in first.tagged if m.label == "Person"
                                   and not in_name.overlaps(m.start, m.end)])
    industries = find_industries(text, toks, names + top_regions + people)
    taken = Spans.of(names + top_regions + people + industries)
    for m in first.tagged:
        name = industry_name(m.text) if m.label == "Industry" and not taken.overlaps(m.start, m.end) else None
        if name:
            m.name = name
            industries.append(m)
    # a park named after an industry: the industry, inside the park's name, for the park's fact
    named = []
    for m in names:
        if m.label == "IndustrialPark" and not m.coref:
            ind = named_industry(m, text, toks, first.inner + first.regions)
            if ind is not None:
                m.industry = ind
                named.append(ind)
    entities = _outside_credits(text, sorted(names + top_regions + people + industries, key=START))
    anaphora = find_anaphora(text, entities)
    focus = _focus(first.regions, article)
    local = _local_mentions(text, toks, focus, entities + anaphora)
    mentions = sorted(entities + anaphora + local, key=START)
    _attach_quantities(text, mentions, sentences)
    ctx = Context(text, mentions, first.inner, first.regions, focus, _distinct(industries), _topic(text, mentions, first.regions))
    facts = extract_relations(ctx, sentences)
    mentions, facts = _without_unplaced_people(text, mentions, facts)
    parents = _parents_in_names(mentions, facts, sentences)
    # regions inside names are entities too (their facts were just read); they join the mentions
    top = {id(r) for r in top_regions}
    top_spans = {(r.start, r.end) for r in top_regions}   # (an equal region has the same span)
    inside = [r for r in first.regions
              if id(r) not in top and ((r.start, r.end) not in top_spans or r not in top_regions)]
    return ArticleExtraction(article, sentences, sorted(mentions + inside + named + parents, key=START), facts)


# a source line or a credit (来源：甲日报, （乙日报社记者 丙丁）): the outlet does not act in the article
_CREDIT = re.compile(r"(?:^|\n)[ \t\u3000]*(?:信息来源|来源|稿源|作者|编辑|责任编辑|责编|记者|通讯员|审核|校对|供稿)[:：][^\n]*"
                     r"|[（(][^）)\n]{0,30}(?:记者|通讯员|实习生|摄影)[^）)\n]{0,30}[）)]")


def _outside_credits(text: str, mentions: list[Mention]) -> list[Mention]:
    """The mentions not inside a source line or a credit (the guide: an outlet is an entity only
    when it acts in the body, not in a byline, source line or credit)."""
    credits = Spans((m.start(), m.end()) for m in _CREDIT.finditer(text))
    return [m for m in mentions if not credits.holds(m.start, m.end)] if credits.starts else mentions


# a head of government by title alone (副市长, 甲市市长): the guide's Person needs the 市政府 named
_GOVERNMENT_HEAD = re.compile(r"副?[省市区县旗州盟]长$")


def _without_unplaced_people(text: str, mentions: list[Mention], facts: list[Fact]) -> tuple[list[Mention], list[Fact]]:
    """Drop the people who hold no position in any organisation the article names: those titled
    only as a head of government (副市长张三, 甲市市长李四), as the manager of a park or project
    (甲物流园总经理), or with no title at all. The schema's Person is someone with a role in an
    organisation of the graph, and a title alone gives none (the annotation guide)."""
    placed = {id(f.subject) for f in facts if f.predicate == "HOLDS_POSITION"}
    named = {m.name for m in mentions if id(m) in placed}
    places = {m.end for m in mentions if m.label in ("Project", "IndustrialPark")}
    drop = {id(m) for m in mentions if m.label == "Person" and id(m) not in placed and m.name not in named and (
        m.title_start is None or m.title_end is None        # 甲乙表示 (the tagger's, no title)
        or _GOVERNMENT_HEAD.search(text, m.title_start, m.title_end)
        or m.title_start in places)}                        # 甲物流园总经理, 乙项目经理: no organisation
    if not drop:
        return mentions, facts
    return ([m for m in mentions if id(m) not in drop],
            [f for f in facts if id(f.subject) not in drop and id(f.object) not in drop])


# a group's unit named after it (甲乙集团苏州总部, 甲乙集团丙丁化工公司, 甲乙集团工程材料研究院有限公司)
_GROUP_UNIT = re.compile(r"^(.{2,10}?集团)(.{2,12}?)(?:分公司|有限公司|有限责任公司|公司|总部|厂|研究院)$")
_NO_UNIT = ("股份", "控股", "有限", "集团", "（", "(")   # (甲乙集团（深圳）有限公司 is the group registered there)


def _parents_in_names(mentions: list[Mention], facts: list[Fact], sentences: list[Sentence]) -> list[Mention]:
    """The group a company's name opens with (甲乙集团 of 甲乙集团苏州总部): an entity too, the company
    SUBSIDIARY_OF it (the guide: a company named parent + unit is its parent's). The facts are
    added to `facts`; the parents' mentions are returned (nested in the names, like their regions)."""
    held = {id(f.subject) for f in facts if f.predicate == "SUBSIDIARY_OF"}
    out: list[Mention] = []
    for m in mentions:
        if m.label != "Company" or m.coref or id(m) in held:
            continue
        unit = _GROUP_UNIT.match(m.text)
        if unit is None or unit.group(2).startswith(_NO_UNIT) or unit.group(2)[0] in "）)":
            continue   # (甲乙（集团）有限责任公司: the group itself)
        parent = Mention("Company", unit.group(1), m.start, m.start + len(unit.group(1)), rule="parent-in-name",
                         confidence=0.7)
        sentence = next((x for x in sentences if x.start <= m.start < x.end), None)
        if sentence is None:
            continue
        out.append(parent)
        facts.append(Fact(m, "SUBSIDIARY_OF", parent, "parent-in-name", 0.7, sentence))
    return out


def _short_of_fuller(brand: Mention, names: list[Mention]) -> None:
    """甲乙（丙市）…项目 beside 甲乙人造板集团有限公司: the brand is that company's short form."""
    fuller = sorted({n.name or n.text for n in names if n.label == "Company"
                     and (n.name or n.text).startswith(brand.text) and n.text != brand.text})
    if fuller:
        brand.rule, brand.name_evidence, brand.full_names = "short-name", NameEvidence.SHORT_FORM, tuple(fuller)


def _distinct(industries: list[Mention]) -> list[Mention]:
    seen, out = set(), []
    for m in sorted(industries, key=lambda m: -len(m.name)):
        if m.name not in seen:
            seen.add(m.name)
            out.append(m)
    return out


def _attach_quantities(text: str, mentions: list[Mention], sentences: list[Sentence]) -> None:
    """A quantity describes the nearest project (else company, else park) named before it in its sentence."""
    for s, inside in mentions_by_sentence(mentions, sentences, skip_empty=True):
        here = [m for m in inside if not m.coref and m.label in ("Project", "Company", "IndustrialPark")]
        if not here:
            continue
        for q in find_quantities(text[s.start:s.end]):
            props = quantity_props(q)
            if not props:
                continue
            at = s.start + q.start
            before = [m for m in here if m.end <= at] or here
            target = next((m for m in reversed(before) if m.label == "Project"), before[-1])
            for key, value in props.items():
                target.props.setdefault(key, value)
