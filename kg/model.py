"""The data that flows between the pipeline's stages: ingest → extract → resolve → graph → store/export.

Every stage reads these plain dataclasses and writes new ones; nothing reaches back upstream.
"""
from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(slots=True)
class Mention:
    """One occurrence of an entity in an article's repaired text.

    `name` is the best name this mention alone gives (a region's official name, a company's name
    with brackets normalised); resolution merges mentions into nodes.
    """

    label: str
    text: str                     # the surface form, text[start:end]
    start: int
    end: int
    rule: str
    confidence: float = 0.9
    name: str = ""                # normalised name; defaults to text
    props: dict = field(default_factory=dict)
    attrs: dict = field(default_factory=dict)   # recogniser-specific hints (adcode, level, title…)
    coref: bool = False           # an anaphor (该公司) standing for another mention; not a name

    def __post_init__(self):
        if not self.name:
            self.name = self.text


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
