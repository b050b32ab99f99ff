"""Sentences of an article's repaired text, for extraction and for documents.jsonl."""
from __future__ import annotations

import re

from kg.model import Article, Sentence
from kg.ingest.chars import CLOSERS as _CLOSERS, WS as _WS

# --------------------------------------------------------------------------------------------
# Sentences

_SENT_END = "。！？；!?;"
# Where a sentence stops: a line break (not part of either sentence), or a run of end marks with
# the closing quotes and brackets right after them (part of the sentence).
_SENT_CUT = re.compile(f"\n|[{re.escape(_SENT_END)}][{re.escape(_SENT_END + _CLOSERS)}]*")


def split_sentences(article: Article) -> list[Sentence]:
    """Sentences of the repaired text, cut after 。！？； and at line breaks; closing quotes and
    brackets right after the mark (。” / ！）) stay with their sentence. Spans exclude spacing."""
    text = article.text
    out: list[Sentence] = []

    def emit(s: int, e: int) -> None:
        piece = text[s:e]
        body = piece.lstrip(_WS)
        s += len(piece) - len(body)
        body = body.rstrip(_WS)
        if body:
            out.append(Sentence(s, s + len(body), body))

    start = 0
    for m in _SENT_CUT.finditer(text):
        if m.group() == "\n":
            emit(start, m.start())
        else:
            emit(start, m.end())
        start = m.end()
    emit(start, len(text))
    return out


