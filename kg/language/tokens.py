"""jieba tokens with part-of-speech tags, computed once per article and shared by the recognisers.

Segmentation is jieba's algorithm and dictionary run by jieba-rs (the `rjieba` binding): the same
tokens as `jieba.tokenize` (one difference in 21,000 tokens on the seeds, on a Latin run like
VGG-19) at about fifteen times the speed, which is what lets a build outrun plain `jieba.lcut`.
The tags come from jieba's dictionary file (a lookup, not the slower HMM tagger of jieba.posseg): a
word jieba made up from unknown characters gets the tag `x`, which the recognisers read as "a name
part".
"""
from __future__ import annotations

import array
import bisect
import importlib.util
import marshal
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

import rjieba

SEGMENTER = rjieba.Jieba()   # our own instance: words added here change no one else's jieba

# Government departments by their usual short names: jieba splits 住建厅 into 住|建厅 otherwise.
_DEPARTMENTS = ("住建", "工信", "科技", "财政", "商务", "农牧", "文旅", "教育", "民政", "人社", "自然资源", "生态环境",
                "交通运输", "统计", "税务", "公安", "应急管理", "市场监管", "林草", "能源", "水利", "审计", "医保",
                "司法", "外事", "国资", "发改", "卫健", "体育", "文化", "农业农村", "工商", "环保", "规划", "城管")
for _d in _DEPARTMENTS:
    for _head in ("厅", "局", "委"):
        SEGMENTER.add_word(_d + _head, 2000, "nt")

PUNCT = set("，。、；：？！“”‘’（）《》〈〉【】「」『』—…·,.;:?!()[]<>\"' \n\t\u3000■●□◆▲")
OPEN_BRACKETS = {"）": "（", ")": "("}


@dataclass(frozen=True)
class Token:
    word: str
    start: int
    end: int
    pos: str


def _dictionary() -> str:
    """The path of jieba's dictionary file (dict.txt ships with jieba)."""
    # only the location of the file: importing jieba itself costs a third of a second
    spec = importlib.util.find_spec("jieba")
    assert spec is not None and spec.submodule_search_locations, "jieba (a dependency) is not installed"
    return os.path.join(spec.submodule_search_locations[0], "dict.txt")


@lru_cache(maxsize=1)
def _tags() -> dict[str, str]:
    """word → part-of-speech tag for every word of jieba's dictionary."""
    table = _read_dictionary(_dictionary(), "jieba-tags-v1", _parse_tags)
    for d in _DEPARTMENTS:
        for head in ("厅", "局", "委"):
            table[d + head] = "nt"
    return table


@lru_cache(maxsize=1)
def char_frequencies() -> dict[str, int]:
    """character → the summed frequencies of jieba's dictionary words that hold it: how common
    the character is in Chinese text, for ordering lookups most common first."""
    return _read_dictionary(_dictionary(), "jieba-chars-v1", _parse_char_frequencies)


def _parse_tags(lines: list[str]) -> dict[str, str]:
    table = {}
    for line in lines:
        word, _, tag = line.split(" ")
        table[word] = sys.intern(tag)
    return table


def _parse_char_frequencies(lines: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in lines:
        word, count, _ = line.split(" ")
        freq = int(count)
        for ch in word:
            counts[ch] = counts.get(ch, 0) + freq
    return counts


def _cache_dir() -> str:
    return os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "kg")


def _read_dictionary(path: str, name: str, parse) -> dict:
    """A table made by `parse` from the lines of dict.txt, kept as a marshal file in the user's
    cache directory.

    Parsing the 350,000 lines of dict.txt costs a third of a second (the tag table) or more in
    every process; loading the marshalled table (its few dozen tags interned, so stored once) a
    third of that. The cache is keyed by the dictionary's size and mtime, and is only a shortcut:
    when it cannot be read or written, dict.txt is read as before.
    """
    try:
        st = os.stat(path)
        cached = os.path.join(_cache_dir(), f"{name}-{st.st_size}-{st.st_mtime_ns}.marshal")
    except OSError:
        cached = None
    if cached:
        try:
            with open(cached, "rb") as fh:
                table = marshal.loads(fh.read())   # marshal.load(fh) reads in small pieces: slower
            if isinstance(table, dict):
                return table
        except (OSError, EOFError, ValueError, TypeError):
            pass
    with open(path, encoding="utf-8") as fh:
        table = parse(fh.read().splitlines())
    if cached:
        tmp = f"{cached}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(cached), exist_ok=True)
            with open(tmp, "wb") as fh:
                marshal.dump(table, fh)
            os.replace(tmp, cached)   # atomic: a concurrent reader sees the whole file or none
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return table


def is_dictionary_word(word: str) -> bool:
    """Whether jieba's dictionary knows `word` (as an ordinary word, not a name it made up)."""
    return word in _tags()


@lru_cache(maxsize=1 << 16)
def tag_of(word: str) -> str:
    """The part-of-speech tag of a jieba word (memoised: a text repeats its words, and the
    recognisers ask about the same few thousand over and over)."""
    if word in PUNCT or (len(word) > 1 and PUNCT.issuperset(word)):
        return "w"
    if word.isascii() and word.strip().isdigit():
        return "m"
    if word.isascii():
        return "eng" if any(ch.isalnum() for ch in word) else "w"
    return _tags().get(word, "x")


# an organisation's one-character head glued to its head's title (经济和信息化局局长 → 局|局长)
_GLUED_TITLE = re.compile(r"([局厅院所校站社馆行处科部台])\1长")


def _unglue_titles(words: list[str]) -> list[str]:
    """jieba reads 局局长 as one word, hiding the name's head (甲县经济和信息化局|局长): split it."""
    out = []
    for w in words:
        if _GLUED_TITLE.fullmatch(w):
            out += [w[0], w[1:]]
        else:
            out.append(w)
    return out


class Tokens:
    """The tokens of one text, with lookups by character offset.

    A `Token` (with its tag) is made only when a recogniser looks at it: most tokens of a text are
    never looked at, and making them all cost more than segmenting.
    """

    def __init__(self, text: str):
        self.text = text
        # jieba-rs's tokenize is cut plus running offsets (its words cover the text end to end):
        # summing the lengths here is cheaper than its list of (word, start, end) tuples
        self.words = SEGMENTER.cut(text)
        if "长" in text and _GLUED_TITLE.search(text):
            self.words = _unglue_titles(self.words)
        self.ends = list(accumulate(map(len, self.words)))
        self.starts = [0, *self.ends[:-1]] if self.ends else []
        self._made: dict[int, Token] = {}
        self._ending: dict[int, int] | None = None

    def __getstate__(self):
        """Pickled as the token ends alone (4 bytes a token): the words are slices of the text."""
        return {"text": self.text, "ends": array.array("i", self.ends)}

    def __setstate__(self, state):
        self.text, self.ends = state["text"], state["ends"].tolist()
        self.starts = [0, *self.ends[:-1]] if self.ends else []
        self._made, self._ending = {}, None

    def __getattr__(self, name):
        """`words` of unpickled tokens, cut from the text when first asked for: pass 2 reads the
        token boundaries and few words, and cutting them all cost a tenth of that pass."""
        if name == "words":
            self.words = [self.text[s:e] for s, e in zip(self.starts, self.ends)]
            return self.words
        raise AttributeError(name)

    def __len__(self):
        return len(self.ends)

    def __getitem__(self, i) -> Token:
        t = self._made.get(i)
        if t is None:
            if i < 0:
                return self[i + len(self.ends)]
            start, end = self.starts[i], self.ends[i]
            w = self.text[start:end]   # (not self.words: unpickled tokens cut those on demand)
            t = self._made[i] = Token(w, start, end, tag_of(w))
        return t

    def pos(self, i: int) -> str:
        """Token i's tag, without making its `Token` (what the name walk asks about most)."""
        return tag_of(self.words[i])

    def index_at(self, offset: int) -> int:
        """Index of the token that contains character `offset`."""
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def is_boundary(self, offset: int) -> bool:
        """Whether a token starts (or the text ends) at `offset`."""
        if offset >= len(self.text) or offset <= 0:
            return True
        i = bisect.bisect_left(self.starts, offset)
        return i < len(self.starts) and self.starts[i] == offset

    def ends_at(self, offset: int) -> bool:
        """Whether a token ends (or the text starts or ends) at `offset`."""
        if offset >= len(self.text) or offset <= 0:
            return True
        i = bisect.bisect_left(self.ends, offset)
        return i < len(self.ends) and self.ends[i] == offset

    def span_at(self, offset: int) -> tuple[int, int]:
        """(start, end) of the token holding character `offset`; a character jieba skipped is its own."""
        i = bisect.bisect_right(self.starts, offset) - 1
        if i >= 0 and offset < self.ends[i]:
            return self.starts[i], self.ends[i]
        return offset, offset + 1

    def index_ending_at(self) -> dict[int, int]:
        """Offset → index of the token that ends there (made once)."""
        if self._ending is None:
            self._ending = dict(zip(self.ends, range(len(self.ends))))
        return self._ending

    def indices_ending_in(self, chars: re.Pattern) -> list[int]:
        """Indices of the tokens whose last character matches the one-character pattern `chars`."""
        ending = self.index_ending_at()
        return [ending[m.end()] for m in chars.finditer(self.text) if m.end() in ending]
