"""Parallel and incremental builds give the graph a full single-process build gives.

Real seeds, the real embedded store: a folder that grows, shrinks or changes is rebuilt from what
the previous build kept, and both the export and the store's contents are compared with a full
rebuild of the same folder.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg import pipeline
from kg.store import EmbeddedStore

from conftest import SEED_FILES, seed


def export_of(out: Path) -> tuple[str, str]:
    return (out / "entities.jsonl").read_text("utf-8"), (out / "relations.jsonl").read_text("utf-8")


def store_contents(out: Path) -> tuple[list, list]:
    """Every node with its labels and properties, every relationship with its properties, sorted."""
    with EmbeddedStore(out / "store") as db:
        _, nodes = db.query("MATCH (n) RETURN n.id, labels(n), properties(n)")
        _, rels = db.query("MATCH (a)-[r]->(b) RETURN a.id, type(r), b.id, properties(r)")
    norm = lambda rows: sorted(json.dumps([r[0], sorted(r[1]) if isinstance(r[1], list) else r[1], *r[2:]],
                                          ensure_ascii=False, sort_keys=True) for r in rows)
    return norm(nodes), norm(rels)


def full_build(folder: Path, out: Path, store: bool = True):
    return pipeline.build([folder], out, store=store, workers=1, full=True)


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for f in SEED_FILES:
        shutil.copy(f, folder / f.name)
    return folder


def test_the_same_graph_whatever_the_number_of_workers(corpus, tmp_path):
    one = pipeline.build([corpus], tmp_path / "one", store=False, workers=1)
    two = pipeline.build([corpus], tmp_path / "two", store=False, workers=2)
    three = pipeline.build([corpus], tmp_path / "three", store=False, workers=3)
    assert export_of(tmp_path / "one") == export_of(tmp_path / "two") == export_of(tmp_path / "three")
    assert one.nodes == two.nodes == three.nodes and one.reprints == two.reprints == 1


def test_a_grown_folder_reads_only_the_new_file_and_equals_a_full_build(corpus, tmp_path):
    out, full = tmp_path / "out", tmp_path / "full"
    last = corpus / SEED_FILES[-1].name
    held = tmp_path / last.name
    shutil.move(last, held)
    first = pipeline.build([corpus], out, workers=2)
    assert first.files_extracted == len(SEED_FILES) - 1 and first.store_update == "full load"
    shutil.move(held, last)
    grown = pipeline.build([corpus], out, workers=2)
    assert grown.files_read == len(SEED_FILES) and grown.files_extracted == 1
    assert grown.store_update.startswith("incremental")
    full_build(corpus, full)
    assert export_of(out) == export_of(full)
    assert store_contents(out) == store_contents(full)


def test_a_removed_files_facts_go_unless_another_file_states_them(corpus, tmp_path):
    """Seed 001 reprints an article of seed 000: removing 001 keeps that article's facts (with
    000's evidence only) and drops everything only 001 said."""
    out, full = tmp_path / "out", tmp_path / "full"
    pipeline.build([corpus], out, workers=1)
    reprint = corpus / seed("001").name
    before = export_of(out)
    reprint.unlink()
    shrunk = pipeline.build([corpus], out, workers=1)
    assert shrunk.files_extracted == 0 and shrunk.files_read == len(SEED_FILES) - 1
    full_build(corpus, full)
    assert export_of(out) == export_of(full)
    assert store_contents(out) == store_contents(full)
    entities, relations = (out / "entities.jsonl").read_text("utf-8"), (out / "relations.jsonl").read_text("utf-8")
    assert seed("001").name in before[0] and seed("001").name not in entities + relations
    # the shared article's facts (stated by both files before) are still there, on 000's evidence
    docs = lambda r: {e["doc"] for e in r["evidence"]}
    key = lambda r: (r["subject"], r["predicate"], r["object"])
    both = {key(r) for r in map(json.loads, before[1].splitlines()) if {seed("000").name, seed("001").name} <= docs(r)}
    after = {key(r): docs(r) for r in map(json.loads, relations.splitlines())}
    assert both and all(k in after and seed("000").name in after[k] for k in both)


def test_a_changed_file_is_read_again(corpus, tmp_path):
    out, full = tmp_path / "out", tmp_path / "full"
    pipeline.build([corpus], out, workers=1)
    target = corpus / seed("002").name
    text = target.read_text("utf-8")
    cut = text[: len(text) // 2]                # the page lost its second half
    target.write_text(cut, "utf-8")
    changed = pipeline.build([corpus], out, workers=1)
    assert changed.files_extracted == 1
    full_build(corpus, full)
    assert export_of(out) == export_of(full)
    assert store_contents(out) == store_contents(full)


def test_a_new_full_name_reaches_the_short_names_of_unchanged_files(tmp_path):
    """Pass 2 of an unchanged file runs again when a new file brings the full name behind a short
    name it uses (made-up company and text)."""
    folder, out, full = tmp_path / "articles", tmp_path / "out", tmp_path / "full"
    folder.mkdir()
    (folder / "a.txt").write_text("青川智能扩产\n\n本报讯 日前，青川智能在包头市稀土高新区启动二期扩产，新增产能500吨。\n", "utf-8")
    pipeline.build([folder], out, store=False, workers=1)
    assert not any(json.loads(l)["name"] == "青川智能" for l in (out / "entities.jsonl").read_text("utf-8").splitlines())
    (folder / "b.txt").write_text("青川智能落户包头\n\n本报讯 青川智能（内蒙古）科技有限公司在包头市签约建设永磁电机项目。\n", "utf-8")
    grown = pipeline.build([folder], out, store=False, workers=1)
    assert grown.files_extracted == 1 and grown.files_reextracted == 2
    full_build(folder, full, store=False)
    assert export_of(out) == export_of(full)
    company = [json.loads(l) for l in (out / "entities.jsonl").read_text("utf-8").splitlines()
               if json.loads(l)["name"] == "青川智能（内蒙古）科技有限公司"]
    assert company and {m["doc"] for m in company[0]["mentions"]} == {"a.txt", "b.txt"}


def test_nothing_changed_reads_nothing_and_changes_nothing(corpus, tmp_path):
    out = tmp_path / "out"
    pipeline.build([corpus], out, workers=2)
    before = export_of(out), store_contents(out)
    again = pipeline.build([corpus], out, workers=2)
    assert again.files_extracted == 0 and again.files_reextracted == 0
    assert again.store_update == "incremental: 0 deleted, 0 nodes, 0 relationships"
    assert (export_of(out), store_contents(out)) == before


def test_another_version_of_kg_reads_every_file_again(corpus, tmp_path, monkeypatch):
    """What one version of the code extracted is not what the next would: a build after the code
    changed reads every file again, and the old version's entries go."""
    from kg import cache

    out = tmp_path / "out"
    pipeline.build([corpus], out, store=False, workers=2)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another version of kg")
    again = pipeline.build([corpus], out, store=False, workers=2)
    assert again.files_extracted == len(SEED_FILES)
    assert len(list((out / ".kg-cache").glob("*.kg"))) == len(SEED_FILES)


def test_a_cache_cut_short_is_made_again(corpus, tmp_path):
    """A build stopped while writing its cache (one entry cut inside pass 1's part, one inside
    pass 2's) costs those files a new reading, never a wrong or failed build."""
    out, full = tmp_path / "out", tmp_path / "full"
    pipeline.build([corpus], out, store=False, workers=2)
    entries = sorted((out / ".kg-cache").glob("*.kg"))
    assert len(entries) == len(SEED_FILES)
    for entry, keep in ((entries[0], 0.3), (entries[1], 0.9)):
        data = entry.read_bytes()
        entry.write_bytes(data[: int(len(data) * keep)])
    again = pipeline.build([corpus], out, store=False, workers=2)
    assert again.files_extracted == 1 and again.files_reextracted == 2
    full_build(corpus, full, store=False)
    assert export_of(out) == export_of(full)


def test_without_fork_the_export_is_written_by_a_thread_and_is_the_same(corpus, tmp_path, monkeypatch):
    """Where there is no fork (the export is otherwise written by a forked copy of the build),
    a thread writes it: the same files."""
    import os

    forked, threaded = tmp_path / "forked", tmp_path / "threaded"
    pipeline.build([corpus], forked, store=False, workers=1)
    monkeypatch.delattr(os, "fork")
    pipeline.build([corpus], threaded, store=False, workers=1)
    assert export_of(threaded) == export_of(forked)


def test_workers_must_be_positive(capsys):
    from kg.cli import main

    with pytest.raises(SystemExit):
        main(["build", "seeds", "--workers", "0"])
    assert "at least 1" in capsys.readouterr().err
