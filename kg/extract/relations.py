"""Relation rules: each reads one sentence's mentions and the words between them.

Every rule has a name (it becomes the relation's `rule`) and a confidence that reflects how often
that pattern is right. Rules see anaphors (该公司) like names; resolution later maps them to the
entity they stand for. Facts inside names count: 包头市华远机械制造有限公司 is LOCATED_IN 包头市.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from kg.extract.names import park_key
from kg.extract.shortnames import DESCRIPTORS, LEGAL, brand, name_core
from kg.language.lexicon import INDUSTRY_TERMS
from kg.model import Fact, Mention, NameEvidence, Sentence

ORGS = ("Company", "Institution")
PLACES = ("IndustrialPark", "Region")
CLAUSE_END = "，。；：！？\n"
COOPERATION = ("合作", "共建", "携手", "签约", "签署", "签订", "联合", "协作", "对接", "共同", "联姻", "牵手", "结对")
OWNER_VERBS = ("投资", "建设", "启动", "实施", "推进", "打造", "开工", "承建", "运营", "投运", "承担", "兴建",
               "新建", "建成", "筹建", "布局", "开发")
LOCATE_VERBS = ("位于", "落户", "入驻", "坐落于", "坐落在", "扎根", "落地", "选址", "地处", "总部设在")
SERVE_VERBS = ("打造", "提供", "定制", "开发", "建设", "搭建", "研制", "供应")
NAMED = ("Company", "Institution", "IndustrialPark", "Project")

# The rules' patterns, compiled once (matched with pos/endpos rather than on slices of the text:
# a slice to the text's end copies the rest of the article at every call)
_UNDERTAKEN = re.compile(r"由([^，。；]{0,40}?)(?:承担|负责|投资|建设|承建|实施)[^，。；]{0,10}$")
_LIST_GAP = re.compile(r"[、和及与]|以及|[（(][^）)]*[）)][、和及与]?")
_BRACKET = re.compile(r"[（(][^）)]{1,12}[）)]")
_SENTENCE_END = re.compile(r"[。；]")
_JOINTLY = re.compile(r"联合|携手|牵手|协同")
# X与Y…, with an adverb between (X此次和Y签署…, X正式与Y…)
# what a title in a chain ends with (书记, 董事长, 主任, 市长…), and what no chain of titles holds
_TITLE_WORD = re.compile(r"书记|长|主任|主席|委员|常委|总监|总裁|经理|董事|总师|工程师|秘书")
_NOT_TITLE = re.compile(r"[的是在与和为将对了]")
# 市长, 副省长, 代省长, 甲市市长, 江西省副省长, 政府副旗长: the government of that level heads it
_HEAD_OF_GOVERNMENT = re.compile(r"(?:(?<![\u4e00-\u9fff])|(?<=[省市区县旗府]))(?:代|常务副|副)?([省市区县旗])长")
_WITH = re.compile(r"(?:此次|本次|今天|今日|近日|日前|正式|已经|已|将|拟|计划|还|也|分别|再次|共同|当天)?[与和同]")
# a heading about projects: the articles whose projects are where the article is (签约, 开工…)
_PROJECT_NEWS = re.compile(r"项目|签约|开工|投产|落地|招商|落户")
# 由X向Y提供…: X supplies Y
_SUPPLY_VERBS = ("提供", "供应", "供货", "销售", "出售", "交付", "配套")
_WORKS_FOR = re.compile(r"(?:将|已|还|也|正|均|主要|专门|积极|持续)*为")
_SERVICE = re.compile(r"(等[^，。；]{0,4}?(企业|公司|单位|机构))?(量身|专门|定制化?)?(" + "|".join(SERVE_VERBS) + ")")
_HELPS = re.compile(r"助力|服务于|服务")
_SUBSIDIARY_GAP = re.compile(r"(旗下|下属|所属)的?|的?(全资|控股)?子公司")
# what a parent's regional unit is called after the place (榆林化工公司, 苏州总部, 沧州分公司)
_UNIT = re.compile(r"[\u4e00-\u9fff]{0,6}(?:分公司|公司|总部|分厂|工厂|厂|基地)")
# a park's name opening a body's (甲县经开区|党工委, 乙市经济技术开发区（丙丁工业区）|管委会)
_PARK_HEAD = re.compile(r".{2,14}?(?:经济技术开发区|经济开发区|经开区|高新技术产业开发区|高新区|开发区|工业园区|"
                        r"产业园区|园区|新区|综合保税区)(?:[（(][^）)]{2,8}[）)])?")
# the words before a park's companies are listed (园区企业…, 园区内有一些航母级企业,如…, 园区的四家企业,…)
_PARK_FIRMS = re.compile(r"(?:园区|开发区|经开区|高新区|该区|园内|区内)(?:内|里)?(?:的|有)?(?:一些|一批|多家|众多)?"
                         r"[\u4e00-\u9fff]{0,4}?企业[，,：:]?(?:如|有|包括|像)?")
# 在X建设, 于X投资建设, 在X新建: where a project is built (X: the places, up to the verb)
_START_AT = re.compile(r"等(?:\d+|[一二三四五六七八九十多几数]+)个?项目[在于]([^，。；在于]{2,20}?)"
                       r"(?:集中|正式|同时|顺利)?(?:开工|签约|落地|落户|奠基|开建|投产)")
_BUILT_AT = re.compile(r"[在于]([^，。；在于]{2,20}?)(?:投资)?(?:新建|兴建|建设|打造|开工建设|布局)")
# the projects a list of companies stands for, landing (…等12个项目落地奠基, …等18个项目签约落户)
_LANDS = re.compile(r"等(?:\d+|[一二三四五六七八九十多几数]+)个?项目[^，。；]{0,8}?(?:落地|落户|入驻|进驻|开工|奠基)")
# titles only one kind of body has, with the endings of that kind's names
_TITLE_OF_KIND = (("校长", ("大学", "学院", "学校")), ("校党委书记", ("大学", "学院", "学校")),
                  ("院长", ("研究院", "医院", "科学院", "设计院")), ("行长", ("银行",)), ("所长", ("研究所",)))
_TRAILING_BRACKET = re.compile(r"[（(][^）)]*[）)]$")
_UNIT_BEFORE = re.compile(r"(?:公司|其|旗下)的?(?:全资|控股)子公司$")
_SUBSIDIARY_OF = re.compile(r"(是|为)([^，。；]{0,40}?)的?(全资|控股)?子公司")
_BRACKETED = re.compile(r"[（(][^）)]*[）)]")
# What a name may open with that is no brand: the nation, a business line (中国某讯 → 中国, 某省环保集团 → 环保)
_NATIONAL = ("中国", "中华", "国家", "全国")
# X（以下简称“Y”）: Y is X's own short name, not its parent
_ALIAS = re.compile(r"[（(](?:以下)?简称")
_NOT_BRANDS = frozenset(DESCRIPTORS) | INDUSTRY_TERMS
_CARRIER = re.compile(r"以(?:其|公司)?(?:全资|控股)?(?:子公司)?([^，。；]{2,40}?)(?:[（(][^）)]*[）)])?为(?:项目)?(?:实施|建设|运营)主体")
# what a place's leading industries are called (四大优势产业, 五大主导产业集群, 首位产业)
_LEADING_INDUSTRIES = re.compile(r"(?:优势|主导|支柱|特色|重点|首位|战略性新兴)产业")
# the narrower verbs that introduce a list of fields in a clause of its own
_FIELDS_LIST = re.compile(r"涵盖|涉及|覆盖|囊括|集中在|分布在")
_FIELDS_OF = re.compile(r"涵盖|涉及|覆盖|囊括|包括|集中在|分布在|聚焦|围绕|培育|壮大|做强|发展|打造|布局")


@dataclass
class Context:
    """What the rules of one article share: its text, mentions and the regions it is about."""

    text: str
    mentions: list[Mention]          # entities and anaphors, by start
    inner: list[Mention]             # names nested in others (not entities)
    regions: list[Mention]           # every region mention, inside names too
    focus: dict[str, Mention]        # level → the article's main Region mention of that level
    industry_names: list[Mention]    # one mention per distinct industry named in the article
    topic: Mention | None = None     # the place the article is about (see article._topic)

    # what several sentences' rules ask about, worked out once per article (see __post_init__)
    region_starts: list[int] | None = field(default=None, init=False, repr=False)
    companies: list[Mention] | None = field(default=None, init=False, repr=False)
    park_names: list[Mention] | None = field(default=None, init=False, repr=False)
    places_sorted: list[str] | None = field(default=None, init=False, repr=False)
    cores: dict[str, tuple[str, str]] = field(default_factory=dict, init=False, repr=False)
    brands: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    region_forms: set[str] | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        """Region starts for bisection, when the regions are sorted by start (as recognition
        leaves them); otherwise the rules scan them all."""
        starts = [r.start for r in self.regions]
        if all(a <= b for a, b in zip(starts, starts[1:])):
            self.region_starts = starts

    def regions_within(self, m: Mention) -> list[Mention]:
        """The regions inside m's span, in the list's order."""
        if self.region_starts is None:
            return [r for r in self.regions if m.start <= r.start and r.end <= m.end]
        lo = bisect.bisect_left(self.region_starts, m.start)
        hi = bisect.bisect_right(self.region_starts, m.end, lo)
        return [r for r in self.regions[lo:hi] if r.end <= m.end]

    def parks(self) -> list[Mention]:
        """The article's park names (not anaphors), made when a rule first asks."""
        if self.park_names is None:
            self.park_names = [m for m in self.mentions if m.label == "IndustrialPark" and not m.coref]
        return self.park_names

    def all_companies(self) -> list[Mention]:
        """The article's company names (not anaphors), made when a rule first asks."""
        if self.companies is None:
            self.companies = [m for m in self.mentions if m.label == "Company" and not m.coref]
        return self.companies

    def brand(self, name: str) -> str:
        """The brand a company name opens with (shortnames.brand), once per name and article."""
        b = self.brands.get(name)
        if b is None:
            b = self.brands[name] = brand(name, sorted(self.region_names()))
        return b

    def places_longest_first(self) -> list[str]:
        """The region forms, longest first (made once per article)."""
        if self.places_sorted is None:
            self.places_sorted = sorted(self.region_names(), key=len, reverse=True)
        return self.places_sorted

    def core(self, name: str) -> tuple[str, str]:
        """A company name's core (shortnames.name_core), once per name and article."""
        c = self.cores.get(name)
        if c is None:
            c = self.cores[name] = name_core(name, self.places_longest_first())
        return c

    def region_names(self) -> set[str]:
        """Every form of the article's regions (written and official), made when first asked."""
        if self.region_forms is None:
            self.region_forms = {f for r in self.regions for f in (r.text, r.name)}
        return self.region_forms


def _in(sentence: Sentence, m: Mention) -> bool:
    return sentence.start <= m.start and m.end <= sentence.end


def _between(text: str, a: int, b: int) -> str:
    return text[a:b] if a <= b else ""


def _clause_clear(text: str, a: int, b: int) -> bool:
    return not any(ch in CLAUSE_END for ch in _between(text, a, b))


def mentions_by_sentence(mentions: list[Mention], sentences: list[Sentence], skip_empty: bool = False):
    """Each sentence with its mentions (those inside it, in the list's order); `skip_empty`: only
    the sentences that hold some (what the rules read: most sentences hold none).

    Mentions sorted by start (as Context keeps them) are cut out by bisection; otherwise every
    mention is tested against every sentence.
    """
    starts = [m.start for m in mentions]
    if sorted(starts) != starts:
        for s in sentences:
            inside = [m for m in mentions if _in(s, m)]
            if inside or not skip_empty:
                yield s, inside
        return
    n = len(starts)
    for s in sentences:
        lo = bisect.bisect_left(starts, s.start)
        if skip_empty and (lo == n or starts[lo] > s.end):
            continue   # no mention starts in the sentence
        inside = [m for m in mentions[lo:bisect.bisect_right(starts, s.end, lo)] if m.end <= s.end]
        if inside or not skip_empty:
            yield s, inside


def extract_relations(ctx: Context, sentences: list[Sentence]) -> list[Fact]:
    facts: list[Fact] = []
    for s, ms in mentions_by_sentence(ctx.mentions, sentences, skip_empty=True):
        add = _adder(facts, s)
        # each rule reads mentions of a few labels: a sentence without them gives it nothing
        labels = {m.label for m in ms}
        if not labels.isdisjoint(NAMED):
            _names(ctx, s, ms, add)
        if not labels.isdisjoint(PLACES):
            _located(ctx, s, ms, add)
        if "Region" in labels and not labels.isdisjoint(("IndustrialPark", "Project")):
            _bracketed_place(ctx, s, ms, add)
        if "Company" in labels:
            _firms_of_park(ctx, s, ms, add)
            _listed_projects_land(ctx, s, ms, add)
        if "Project" in labels and not labels.isdisjoint(PLACES):
            _built_at(ctx, s, ms, add)
            _listed_projects_start_at(ctx, s, ms, add)
        if "IndustrialPark" in labels:
            _park_prefix(ms, add)
        if "Project" in labels:
            _develops(ctx, s, ms, add)
        if not labels.isdisjoint(ORGS):
            _cooperates(ctx, s, ms, add)
        if "Company" in labels:
            _serves(ctx, s, ms, add)
            _subsidiary(ctx, s, ms, add)
        if "Person" in labels:
            _positions(ctx, s, ms, add)
        if "Industry" in labels:
            _industries(ctx, s, ms, add)
    _projects_of_topic(ctx, facts, sentences)
    return [f for f in facts if f.subject is not f.object and f.subject.name != f.object.name]


def _projects_of_topic(ctx, facts, sentences):
    """A project no sentence places is in the place the article is about (某经开区重点项目巡礼,
    某市举行…项目签约活动: the projects it lists are there), read from the project's own sentence."""
    if ctx.topic is None or not _PROJECT_NEWS.search(ctx.text, 0, heading_end(ctx.text)):
        return
    placed = {id(f.subject) for f in facts if f.predicate == "LOCATED_IN"}
    for s, ms in mentions_by_sentence(ctx.mentions, sentences, skip_empty=True):
        for m in ms:
            if m.label == "Project" and not m.coref and id(m) not in placed:
                facts.append(Fact(m, "LOCATED_IN", ctx.topic, "project-in-topic-place", 0.5, s))


def heading_end(text: str) -> int:
    """Where an article's heading ends: its first line, or, when that line is short (a kicker, a
    dateline), the first sentence or the next line, whichever ends first."""
    line = text.find("\n")
    if line >= 15:
        return line
    ends = [i for i in (text.find("。"), text.find("\n", 15)) if i >= 0]
    return min(ends) if ends else len(text)


def _adder(facts: list[Fact], sentence: Sentence):
    """The `add` each rule calls: a fact read from `sentence`."""
    def add(subj, pred, obj, rule, conf):
        facts.append(Fact(subj, pred, obj, rule, conf, sentence))
    return add


def _names(ctx, s, ms, add):
    """Facts inside names: the region or park a name starts with or holds; parks within parks."""
    for m in ms:
        if m.coref or m.label not in ("Company", "Institution", "IndustrialPark", "Project"):
            continue
        inside = [r for r in ctx.regions_within(m) if (r.start, r.end) != (m.start, m.end)]
        park = _park_of_body(ctx, m) if m.label == "Institution" else None
        if park is not None:
            # 甲县经开区党工委, 乙市经开区管委会: a body named after a park the article names is the
            # park's (the most specific place its name gives)
            add(m, "LOCATED_IN", park, "body-of-park", 0.75)
        elif inside:
            # the last place named inside is the nearest: 甲市某中学乙市分校 is in 乙市
            add(m, "LOCATED_IN", inside[-1], "name-contains-region", 0.85)
        for p in ctx.inner:
            if p.label == "IndustrialPark" and m.start <= p.start and p.end <= m.end and m.label != "IndustrialPark":
                add(m, "LOCATED_IN", p, "name-contains-park", 0.75)
        if m.label == "IndustrialPark":
            for p in ms:
                if p.label == "IndustrialPark" and not p.coref and p.start == m.end:
                    add(p, "PART_OF", m, "park-within-park", 0.8)
            if m.industry is not None:     # 甲新区健康食品产业园 → 健康食品 (industries.named_industry)
                add(m, "IN_INDUSTRY", m.industry, "park-named-after-industry", 0.7)


def _park_of_body(ctx, m: Mention) -> Mention | None:
    """The park of the article whose name (by `park_key`) opens body m's name, if any."""
    head = _PARK_HEAD.match(m.text)
    if head is None or head.end() == len(m.text):
        return None
    key = park_key(_TRAILING_BRACKET.sub("", head.group()))
    return next((p for p in ctx.parks() if park_key(p.name) == key), None)


def _bracketed_place(ctx, s, ms, add):
    """甲经济技术开发区（乙区）, 丁戊（己市）NGWh动力电池项目: a region in brackets right after a park
    or project, or between a project's owner and its name, says where it is."""
    text = ctx.text
    for i, r in enumerate(ms):
        if r.label != "Region" or text[r.start - 1:r.start] not in ("（", "(") or text[r.end:r.end + 1] not in ("）", ")"):
            continue
        before = [m for m in ms[:i] if m.end == r.start - 1 and m.label in ("IndustrialPark", "Project")]
        after = [m for m in ms[i + 1:] if m.start == r.end + 1 and m.label == "Project"]
        for m in before or after:
            add(m, "LOCATED_IN", r, "bracketed-place", 0.7)


def _located(ctx, s, ms, add):
    text = ctx.text
    for i, place in enumerate(ms):
        if place.label not in PLACES:
            continue
        before = text[max(s.start, place.start - 4):place.start]
        if before.endswith("在") or before.endswith(LOCATE_VERBS):
            verb = "site" if before.endswith("在") else "verb"
            # the subject: the nearest entity before, in the same clause
            subj = [m for m in ms if m.end <= place.start and m.label in ("Company", "Institution", "Project")
                    and _clause_clear(text, m.end, place.start)]
            if not subj and verb == "verb":
                # 华为…项目，总投资15亿元，落地晋源区: the project the sentence opens with
                projects = [m for m in ms if m.label == "Project" and not m.coref and m.end <= place.start]
                if len(projects) == 1 and projects[0].start - s.start <= 8:
                    subj = projects
            if subj and verb == "verb":
                add(subj[-1], "LOCATED_IN", place, "located-verb", 0.75)
            elif subj and subj[-1].label == "Project":
                # 某项目在某开发区开工: the project is there (a company 在X建设 builds there; it is
                # not located there for that)
                add(subj[-1], "LOCATED_IN", place, "site-of-event", 0.65)
            elif not subj and place.label == "IndustrialPark" and before.endswith("在"):
                # 在某园区(某园区)，某项目…: the projects of the sentence are in the last park named (else its companies)
                last = place
                for nxt in ms[i + 1:]:
                    if nxt.label == "IndustrialPark" and nxt.start == last.end:
                        last = nxt
                    else:
                        break
                if text[last.end:last.end + 1] in ("，", ","):
                    # the projects there (the companies building them may be from anywhere), else
                    # the companies
                    after = [m for m in ms if m.start > last.end and not m.coref]
                    projects = [m for m in after if m.label == "Project"]
                    for m in projects or [m for m in after if m.label == "Company"]:
                        add(m, "LOCATED_IN", last, "in-park-opening", 0.65)


def _built_at(ctx, s, ms, add):
    """在宝鸡市金台区建设8万吨…项目, 于上海市浦东新区北蔡镇投资建设“…项目”: the project built
    at a place is there (the most specific place named there)."""
    text = ctx.text
    for p in ms:
        if p.label != "Project" or p.coref:
            continue
        verb = _BUILT_AT.search(text, max(s.start, p.start - 24), p.start)
        if verb is None or text[verb.end():p.start] not in ("", "“", "\"", "了"):
            continue
        places = [m for m in ms if m.label in PLACES and verb.start(1) <= m.start and m.end <= verb.end(1)]
        if places:
            add(p, "LOCATED_IN", places[-1], "built-at", 0.7)


def _listed_projects_start_at(ctx, s, ms, add):
    """甲项目、乙项目等11个项目在丙县集中开工: the listed projects are where they start (or are signed)."""
    text = ctx.text
    for at in _START_AT.finditer(text, s.start, s.end):
        places = [m for m in ms if m.label in PLACES and at.start(1) <= m.start and m.end <= at.end(1)]
        if not places:
            continue
        for p in _listed_before(text, ms, at.start(), "Project"):
            add(p, "LOCATED_IN", places[-1], "listed-projects-start-at", 0.65)


def _listed_before(text: str, ms, at: int, label: str) -> list:
    """The mentions of `label` listed (甲、乙、丙) right before offset `at`, last first."""
    listed = []
    for m in sorted((m for m in ms if m.end <= at), key=lambda m: -m.end):
        if m.end != at or m.label != label:
            break
        listed.append(m)
        at = m.start - 1
        if at < 0 or text[at] != "、":
            break
    return listed


def _listed_projects_land(ctx, s, ms, add):
    """甲乙实业、丙丁科技…等12个项目落地奠基, 四川甲乙新材料等18个项目签约落户: the companies
    standing for the projects that land are where the article is about."""
    if ctx.topic is None:
        return
    text = ctx.text
    for land in _LANDS.finditer(text, s.start, s.end):
        last = [m for m in ms if m.label == "Company" and m.end == land.start()]
        if last:
            for m in _orgs_before(ms, text, last[0]) + last:
                if m.label == "Company":
                    add(m, "LOCATED_IN", ctx.topic, "listed-projects-land", 0.6)


def _firms_of_park(ctx, s, ms, add):
    """园区企业甲乙金属、丙丁科技…, 园区内有一些航母级企业,如A、B…: the companies listed are in the
    park: the last one the sentence names before the words, else the park the article is about."""
    text = ctx.text
    for words in _PARK_FIRMS.finditer(text, s.start, s.end):
        firms = [m for m in _orgs_after(ms, text, words.end()) if m.label == "Company"]
        if not firms:
            continue
        parks = [m for m in ms if m.label == "IndustrialPark" and m.end <= words.start()]
        park = parks[-1] if parks else ctx.topic
        if park is None or park.label != "IndustrialPark":
            continue
        for m in firms:
            add(m, "LOCATED_IN", park, "firms-of-park", 0.7)


def _park_prefix(ms, add):
    """某高新区光伏玻璃项目: a project named right after a park is in that park."""
    for a, b in zip(ms, ms[1:], strict=False):
        if a.label == "IndustrialPark" and b.label == "Project" and a.end == b.start and not a.coref:
            add(b, "LOCATED_IN", a, "park-prefix", 0.75)


def _owner_before(text, ms, project):
    """The organisation written right before a project's name (its owner), if any."""
    if project.label != "Project":
        return None
    prev = [m for m in ms if m.end <= project.start and m.label in ORGS]
    if prev and (prev[-1].end == project.start or text[prev[-1].end:project.start] in ("的", "之")):
        return prev[-1]
    return None


def _develops(ctx, s, ms, add):
    text = ctx.text
    for i, p in enumerate(ms):
        if p.label != "Project" or p.coref:
            continue
        prev = [m for m in ms if m.end <= p.start and m.label in ORGS]
        owner = _owner_before(text, ms, p)
        if owner is not None:
            add(owner, "DEVELOPS", p, "owner-prefix", 0.85)
            continue
        by = _UNDERTAKEN.search(text, s.start, p.start) if s.start <= p.start else None
        if by:
            org = [m for m in prev if by.start(1) <= m.start < by.end(1)]
            if org:   # 由X和Y投资建设的Z: each of them
                for o in org:
                    add(o, "DEVELOPS", p, "undertaken-by", 0.8)
                continue
        lead = _CARRIER.search(text, s.start, s.end)
        if lead:   # 以（子公司）X为（项目）实施主体: X carries the sentence's project out
            carrier = [m for m in ms if m.label in ORGS and lead.start(1) <= m.start and m.end <= lead.end(1)]
            if carrier:
                add(carrier[-1], "DEVELOPS", p, "carried-out-by", 0.75)
                continue
        if prev and _clause_clear(text, prev[-1].end, p.start):
            gap = text[prev[-1].end:p.start]
            if any(v in gap for v in OWNER_VERBS) and len(gap) <= 30:
                add(prev[-1], "DEVELOPS", p, "owner-verb", 0.65)


def _orgs_after(ms, text, pos):
    """The organisations listed right after `pos` (B、C和D), up to the end of the clause."""
    out = []
    for m in ms:
        if m.start < pos or m.label not in ORGS:
            continue
        gap = text[pos:m.start]
        if out and not _LIST_GAP.fullmatch(gap):
            break
        if not out and len(gap) > 4:
            break
        out.append(m)
        pos = m.end
        close = _BRACKET.match(text, pos)
        if close:
            pos = close.end()
    return out


def _cooperates(ctx, s, ms, add):
    text = ctx.text
    far_side: set[int] = set()   # a party already on the far side of a 与 is no party of its own
    for m in ms:
        if m.label not in ORGS or id(m) in far_side:
            continue
        joined = _WITH.match(text, m.end, s.end) if m.end <= s.end else None
        if joined:
            far = _signed_with(ms, text, s, joined.end(), _orgs_before(ms, text, m) + [m], add,
                               "with-cooperate", 0.8, respectively="分别" in joined.group())
            far_side.update(id(p) for p in far)
    for verb in _JOINTLY.finditer(text, s.start, s.end):
        pos = verb.end()
        partners = _orgs_after(ms, text, pos)
        subj = [m for m in ms if m.end <= pos - len(verb.group()) and m.label in ORGS]
        if partners and subj:
            for p in partners:
                add(subj[-1], "COOPERATES_WITH", p, "jointly-with", 0.7)


def _signed_with(ms, text, s, pos, subjects, add, rule, conf, respectively=False) -> list:
    """The organisations listed at `pos` and a word of cooperation after them: every one of
    `subjects` (the parties listed before 与) with each, or, for 分别与, the two lists paired in
    order when they are equally long (the guide's signings). Returns those partners."""
    partners = _orgs_after(ms, text, pos)
    if not partners:
        return []
    tail = _SENTENCE_END.split(text[partners[-1].end:min(s.end, partners[-1].end + 30)])[0]
    if not any(w in tail for w in COOPERATION):
        return []
    if respectively and len(subjects) > 1:
        if len(subjects) == len(partners):
            for a, b in zip(subjects, partners):
                add(a, "COOPERATES_WITH", b, rule, conf)
        return partners
    for subj in subjects:
        for p in partners:
            add(subj, "COOPERATES_WITH", p, rule, conf)
    return partners


def _orgs_before(ms, text, m):
    """The organisations listed right before `m` (A、B和m), in the text's order."""
    out = []
    at = m.start
    for o in reversed(ms):
        if o.end > at or o.label not in ORGS:
            continue
        if not _LIST_GAP.fullmatch(text[o.end:at]):
            break
        out.append(o)
        at = o.start
    return out[::-1]


def _serves(ctx, s, ms, add):
    text = ctx.text
    for m in ms:
        if m.label != "Company":
            continue
        lead = _WORKS_FOR.match(text, m.end, s.end) if m.end <= s.end else None
        if lead:
            clients = _orgs_after(ms, text, lead.end())
            if clients and _SERVICE.match(text, clients[-1].end):
                for c in clients:
                    add(m, "SERVES", c, "provides-for", 0.75)
    for m in ms:   # 由X向Y提供…
        if m.label == "Company" and text[m.start - 1:m.start] == "由" and text.startswith("向", m.end):
            clients = _orgs_after(ms, text, m.end + 1)
            if clients and text.startswith(_SUPPLY_VERBS, clients[-1].end):
                for c in clients:
                    add(m, "SERVES", c, "supplies-to", 0.75)
    for verb in _HELPS.finditer(text, s.start, s.end):
        pos = verb.end()
        clients = _orgs_after(ms, text, pos)
        subj = [m for m in ms if m.end <= pos - len(verb.group()) and m.label == "Company"]
        if clients and subj:
            for c in clients:
                if c.label in ORGS:
                    add(subj[-1], "SERVES", c, "helps", 0.65)


def _subsidiary(ctx, s, ms, add):
    text = ctx.text
    comps = [m for m in ms if m.label == "Company" and not m.coref]
    for a in comps:
        for b in comps:
            if a is b or b.end > a.start:
                continue
            gap = text[b.end:a.start]
            if _SUBSIDIARY_GAP.fullmatch(gap):
                add(a, "SUBSIDIARY_OF", b, "subsidiary-phrase", 0.8)
    for a in comps:   # X发布公告…公司全资子公司Y: the parent is the company named before
        unit = _UNIT_BEFORE.search(text[max(s.start, a.start - 9):a.start])
        if unit:
            before = [b for b in comps if b.end <= a.start - len(unit.group())]
            if before and not _SUBSIDIARY_GAP.fullmatch(text[before[-1].end:a.start]):
                add(a, "SUBSIDIARY_OF", before[-1], "subsidiary-of-subject", 0.7)
    # 华远新能 beside 华远, 华远远景（内蒙古）… beside 天津华远生物科技有限公司: a company named by its
    # parent's brand and a unit of its own is that parent's
    for a in comps:
        ba = ctx.brand(a.name)
        for b in comps:
            bb = ctx.brand(b.name)
            if b.name != a.name and len(bb) >= 2 and len(ba) > len(bb) and ba.startswith(bb) \
                    and bb not in ctx.region_names() and bb not in _NOT_BRANDS and not bb.startswith(_NATIONAL) \
                    and not _ALIAS.match(text, a.end):
                add(a, "SUBSIDIARY_OF", b, "parent-brand-and-unit", 0.65)
                break
    # 曲靖甲乙锂能有限公司 beside 甲乙锂能, 国家甲乙集团榆林化工公司 beside 国家甲乙集团: a company named
    # by another of the article and a place (and unit) of its own is that company's
    for a in comps:
        for b in ctx.all_companies():
            if b.name != a.name and _regional_unit(a.name, b.name, ctx):
                add(a, "SUBSIDIARY_OF", b, "named-after-parent", 0.7)
                break
    for a in comps:
        m = _SUBSIDIARY_OF.match(text, a.end, s.end) if a.end <= s.end else None
        if m:
            parents = [b for b in comps if m.start(2) <= b.start < m.end(2)]
            if parents:
                add(a, "SUBSIDIARY_OF", parents[0], "subsidiary-phrase", 0.8)


def _regional_unit(a: str, b: str, ctx) -> bool:
    """Whether company name `a` is `b`'s name with a place of its own: `b` whole, then a place
    and/or a unit (国家甲乙集团 + 榆林化工公司, 丙丁集团 + 苏州总部), or `b`'s core with a place
    around it (曲靖 + 甲乙锂能 + 有限公司, 丙丁饮料 + （济南） + 有限公司)."""
    if len(b) >= 4 and a.startswith(b):
        rest = a[len(b):]
        place = next((f for f in ctx.places_longest_first() if rest.startswith(f) and len(f) >= 2), "")
        return bool(place) and _UNIT.fullmatch(rest[len(place):]) is not None
    core_b, extra_b = ctx.core(b)
    if len(core_b) < 3 or core_b not in a or a.endswith("股份有限公司"):
        return False   # (广东甲乙光电股份有限公司 is the listed company 甲乙光电 itself)
    core_a, extra_a = ctx.core(a)
    if core_a != core_b or extra_a or extra_b:
        return False
    # 内蒙古X有限公司 beside X有限公司 is one company named with and without its place; the place
    # makes a unit of a parent known by its short name (甲乙锂能), or written in brackets
    places = ctx.region_names()
    if b.endswith(LEGAL) and not any(f"（{f}）" in a or f"({f})" in a for f in places):
        return False
    return any(f in a and f not in b for f in places if len(f) >= 2)


def _positions(ctx, s, ms, add):
    text = ctx.text
    for p in ms:
        if p.label != "Person":
            continue
        left = p.start if p.title_start is None else min(p.start, p.title_start)
        # step over a coordination of people (张三教授与李四教授): the organisation precedes the first
        people = [q for q in ms if q.label == "Person" and q.end <= left]
        while people:
            q = people[-1]
            gap = text[q.end if q.title_end is None else max(q.end, q.title_end):left]
            if len(gap) <= 2 and all(ch in "与和及、" for ch in gap):
                left = q.start if q.title_start is None else min(q.start, q.title_start)
                people.pop()
            else:
                break
        orgs = [m for m in ms if m.label in ORGS and m.end <= left and left - m.end <= 12
                and _clause_clear(text, m.end, left)]
        if orgs:
            add(p, "HOLDS_POSITION", orgs[-1], "title-of-organisation", 0.8)
        # a chain of titles (某市委副书记、市长X; 党委书记、董事长X): every organisation the chain names,
        # and the government a bare 市长/省长/区长… heads
        start = _clause_start(text, s.start, left)
        chain = [m for m in ms if m.label in ORGS and start <= m.start and m.end <= left and not m.coref]
        # 甲局局长张三、乙委副主任李四: 李四's chain starts after 张三 where it names a body of its own
        # (甲公司董事长张三、总经理李四: 李四's is 张三's)
        after = max([start] + [m.end for m in ms if m.label == "Person" and m is not p and m.end <= left])
        if any(m.start >= after for m in chain):
            chain = [m for m in chain if m.start >= after]
        for o, nxt in zip(chain, chain[1:] + [None]):
            gap = text[o.end:nxt.start if nxt is not None else left]
            if (not orgs or o is not orgs[-1]) and 0 < len(gap) <= 16 and _TITLE_WORD.search(gap) \
                    and not _NOT_TITLE.search(gap):
                add(p, "HOLDS_POSITION", o, "title-chain", 0.75)
        if not orgs and not chain:
            # 校长张三, 副校长李四: a title only one kind of body has, and the article names one
            # body of that kind
            t_start = p.title_start if p.title_start is not None else p.start
            title = text[max(0, t_start - 1):p.title_end if p.title_end is not None else p.start]
            kind = next((k for t, k in _TITLE_OF_KIND if title.endswith(t)), ())
            for ending in kind:   # the university before its schools (甲大学, 乙丙学院)
                bodies = {m.name: m for m in ctx.mentions if m.label == "Institution" and not m.coref
                          and m.name.endswith(ending)}
                if bodies:
                    if len(bodies) == 1:
                        add(p, "HOLDS_POSITION", next(iter(bodies.values())), "title-of-its-kind", 0.65)
                    break
        head = _HEAD_OF_GOVERNMENT.search(text, start, p.start)
        if head and not _NOT_TITLE.search(text, head.end(), p.start):
            gov = _government(ctx, head.group(1))
            if gov is not None:
                add(p, "HOLDS_POSITION", gov, "head-of-government", 0.7)


def _clause_start(text: str, lo: int, hi: int) -> int:
    """Where the clause holding `hi` starts (after the last ，。；： before it), not before `lo`."""
    cut = max(text.rfind(c, lo, hi) for c in "，。；：,;:")
    return cut + 1 if cut >= 0 else lo


def _government(ctx, level: str):
    """The government a 市长/省长/区长/县长/旗长 heads: the article's 市政府 (or X市人民政府…) mention."""
    for m in ctx.mentions:
        if m.label == "Institution" and not m.coref and m.name.endswith((level + "政府", level + "人民政府")):
            return m
    return None


# 甲、乙等一批数字经济龙头企业, 甲、乙等5家新能源企业 / 新能源龙头企业丙: firms said to be of an industry
_LIST_BEFORE_KIND = re.compile(r"等(?:\d+|[一二三四五六七八九十多几数]+)?[家批个]?$")
_FIRMS_AFTER_KIND = re.compile(r"(?:产业|行业)?(?:龙头|骨干|领军|重点)?(?:企业|公司)")


def _firms_of_kind(text: str, ind, ms) -> list:
    """The companies the text calls firms of industry `ind`: those listed right before
    等…<ind>企业, or the one right after <ind>龙头企业."""
    kind = _FIRMS_AFTER_KIND.match(text, ind.end)
    if kind is None:
        return []
    after = [m for m in ms if m.start == kind.end() and m.label == "Company"]
    if after:
        return after
    lead = _LIST_BEFORE_KIND.search(text, max(0, ind.start - 6), ind.start)
    if lead is None:
        return []
    return _listed_before(text, ms, lead.start(), "Company")


def _industries(ctx, s, ms, add):
    text = ctx.text
    inds = [m for m in ms if m.label == "Industry"]
    if not inds:
        return
    subjects = [m for m in ms if m.label in ("Company", "Project", "IndustrialPark")]
    orgs_here = [m for m in ms if m.label in ORGS]
    for ind in inds:
        prev = [m for m in ms if m.end == ind.start and m.label == "Region"]
        if prev:
            add(prev[0], "IN_INDUSTRY", ind, "region-industry", 0.8)
            continue
        firms = _firms_of_kind(text, ind, ms)
        if firms:
            for c in firms:
                add(c, "IN_INDUSTRY", ind, "firms-of-industry", 0.7)
            continue
        if ind.name_evidence is NameEvidence.TOPIC:
            for c in subjects:
                if c.start > ind.end and c.label == "Company":
                    add(c, "IN_INDUSTRY", ind, "topic-companies", 0.7)
            continue
        if ind.name_evidence is NameEvidence.FIELD:
            subj = [m for m in subjects if m.end <= ind.start]
            if subj:
                add(subj[-1], "IN_INDUSTRY", ind, "field-of", 0.75)
            continue
        if not orgs_here:
            # 宁城县将持续壮大新能源…等产业: the region the sentence is about, else the article's
            named = [m for m in ms if m.label == "Region" and m.end <= ind.start and not m.implicit
                     and text[m.end:m.end + 1] not in ("、", "和", "与")]
            if named and named[0].start - s.start <= 8:
                add(named[0], "IN_INDUSTRY", ind, "policy-of-region", 0.55)
                continue
            # 此次签约项目涵盖X、Y等领域: the fields of the place the article is about
            if ctx.topic is not None and _FIELDS_OF.search(text, s.start, ind.start):
                add(ctx.topic, "IN_INDUSTRY", ind, "fields-of-topic-place", 0.55)
        elif ctx.topic is not None:
            # …签约项目包括A公司X项目等，涵盖X、Y等多个领域: the list's own clause says what it is, and
            # names no organisation of its own
            start = _clause_start(text, s.start, ind.start)
            if _FIELDS_LIST.search(text, start, ind.start) and not any(
                    start <= m.start < ind.start for m in orgs_here):
                add(ctx.topic, "IN_INDUSTRY", ind, "fields-of-topic-place", 0.55)
                continue
        # 甲市高新区“四大优势产业”，电子显示、…; 乙县经开区已经形成五大主导产业集群:以丙丁为龙头的汽车…:
        # the industries a place's leading industries are said to be
        places = [m for m in ms if m.label in PLACES and m.end <= ind.start and not m.implicit]
        if places:
            place = places[-1]
            between = text[place.end:ind.start]
            if len(between) <= 80 and _LEADING_INDUSTRIES.search(between) and not _SENTENCE_END.search(between):
                add(place, "IN_INDUSTRY", ind, "industries-of-place", 0.6)
