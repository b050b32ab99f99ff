"""jieba tokens with part-of-speech tags, computed once per article and shared by the recognisers.

The tags come from jieba's dictionary (a lookup, not the slower HMM tagger of jieba.posseg): a word
jieba made up from unknown characters gets the tag `x`, which the recognisers read as "a name part".
"""
from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

# Government departments by their usual short names: jieba splits 住建厅 into 住|建厅 otherwise.
_DEPARTMENTS = ("住建", "工信", "科技", "财政", "商务", "农牧", "文旅", "教育", "民政", "人社", "自然资源", "生态环境",
                "交通运输", "统计", "税务", "公安", "应急管理", "市场监管", "林草", "能源", "水利", "审计", "医保",
                "司法", "外事", "国资", "发改", "卫健", "体育", "文化", "农业农村", "工商", "环保", "规划", "城管")
for _d in _DEPARTMENTS:
    for _head in ("厅", "局", "委"):
        jieba.add_word(_d + _head, 2000, "nt")

PUNCT = set("，。、；：？！“”‘’（）《》〈〉【】「」『』—…·,.;:?!()[]<>\"' \n\t\u3000■●□◆▲")
OPEN_BRACKETS = {"）": "（", ")": "("}


@dataclass(frozen=True)
class Token:
    word: str
    start: int
    end: int
    pos: str


@lru_cache(maxsize=1)
def _tags() -> dict[str, str]:
    import jieba.posseg as posseg  # the tag table ships with jieba; loading it once is enough

    posseg.dt.initialize()
    return posseg.dt.word_tag_tab


def tag_of(word: str) -> str:
    if word in PUNCT or (len(word) > 1 and PUNCT.issuperset(word)):
        return "w"
    if word.isascii() and word.strip().isdigit():
        return "m"
    if word.isascii():
        return "eng" if any(ch.isalnum() for ch in word) else "w"
    return _tags().get(word, "x")


class Tokens:
    """The tokens of one text, with lookups by character offset."""

    def __init__(self, text: str):
        self.text = text
        self.items = [Token(w, s, e, tag_of(w)) for w, s, e in jieba.tokenize(text)]
        self.starts = [t.start for t in self.items]
        self.ends = [t.end for t in self.items]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i) -> Token:
        return self.items[i]

    def index_at(self, offset: int) -> int:
        """Index of the token that contains character `offset`."""
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def is_boundary(self, offset: int) -> bool:
        """Whether a token starts (or the text ends) at `offset`."""
        if offset >= len(self.text) or offset <= 0:
            return True
        i = bisect.bisect_left(self.starts, offset)
        return i < len(self.starts) and self.starts[i] == offset

    def as_triples(self) -> list[tuple[str, int, int]]:
        return [(t.word, t.start, t.end) for t in self.items]
