"""A learned name recogniser: a character-level CRF that tags organisations, parks, projects,
people and industries with B/I/O labels.

Why a model: the suffix rules find names that end in 有限公司 or 开发区, but real news names most
companies by short names and brands (no suffix), parks by abbreviations and projects by what they
build. A CRF reads the same evidence a reader does (the characters, jieba's words and their tags,
the suffix and title vocabulary of `lexicon`, the regions the gazetteer found, what the rules
propose) and learns how they combine from annotated articles; it generalises to names it has never
seen because its features are about shape and context, not about particular names.

Why numbers, not strings: every feature is a 64-bit key computed for all characters at once with
numpy (template number in the top byte, the value below: a character's code point, two code points,
a word's CRC), and the model is a sorted key array with a weight row per key. Tagging a file's
articles is then a table or hash lookup per template of their feature values (`values_all`, the
keys without the template number), a sum and a Viterbi pass run over all their clauses side by
side (`Model`), which is what keeps the tagger within the build's speed budget (string features fed to CRFsuite cost twice
jieba's segmentation). Training still uses CRFsuite (`scripts/train_tagger.py`), on the same keys
written as hex strings, and `convert` turns its model into `kg/data/tagger.npz`; decoding a clause
here gives the labels CRFsuite gives (tested). Deterministic, CPU-only and offline.
"""
from __future__ import annotations

import bisect
import os
import re
import zlib
from itertools import chain
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from kg.language import lexicon
from kg.language.tokens import Tokens, tag_of
from kg.model import Mention

MODEL = Path(__file__).resolve().parent.parent / "data" / "tagger.npz"
LABELS = ("Company", "Institution", "IndustrialPark", "Project", "Person", "Industry")

# Lexicon classes a span of text can end with; the longest word wins where two end together.
_SUFFIX_CLASSES = sorted(
    [(w, "C") for w in lexicon.COMPANY_SUFFIXES] + [(w, "I") for w in lexicon.INSTITUTION_SUFFIXES]
    + [(w, "P") for w in lexicon.PARK_SUFFIXES] + [(w, "J") for w in lexicon.PROJECT_SUFFIXES]
    + [(w, "T") for w in lexicon.TITLES_BEFORE_NAME] + [(w, "N") for w in lexicon.INDUSTRIES]
    + [(w, "H") for w in lexicon.INDUSTRY_HEADS],
    key=lambda p: -len(p[0]))
_SUFFIX: dict[str, str] = {}
for _w, _c in _SUFFIX_CLASSES:
    _SUFFIX.setdefault(_w, _c)

# The feature templates, in the order of `keys`' rows; a key is (row << 56) | value.
TEMPLATES = ("c", "p1", "n1", "p1c", "cn1", "p2p1", "n1n2", "kp", "kn", "wt", "rg", "le", "ls",
             "lsn", "w", "h", "hpn", "sur", "tp")
_SHIFT = 56
_ABSENT = -1                  # a character without this feature (no word, no hint, no surname)
_PAD = ord("^")               # beyond either end of the text, as CRF feature templates usually pad
_PREFIXES = (np.arange(len(TEMPLATES), dtype=np.int64) << _SHIFT)[:, None]
_DENSE_LIMIT = 1 << 18        # templates whose values stay below this are looked up in a table

# Where the Viterbi pass may cut an article into clauses: no name runs across these (、 does:
# projects are named X、Y、Z项目; a comma between digits is a thousands separator).
CLAUSE_ENDS = "。！？；，;\n"

_CLAUSE_END = re.compile("[" + re.escape(CLAUSE_ENDS) + "]|,(?!\\d)")

# Character classes: digit, Latin letter, Han, brackets, quotes, separators, sentence ends, other.
_CLASS_OF = {"D": 1, "L": 2, "H": 3, "(": 4, ")": 5, "Q": 6, ",": 7, ".": 8, "O": 9}


@lru_cache(maxsize=1)
def _class_table() -> np.ndarray:
    """Class number of every BMP code point (one lookup per character, not a branch chain)."""
    t = np.full(0x10000, _CLASS_OF["O"], dtype=np.int64)
    t[ord("0"):ord("9") + 1] = t[ord("０"):ord("９") + 1] = _CLASS_OF["D"]
    t[ord("A"):ord("Z") + 1] = t[ord("a"):ord("z") + 1] = _CLASS_OF["L"]
    t[0x4E00:0xA000] = _CLASS_OF["H"]
    for chars, cls in (("（(", "("), ("）)", ")"), ("“”\"‘’《》", "Q"), ("、，,；;", ","), ("。！？!?\n", ".")):
        for ch in chars:
            t[ord(ch)] = _CLASS_OF[cls]
    return t


@lru_cache(maxsize=1)
def _lexicon():
    import ahocorasick

    a = ahocorasick.Automaton()
    for w, c in _SUFFIX.items():
        if len(w) > 1:
            a.add_word(w, len(w) << 32 | ord(c))     # (length, class) in one number
    a.make_automaton()
    return a


@lru_cache(maxsize=1)
def _surnames() -> np.ndarray:
    """Whether each BMP code point is a one-character surname."""
    t = np.zeros(0x10000, dtype=bool)
    t[[ord(s) for s in lexicon.SURNAMES if len(s) == 1 and ord(s) < 0x10000]] = True
    return t


_HINT_CODE = {"B": 1, "I": 2, "E": 3}
_LABEL_CODE = {lab: i + 1 for i, lab in enumerate(LABELS + ("Region",))}


def _tag_code(tag: str) -> int:
    """jieba's tag (ASCII, at most four letters) as a number."""
    return int.from_bytes(tag.encode("ascii")[:4], "little")


_WORD_IDS: dict[str, int] = {}                 # word → its row in _WORD_TABLE
_WORD_TABLE = np.zeros((1024, 2), dtype=np.int64)


def _word_id(w: str) -> int:
    """A new word's row in _WORD_TABLE: (tag code, the CRC32 of words of 2 to 6 characters, absent
    otherwise). The table holds every word seen, so an article's words cost a dict lookup each."""
    global _WORD_TABLE
    i = len(_WORD_IDS)
    if i == len(_WORD_TABLE):
        _WORD_TABLE = np.concatenate([_WORD_TABLE, np.zeros_like(_WORD_TABLE)])
    _WORD_TABLE[i] = (_tag_code(tag_of(w)), zlib.crc32(w.encode("utf-8")) if 1 < len(w) <= 6 else _ABSENT)
    _WORD_IDS[w] = i
    return i


def _token_columns(words: list[list[str]], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per character: its word's tag, its place in the word (B/M/E/S as 1..4) and its word
    (`words`: each text's, covering it end to end)."""
    count = sum(map(len, words))
    try:
        ids = np.fromiter(map(_WORD_IDS.__getitem__, chain.from_iterable(words)), np.int64, count)
    except KeyError:              # words not seen before: give them rows, then look again
        for w in set(chain.from_iterable(words)).difference(_WORD_IDS):
            _word_id(w)
        ids = np.fromiter(map(_WORD_IDS.__getitem__, chain.from_iterable(words)), np.int64, count)
    lengths = np.fromiter(map(len, chain.from_iterable(words)), np.int64, count)
    ends = np.cumsum(lengths)
    codes = _WORD_TABLE[ids]
    tag = np.repeat(codes[:, 0], lengths)
    word = np.repeat(codes[:, 1], lengths)
    # place in the word: S for one-character words, else B, M…, E
    first = np.zeros(n, dtype=bool)
    last = np.zeros(n, dtype=bool)
    first[ends - lengths] = True
    last[ends - 1] = True
    place = np.where(first & last, 4, np.where(first, 1, np.where(last, 3, 2)))
    return tag, place, word


def _spread(texts: _Batch, mentions: Sequence[Sequence[Mention]], labelled: bool) -> np.ndarray:
    """Per character: B/I/E (+ label) of the mention over it, 0 elsewhere (`mentions`: each
    text's, in its own offsets)."""
    out = np.zeros(texts.n, dtype=np.int64)
    for off, n, ms in zip(texts.starts.tolist(), texts.lengths.tolist(), mentions):
        for m in ms:
            if 0 <= m.start < m.end <= n:
                s, e = off + m.start, off + m.end
                if labelled:
                    lab = _LABEL_CODE.get(m.label, 0) << 2
                    out[s] = 1 | lab
                    out[s + 1:e - 1] = 2 | lab
                    if e - s > 1:
                        out[e - 1] = 3 | lab
                else:
                    out[s] = 1
                    out[s + 1:e] = 2
    return out


class _Batch:
    """Texts laid end to end, as `keys` reads them: where each starts and how long it is."""

    def __init__(self, texts: Sequence[str]):
        self.text = "".join(texts)
        self.n = len(self.text)
        self.lengths = np.array([len(t) for t in texts], dtype=np.int64)
        self.starts = np.cumsum(self.lengths) - self.lengths

    def shift(self, a: np.ndarray, k: int, pad: int) -> np.ndarray:
        """a moved k places right (k > 0: each character sees the one k before it) or left,
        `pad` beyond either end of each text."""
        out = np.full_like(a, pad)
        if k > 0:
            out[k:] = a[:-k] if k < len(a) else out[k:]
        else:
            out[:k] = a[-k:] if -k < len(a) else out[:k]
        if len(self.starts) > 1:
            for j in range(abs(k)):
                at = self.starts + j if k > 0 else self.starts + self.lengths - 1 - j
                out[at[j < self.lengths]] = pad
        return out


def keys(text: str, tokens: Tokens, regions: Sequence[Mention] = (), hints: Sequence[Mention] = ()) -> np.ndarray:
    """The feature keys of every character: an array (len(TEMPLATES), len(text)), -1 where a
    character lacks a feature. `hints`: what the rules propose (names, people), so the model
    learns when to trust them and where their boundaries go wrong."""
    return keys_all([(text, tokens, regions, hints)])


def keys_all(items: Sequence[tuple[str, Tokens, Sequence[Mention], Sequence[Mention]]]) -> np.ndarray:
    """`keys` of several texts (text, tokens, regions, hints), side by side: each text's as it
    has them alone (nothing is seen across texts), made in one go, which costs far less than
    one text at a time (most of the cost is per array operation, and an article is short)."""
    out = values_all(items)
    absent = out == _ABSENT                  # every present value is >= 0
    out |= _PREFIXES
    out[absent] = _ABSENT
    return out


def _values(k: np.ndarray) -> np.ndarray:
    """Keys without their template numbers (what `values_all` gives)."""
    return np.where(k >= 0, k & ((1 << _SHIFT) - 1), _ABSENT)


def values_all(items: Sequence[tuple[str, Tokens, Sequence[Mention], Sequence[Mention]]]) -> np.ndarray:
    """`keys_all` without the template numbers: each row its template's values, -1 where a
    character lacks the feature (what the model looks up; the keys are for training)."""
    texts = _Batch([it[0] for it in items])
    n, shift = texts.n, texts.shift
    c0 = np.frombuffer(texts.text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    p1, n1 = shift(c0, 1, _PAD), shift(c0, -1, _PAD)
    p2, n2 = shift(c0, 2, _PAD), shift(c0, -2, _PAD)
    table = _class_table()
    cls = np.where(c0 < 0x10000, table[np.minimum(c0, 0xFFFF)], _CLASS_OF["O"])
    kp, kn = shift(cls, 1, 0), shift(cls, -1, 0)
    tag, place, word = _token_columns([it[1].words for it in items], n)
    # the longest lexicon word ending at each character (class, length up to 4), and the class of
    # the first one starting at each
    lex = _lexicon()
    hits = np.array([(off + i, v) for off, t in zip(texts.starts.tolist(), (it[0] for it in items))
                     for i, v in lex.iter(t)], dtype=np.int64).reshape(-1, 2)
    at, length, c = hits[:, 0], hits[:, 1] >> 32, hits[:, 1] & 0xFFFFFFFF
    first = np.lexsort((-length, at))          # per character, its longest word first
    first = first[np.r_[True, at[first][1:] != at[first][:-1]]] if len(first) else first
    best = np.zeros(n, dtype=np.int64)
    best[at[first]] = length[first]
    lex_ends = np.zeros(n, dtype=np.int64)
    lex_ends[at[first]] = c[first] << 8 | np.minimum(length[first], 4)
    lex_starts = np.zeros(n, dtype=np.int64)
    hit = np.nonzero(best)[0][::-1]       # backwards: the word that ends first wins
    lex_starts[hit + 1 - best[hit]] = lex_ends[hit] >> 8
    hint = _spread(texts, [it[3] for it in items], True)
    hint_first = np.where(hint > 0, (hint & 3), 0)     # B/I/E without the label
    hp, hn = shift(hint_first, 1, 0), shift(hint_first, -1, 0)
    hpn = np.where(hint > 0, 1 << 16 | hp << 8 | hint_first, 2 << 16 | hn << 8 | hp)
    tp = np.where((place == 1) | (place == 4), shift(tag, 1, 0), 0)
    sur = np.where((c0 < 0x10000) & _surnames()[np.minimum(c0, 0xFFFF)], 1, _ABSENT)
    rows = (
        c0, p1, n1, p1 << 21 | c0, c0 << 21 | n1, p2 << 21 | p1, n1 << 21 | n2,
        kp << 8 | cls, cls << 8 | kn, tag << 8 | place, _spread(texts, [it[2] for it in items], False),
        lex_ends, lex_starts, shift(lex_starts, -1, 0), word, np.where(hint > 0, hint, _ABSENT), hpn, sur, tp,
    )
    return np.stack(rows)


def features(text: str, tokens: Tokens, regions: Sequence[Mention] = (), hints: Sequence[Mention] = ()) -> list[list[str]]:
    """The keys as CRFsuite's attribute strings (hex), one list per character: for training."""
    k = keys(text, tokens, regions, hints)
    return [[format(v, "x") for v in col if v >= 0] for col in k.T.tolist()]


def clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of the clauses of `text`: each ends after a CLAUSE_ENDS character (or at the
    end of the text)."""
    ends = [m.end() for m in _CLAUSE_END.finditer(text)]
    if not ends or ends[-1] < len(text):
        ends.append(len(text))
    return list(zip([0, *ends[:-1]], ends))


class Clauses:
    """The clauses of several texts laid end to end, as the decoder reads them.

    The model is trained on whole articles; decoding them clause by clause gives the same labels
    when every CLAUSE_ENDS character is labelled O (names hold none of them): the clause-end
    character is held to O, and a clause that follows one starts with the transition out of O."""

    def __init__(self, texts: list[str]):
        starts, ends, follows, closes = [], [], [], []
        offset = 0
        for text in texts:
            for i, (s, e) in enumerate(clauses(text)):
                starts.append(offset + s)
                ends.append(offset + e)
                follows.append(i > 0)
                closes.append(text[e - 1] in CLAUSE_ENDS or text[e - 1] == ",")
            offset += len(text)
        self.starts = np.array(starts, dtype=np.int64)
        self.ends = np.array(ends, dtype=np.int64)
        self.follows = np.array(follows, dtype=bool)
        self.closes = np.array(closes, dtype=bool)

    @classmethod
    def whole(cls, lengths: list[int]) -> Clauses:
        """Texts decoded whole (no clause ends held to O): for comparing with CRFsuite."""
        c = cls([])
        ends = np.cumsum(np.array(lengths, dtype=np.int64))
        c.starts, c.ends = ends - lengths, ends
        c.follows = c.closes = np.zeros(len(lengths), dtype=bool)
        return c


class _HashTable:
    """One template's keys (words, character pairs: too many values for a table) in an
    open-addressing hash table, so looking up a whole article's keys is a few vector operations
    (a multiply, a shift, a gather and a compare) where a binary search took a dozen steps."""

    _MULTIPLIER = -0x61C8864680B583EB     # 2^64 / golden ratio, as a signed 64-bit number

    def __init__(self, run: np.ndarray):
        """`run`: the template's values (without its number), ascending."""
        self.bits = max(4, int(len(run) - 1).bit_length() + 3)        # at most an eighth full
        self.mask = (1 << self.bits) - 1
        self.empty = len(run)
        self.keys = np.append(run, -2)      # an empty place's key: no key, nor an absent feature (-1)
        self.slots = np.full(1 << self.bits, self.empty, dtype=np.int64)
        for i, h in enumerate(self._hash(run).tolist()):
            while self.slots[h] != self.empty:        # linear probing
                h = (h + 1) & self.mask
            self.slots[h] = i

    def _hash(self, k: np.ndarray) -> np.ndarray:
        return ((k * self._MULTIPLIER) >> (64 - self.bits)) & self.mask   # (wraps, as meant)

    def codes(self, k: np.ndarray) -> np.ndarray:
        """For each value in `k`, 1 + its place in the run, 0 for one the model lacks."""
        h = self._hash(k)
        at = self.slots[h]
        found = self.keys[at] == k
        out = np.where(found, at + 1, 0)
        todo = np.flatnonzero(~found & (at != self.empty))      # collided: probe on
        step = 1
        while todo.size:
            at = self.slots[(h[todo] + step) & self.mask]
            hit = self.keys[at] == k[todo]
            out[todo[hit]] = at[hit] + 1
            todo = todo[~hit & (at != self.empty)]
            step += 1
        return out


class _DenseTable:
    """One template's keys whose values are small numbers (characters, classes, hints): a table
    value → code, so looking one up is an index."""

    def __init__(self, values: np.ndarray):
        self.size = int(values[-1]) + 1
        self.table = np.zeros(self.size + 1, dtype=np.int64)    # the last place: larger values, and -1
        self.table[values] = np.arange(1, len(values) + 1)

    def codes(self, v: np.ndarray) -> np.ndarray:
        """For each value in `v`, 1 + its place in the run, 0 for one the model lacks (an absent
        feature, -1, reads the table's last place, which is 0 too)."""
        return self.table[np.minimum(v, self.size)]


_GROUP_KEYS = 128       # templates with at most this many keys are looked up jointly,
_GROUP_ROWS = 4096      # in tables of at most this many rows


class Model:
    """The tagger's weights: sorted feature keys, their weight rows, the transition matrix.

    Scoring a character sums one weight row per template. Templates with few keys (classes,
    hints, word tags) are grouped, each group's rows summed beforehand for every combination of
    its members' keys, so the group costs one row; the others add their rows only where the
    model has the key, when that is rare (character pairs, words). Scores are summed and decoded
    in single precision (see `decode`)."""

    def __init__(self, keys: np.ndarray, weights: np.ndarray, transitions: np.ndarray, labels: list[str]):
        self.keys = keys
        self.weights = weights
        self.transitions = transitions
        self.labels = labels
        # each template's keys are one run of the sorted array (its number is the top byte)
        cuts = np.searchsorted(keys, np.arange(len(TEMPLATES) + 1, dtype=np.int64) << _SHIFT)
        zero = np.zeros((1, weights.shape[1]), dtype=np.float32)
        runs = []
        for r, (lo, hi) in enumerate(zip(cuts, cuts[1:])):
            if hi > lo:
                run = keys[lo:hi] - (r << _SHIFT)
                table = _HashTable(run) if run[-1] >= _DENSE_LIMIT else _DenseTable(run)
                runs.append((r, table, np.vstack([zero, weights[lo:hi].astype(np.float32)])))   # code 0: no key, no weight
        runs.sort(key=lambda x: len(x[2]))
        self._singles: list[tuple[int, _DenseTable | _HashTable, np.ndarray]] = []
        self._groups: list[tuple[list[tuple[int, _DenseTable | _HashTable, int]], np.ndarray]] = []
        group: list = []
        for r, table, w in runs:
            if len(w) > _GROUP_KEYS:
                self._singles.append((r, table, w))
                continue
            if group and np.prod([len(m[2]) for m in group]) * len(w) > _GROUP_ROWS:
                self._close(group)
                group = []
            group.append((r, table, w))
        self._close(group)

    def _close(self, group: list) -> None:
        """A group's table: row (c1 * K2 + c2) * K3 + c3 ... holds the sum of its members' rows."""
        if not group:
            return
        table = group[0][2]
        for _, _, w in group[1:]:
            table = (table[:, None, :] + w[None, :, :]).reshape(-1, w.shape[1])
        self._groups.append(([(r, t, len(w)) for r, t, w in group], table))

    @classmethod
    def load(cls, path: str) -> Model:
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls(z["keys"], z["weights"], z["transitions"], [str(x) for x in z["labels"]])
        except (OSError, ValueError, KeyError) as e:
            raise ValueError(f"{path}: not a tagger model ({e})") from e

    def save(self, path: str) -> None:
        """An .npz file np.load reads, written with fixed zip dates: same weights, same bytes."""
        import io
        import zipfile

        arrays = {"keys": self.keys, "weights": self.weights, "transitions": self.transitions,
                  "labels": np.array(self.labels)}
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, a in arrays.items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, a, allow_pickle=False)
                z.writestr(zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0)),
                           buf.getvalue(), zipfile.ZIP_DEFLATED)

    def emissions(self, k: np.ndarray) -> np.ndarray:
        """Per character, the score of each label: the weights of its features (keys), summed."""
        return self.scores(_values(k))

    def scores(self, k: np.ndarray) -> np.ndarray:
        """`emissions` of feature values (`values_all`)."""
        n = k.shape[1]
        out = np.zeros((n, self.weights.shape[1]), dtype=np.float32)
        for members, table in self._groups:
            code = np.zeros(n, dtype=np.int64)
            for r, look, size in members:
                code *= size
                code += look.codes(k[r])
            out += table[code]
        for r, look, w in self._singles:
            code = look.codes(k[r])
            at = np.flatnonzero(code)
            if len(at) * 3 < n:
                out[at] += w[code[at]]
            else:
                out += w[code]
        return out

    def decode(self, emit: np.ndarray, clauses: Clauses) -> np.ndarray:
        """The best label of every character (Viterbi), each clause on its own and all clauses side
        by side: one numpy step per character of the longest clause, over the clauses still that
        long (they are sorted longest first, so those are a prefix)."""
        n, L = emit.shape
        outside = self.labels.index("O")
        # in single precision, which halves the memory each step moves: two paths would need to
        # score within about 1e-4 of each other for that to change a label (none does on the seeds
        # and the dev news, nor where the tests compare with CRFsuite)
        emit = emit.astype(np.float32)
        trans = self.transitions.astype(np.float32)
        emit[clauses.starts[clauses.follows]] += trans[outside]
        held = clauses.ends[clauses.closes] - 1
        emit[held] = np.where(np.arange(L) == outside, emit[held], -1e9)
        lens = clauses.ends - clauses.starts
        order = np.argsort(-lens, kind="stable")
        lens, first = lens[order], clauses.starts[order]
        C, m = len(lens), int(lens[0])
        live = np.searchsorted(-lens, -np.arange(m), side="left")   # clauses longer than t
        # The characters in step order: step t's block holds the t-th character of each clause
        # longer than t, clause by clause, so each step reads and writes slices, not gathers.
        at = np.concatenate([[0], np.cumsum(live)])
        step = np.repeat(np.arange(m), live)
        chars = first[np.arange(len(step)) - at[step]] + step
        e = np.ascontiguousarray(emit[chars].T)       # (label, character in step order)
        at_, live_ = at.tolist(), live.tolist()
        # Forward: the best score of each (label, clause) at each step, laid out (previous label,
        # label, clause) so that every operation runs along the clauses (a long contiguous axis)
        # and the max over the previous label is an elementwise maximum of 13 contiguous slabs.
        scores = np.empty_like(e)
        scores[:, :C] = e[:, :C]
        buf = np.empty((L, L, C), dtype=np.float32)
        into = trans[:, :, None]
        for t in range(1, m):
            a, here, before = live_[t], at_[t], at_[t - 1]
            s = np.add(scores[:, None, before:before + a], into, out=buf[:, :, :a])
            np.add(s.max(axis=0), e[:, here:here + a], out=scores[:, here:here + a])
        # Backward: the best path's labels, each step's previous label found again from the
        # scores for the one label chosen (an argmax over 13 values per clause, not per label)
        cur = scores[:, at[lens - 1] + np.arange(C)].argmax(axis=0)
        best = np.empty(len(chars), dtype=np.int64)
        for t in range(m - 1, 0, -1):
            a, here, before = live_[t], at_[t], at_[t - 1]     # the clauses with a character at t
            best[here:here + a] = cur[:a]
            cur[:a] = (scores[:, before:before + a] + trans[:, cur[:a]]).argmax(axis=0)
        best[:C] = cur
        labels = np.empty(n, dtype=np.int64)
        labels[chars] = best
        return labels

    def tag(self, k: np.ndarray, clauses: Clauses) -> list[str]:
        names = self.labels
        return [names[i] for i in self.decode(self.emissions(k), clauses).tolist()]

    def spans(self, k: np.ndarray, clauses: Clauses) -> list[tuple[int, int, str]]:
        """`spans(self.tag(k, clauses))`, reading only the characters not labelled O; no span runs
        across a clause's start."""
        return self.spans_of(self.emissions(k), clauses)

    def spans_of(self, emit: np.ndarray, clauses: Clauses) -> list[tuple[int, int, str]]:
        """`spans` of the emissions `emit`."""
        ids = self.decode(emit, clauses)
        starts = set(clauses.starts.tolist())
        at = np.flatnonzero(ids != self.labels.index("O")).tolist()
        names = [self.labels[i] for i in ids[at].tolist()]
        out: list[tuple[int, int, str]] = []
        start, cur, prev = 0, None, -2
        for i, y in zip(at, names):
            if i != prev + 1 or y[0] == "B" or y[2:] != cur or i in starts:
                if cur is not None:
                    out.append((start, prev + 1, cur))
                start, cur = i, y[2:]
            prev = i
        if cur is not None:
            out.append((start, prev + 1, cur))
        return out


def convert(crfsuite_model: str, path: str) -> None:
    """Write CRFsuite's model (trained on `features`' hex keys) as the arrays `Model` reads."""
    import pycrfsuite

    t = pycrfsuite.Tagger()
    t.open(crfsuite_model)
    info = t.info()
    labels = sorted(info.labels, key=info.labels.get)
    index = {lab: i for i, lab in enumerate(labels)}
    attrs = sorted({int(a, 16) for a, _ in info.state_features})
    row = {a: i for i, a in enumerate(attrs)}
    weights = np.zeros((len(attrs), len(labels)))
    for (a, lab), w in info.state_features.items():
        weights[row[int(a, 16)], index[lab]] = w
    trans = np.zeros((len(labels), len(labels)))
    for (a, b), w in info.transitions.items():
        trans[index[a], index[b]] = w
    Model(np.array(attrs, dtype=np.int64), weights, trans, labels).save(path)


@lru_cache(maxsize=4)
def _model(path: str) -> Model:
    return Model.load(path)


def model_path() -> str:
    """The model file: KG_TAGGER_MODEL overrides the shipped one (for cross-validation runs)."""
    return os.environ.get("KG_TAGGER_MODEL") or str(MODEL)


def available() -> bool:
    return os.path.exists(model_path())


def spans(labels: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) of each B/I run."""
    out = []
    start, cur = 0, None
    for i, y in enumerate(labels + ["O"]):
        if y == "O" or y.startswith("B-") or (cur is not None and y[2:] != cur):
            if cur is not None:
                out.append((start, i, cur))
            start, cur = (i, y[2:]) if y != "O" else (0, None)
        # an I- without a B- starts a span too
        elif cur is None:
            start, cur = i, y[2:]
    return out


def tag(text: str, tokens: Tokens, regions: Sequence[Mention] = (), hints: Sequence[Mention] = ()) -> list[tuple[int, int, str]]:
    """The spans the model finds in `text`: (start, end, label)."""
    return tag_all([(text, tokens, regions, hints)])[0]


def tag_all(items: Sequence[tuple[str, Tokens, Sequence[Mention], Sequence[Mention]]]) -> list[list[tuple[int, int, str]]]:
    """`tag` for many texts (text, tokens, regions, hints) at once: their features are looked up
    and their clauses decoded together, which costs little more than doing one."""
    texts = [it[0] for it in items]
    at = [0]
    for t in texts:
        at.append(at[-1] + len(t))
    if not at[-1]:
        return [[] for _ in items]
    model = _model(model_path())
    found = model.spans_of(model.scores(values_all(items)), Clauses(texts))
    # each text's spans, in its own offsets (no span runs across texts: clauses end where they do)
    out: list[list[tuple[int, int, str]]] = [[] for _ in items]
    for s, e, label in found:
        i = bisect.bisect_right(at, s) - 1
        out[i].append((s - at[i], e - at[i], label))
    return out
