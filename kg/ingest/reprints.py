"""Reprints: the same article printed twice, found from bounded sketches of character 5-grams."""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from itertools import compress


# --------------------------------------------------------------------------------------------
# Duplicates

DUPLICATE_THRESHOLD = 0.5
SHINGLE = 5


def shingles(text: str, n: int = SHINGLE) -> set[str]:
    """Character n-grams of the text's letters, digits and ideographs (punctuation and spacing
    differ between prints of the same article, so they are left out)."""
    s = "".join(c for c in text if c.isalnum())
    return {s[i:i + n] for i in range(len(s) - n + 1)}


def similarity(a: set[str], b: set[str]) -> float:
    """Containment of the smaller shingle set in the larger: a reprint that was cut or had
    paragraphs added still scores high, while unrelated articles share almost no 5-grams."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


# A reprint is recognised from a sketch, not the whole shingle set, so that the memory it takes
# does not grow with the text: the shingles starting at "anchor" characters (a quarter of them,
# chosen by content, so every print samples the same ones) are hashed (CRC-32: stable across
# processes, unlike hash()), and the SKETCH smallest hashes kept (a bottom-k sketch); the
# containment of one in the other is estimated from the two sketches (exact while both sample
# sets fit in the sketch). Candidates are found through an index of the INDEXED smallest.
SKETCH = 64
INDEXED = 16
_NON_ALNUM = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Sketch:
    shingles: int            # 5-grams in the text (with repeats): the caption test
    sampled: int             # distinct sampled 5-grams
    hashes: tuple[int, ...]  # the SKETCH smallest of their hashes, ascending


# Anchor characters are those whose code point is a multiple of 4, which its low byte tells:
# this table flags those low bytes.
_ANCHOR_BYTE = bytes(b & 3 == 0 for b in range(256))


def sketch(text: str, n: int = SHINGLE) -> Sketch:
    s = _NON_ALNUM.sub("", text)
    count = max(0, len(s) - n + 1)
    # The anchors' positions, found without a Python step per character: UTF-32 gives 4 bytes a
    # character, lowest first, so every 4th byte is a character's low byte; translated into
    # flags, they pick the positions out of range(count).
    flags = s.encode("utf-32-le")[::4].translate(_ANCHOR_BYTE)
    anchors = compress(range(count), flags)
    sampled = {zlib.crc32(s[i:i + n].encode("utf-8")) for i in anchors}
    return Sketch(count, len(sampled), tuple(sorted(sampled)[:SKETCH]))


def estimated_similarity(a: Sketch, b: Sketch) -> float:
    """`similarity` of the two texts' shingle sets, estimated from their sketches."""
    if not a.sampled or not b.sampled:
        return 0.0
    small = min(a.sampled, b.sampled)
    if a.sampled <= SKETCH and b.sampled <= SKETCH:
        return len(set(a.hashes) & set(b.hashes)) / small
    union = sorted(set(a.hashes) | set(b.hashes))[:SKETCH]
    both = set(a.hashes) & set(b.hashes)
    j = sum(1 for h in union if h in both) / len(union)
    return min(1.0, j * (a.sampled + b.sampled) / ((1 + j) * small))


class Duplicates:
    """Reprint detection one article at a time, in (doc, index) order: an article whose text is
    near-identical to an earlier first print is a duplicate of it. Holds a sketch per article."""

    def __init__(self, threshold: float = DUPLICATE_THRESHOLD, min_shingles: int = 50):
        self.threshold, self.min_shingles = threshold, min_shingles
        self.firsts: list[tuple[tuple[str, int], Sketch]] = []
        self.index: dict[int, list[int]] = {}

    def add(self, key: tuple[str, int], sk: Sketch) -> tuple[str, int] | None:
        """The (doc, index) this article reprints, or None (it is then a first print)."""
        if sk.shingles < self.min_shingles:
            return None
        candidates = sorted({i for h in sk.hashes[:INDEXED] for i in self.index.get(h, ())})
        for i in candidates:
            if estimated_similarity(self.firsts[i][1], sk) >= self.threshold:
                return self.firsts[i][0]
        n = len(self.firsts)
        self.firsts.append((key, sk))
        for h in sk.hashes[:INDEXED]:
            self.index.setdefault(h, []).append(n)
        return None
