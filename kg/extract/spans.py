"""Questions about a set of spans asked many times over: which spans hold or overlap a range.

Recognisers ask them for every candidate they find (is this inside a name? does it overlap a
company?); a scan of every span for every question grows with the square of an article's length.
Here the spans are sorted by start once, with the furthest end reached so far, and each question
is a bisection.
"""
from __future__ import annotations

import bisect
from itertools import accumulate
from typing import Iterable


class Spans:
    """A fixed set of [start, end) spans (taken from `Mention`s or given as pairs)."""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        spans = sorted(spans)
        self.starts = [a for a, _ in spans]
        self.reach = list(accumulate((b for _, b in spans), max))   # furthest end among spans[:i+1]

    @classmethod
    def of(cls, mentions) -> "Spans":
        return cls((m.start, m.end) for m in mentions)

    def holds(self, start: int, end: int) -> bool:
        """Whether some span contains [start, end)."""
        i = bisect.bisect_right(self.starts, start)   # the spans that start at or before `start`
        return i > 0 and self.reach[i - 1] >= end

    def overlaps(self, start: int, end: int) -> bool:
        """Whether some span shares a character with [start, end)."""
        i = bisect.bisect_left(self.starts, end)      # the spans that start before `end`
        return i > 0 and self.reach[i - 1] > start

    def covers(self, offset: int) -> bool:
        """Whether some span holds the character at `offset`."""
        i = bisect.bisect_right(self.starts, offset)
        return i > 0 and self.reach[i - 1] > offset
