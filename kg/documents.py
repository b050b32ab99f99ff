"""The build's documents: `documents.jsonl`, the third file of the export beside entities and relations.

One record per source file read, so that the export alone is the whole artefact: `kg load`, an
incremental build's store update, `kg export rdf` and the browser's sentences read it, never the
source files again (which may have moved) nor a store (a `--no-store` build has none).

    {"id": "001_b13d….txt", "file": "seeds/001_b13d….txt", "title": "…", "date": "12月27日",
     "place": "鄂尔多斯",
     "articles": [{"index": 0, "title": "…", "date": "…", "place": "…", "start": 0, "end": 1830}],
     "sentences": [{"start": 12, "end": 57, "article": 0, "text": "…"}]}

`id` is the file's name as mentions and evidence give it (`doc`), `file` the path it was read
from; `title`, `date`, `place` are its first article's. Spans are character offsets into the
file's text as read, like every other offset of the export: each article's, and each sentence's
(every sentence, so evidence and mentions all fall in one), with the sentence's repaired text.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

FILE = "documents.jsonl"


def record(doc: str, path: str, articles) -> dict:
    """The record of one source file from its articles (`kg.model.Article`s, in file order)."""
    from kg import ingest

    arts, sents = [], []
    for a in articles:
        start, end = a.file_span(0, len(a.text))
        arts.append({"index": a.index, "title": a.title, "date": a.date, "place": a.place,
                     "start": start, "end": end})
        for s in ingest.split_sentences(a):
            fs, fe = a.file_span(s.start, s.end)
            sents.append({"start": fs, "end": fe, "article": a.index, "text": s.text})
    sents.sort(key=lambda s: (s["start"], s["end"]))
    first = arts[0] if arts else {}
    return {"id": doc, "file": path, "title": first.get("title", ""), "date": first.get("date", ""),
            "place": first.get("place", ""), "articles": arts, "sentences": sents}


def write(records: Iterable[dict], folder: Path) -> None:
    with open(Path(folder) / FILE, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def node_properties(d: dict) -> dict:
    """A Document node's properties from a documents.jsonl record: `name` (the file's name),
    `title`, `articles` (their titles), and the sentences as parallel lists `sentence_starts`,
    `sentence_ends`, `sentence_texts`, `sentence_articles` (each one's article title), which the
    browser reads a mention's sentence from, on either store. A record that is not a
    documents.jsonl record (no `sentences`: a caller's own Document properties) is kept as it is."""
    if "sentences" not in d:
        return d
    titles = {a["index"]: a.get("title") or "" for a in d.get("articles") or ()}
    sents = d["sentences"]
    return {"id": d["id"], "name": d["id"], "title": d.get("title") or "",
            "articles": [a.get("title") or "" for a in d.get("articles") or ()],
            "sentence_starts": [s["start"] for s in sents], "sentence_ends": [s["end"] for s in sents],
            "sentence_texts": [s["text"] for s in sents],
            "sentence_articles": [titles.get(s.get("article"), "") for s in sents]}
