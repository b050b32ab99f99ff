"""The data that flows between the pipeline's stages: ingest → extract → resolve → graph → store/export.

Every stage reads these plain dataclasses and writes new ones; nothing reaches back upstream.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from operator import attrgetter


@dataclass
class Article:
    """One article of a source file, its text repaired for reading.

    `text` is the repaired text; `offsets[i]` is the position in the file's text (as decoded) of
    `text[i]`, with one extra entry for the end, so any span of `text` maps back to the file.
    """

    doc: str                      # the source file's name, as in the export's `doc`
    index: int                    # the article's number within its file, from 0
    text: str
    offsets: list[int]
    title: str = ""
    byline: str = ""
    place: str = ""               # from a dateline such as 本报鄂尔多斯12月27日电
    date: str = ""                # as the dateline gives it, e.g. "12月27日"

    def file_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of `text` to offsets in the file's text."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1

    @property
    def key(self) -> str:
        return f"{self.doc}#{self.index}"


@dataclass(slots=True)
class Sentence:
    """A sentence of an article: [start, end) in the article's repaired text."""

    start: int
    end: int
    text: str


class NameEvidence(Enum):
    """What kind of evidence made a mention's text a name, as the later stages need to know it.

    Set where the mention is made (a rule's name, in `Mention.rule`, is for people reading the
    rules; no stage compares it). Most mentions are `OTHER`.
    """

    OTHER = "other"
    SUFFIX = "suffix"            # read off an organisation's suffix (…有限公司, …研究院, …开发区): a full name
    SHORT_FORM = "short-form"    # a short form of full company names the corpus gives (in `full_names`)
    TAGGER = "tagger"            # the learned tagger's, no rule's
    FIELD = "field"              # an industry named as a field: 在X领域
    TOPIC = "topic"              # an industry a passage turns to: X方面，


@dataclass(slots=True)
class Mention:
    """One occurrence of an entity in an article's repaired text.

    `name` is the best name this mention alone gives (a region's official name, a company's name
    with brackets normalised); resolution merges mentions into nodes. The fields after `coref`
    are what a recogniser knows beyond the name, each set by the recognisers of some labels only
    and read by later rules and resolution; their defaults mean "not known".
    """

    label: str
    text: str                     # the surface form, text[start:end]
    start: int
    end: int
    rule: str                     # the rule that found it (for people; stages read `name_evidence`)
    confidence: float = 0.9
    name: str = ""                # normalised name; defaults to text
    props: dict = field(default_factory=dict)   # properties the entity takes (quantities)
    coref: bool = False           # an anaphor (该公司) standing for another mention; not a name
    name_evidence: NameEvidence = NameEvidence.OTHER   # what made it a name
    # Region and IndustrialPark mentions of the code list (kg.gazetteer):
    adcode: str = ""              # the division's adcode ("" for a mention the code list does not know)
    level: str = ""               # its level: Province, City, County (regions) or Park
    candidates: tuple[str, ...] = ()   # every adcode the name may stand for; the gazetteer chose `adcode`
    implicit: bool = False        # a region the article is about without naming it (no text: start == end)
    # anaphora (kg.extract.coref) and local references (我市, 全区): the mention it stands for
    antecedent: Mention | None = None
    # a company's short form (evidence SHORT_FORM, or a bare name some article listed): the full
    # names of the corpus it may stand for, sorted
    full_names: tuple[str, ...] = ()
    # a park named after an industry (甲新区健康食品产业园): that industry's mention
    industry: Mention | None = None
    # industries (kg.extract.industries):
    group: str = ""               # the enumeration it was listed in (enum0, enum1…): one list, one subject
    clause_end: int = -1          # where that enumeration's clause ends (after its 等…产业)
    alias: str = ""               # a name given beside it (在母乳低聚糖（HMOs）领域 → HMOs)
    # people (kg.extract.people): the title written next to the name, and where it stands
    title: str = ""
    title_start: int | None = None
    title_end: int | None = None

    def __post_init__(self):
        if not self.name:
            self.name = self.text

    def __reduce__(self):
        """Pickled as its field values in order, not slot by slot with their names: the build
        cache holds every mention of the corpus, and this halves their bytes and their time."""
        return (Mention, _mention_fields(self))


_mention_fields = attrgetter(*(f.name for f in fields(Mention)))


@dataclass(slots=True)
class Fact:
    """A relationship read from one sentence, between two mentions of one article."""

    subject: Mention
    predicate: str
    object: Mention
    rule: str
    confidence: float
    sentence: Sentence
    props: dict = field(default_factory=dict)


@dataclass
class ArticleExtraction:
    """What extraction found in one article."""

    article: Article
    sentences: list[Sentence]
    mentions: list[Mention]
    facts: list[Fact]
