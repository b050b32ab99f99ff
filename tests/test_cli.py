"""The `kg` command (kg.cli.main, and the installed console script once) on bad input and real seeds."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import seed
from kg.cli import main

SMALL = "003"   # the smallest seed file: the builds below use it to stay fast
BINARY = bytes(range(256)) * 8


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def entity_names(folder: Path) -> set[tuple[str, str]]:
    with open(folder / "entities.jsonl", encoding="utf-8") as f:
        return {(r["type"], r["name"]) for r in map(json.loads, f)}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    """seed 003 built with the store through kg.cli.main: (output folder, exit code, stdout)."""
    out = tmp_path_factory.mktemp("cli") / "out"
    code = main(["build", str(seed(SMALL)), "--out", str(out)])
    return out, code


def test_build_prints_summary_and_writes_graph(tmp_path, capsys):
    code, out, err = run(capsys, "build", seed(SMALL), "--out", tmp_path / "o", "--no-store")
    assert code == 0 and err == ""
    assert "files read: 1" in out and "nodes:" in out and "relationships:" in out
    assert f"graph written to {tmp_path / 'o'}" in out
    assert entity_names(tmp_path / "o")
    assert not (tmp_path / "o" / "store").exists()


def test_skipped_files_exit_1_with_summary(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "image.txt").write_bytes(BINARY)
    shutil.copy(seed(SMALL), src)
    vanished = tmp_path / "gone" / "article.txt"
    code, out, err = run(capsys, "build", src, vanished, "--out", tmp_path / "o", "--no-store")
    assert code == 1
    assert "files read: 1 (3 skipped)" in out and "nodes:" in out   # the summary is still printed
    for path in (src / "empty.txt", src / "image.txt", vanished):
        assert f"skipped {path}" in err
    assert "empty" in err and "binary" in err
    assert entity_names(tmp_path / "o") == entity_names_of_seed(tmp_path, capsys)


def entity_names_of_seed(tmp_path, capsys) -> set:
    run(capsys, "build", seed(SMALL), "--out", tmp_path / "clean", "--no-store")
    return entity_names(tmp_path / "clean")


def test_gbk_seed_gives_the_same_entities(tmp_path, capsys):
    src = seed("001")
    gbk = tmp_path / "gbk" / src.name
    gbk.parent.mkdir()
    gbk.write_bytes(src.read_text("utf-8").encode("gbk"))
    assert run(capsys, "build", gbk, "--out", tmp_path / "g", "--no-store")[0] == 0
    assert run(capsys, "build", src, "--out", tmp_path / "u", "--no-store")[0] == 0
    got, want = entity_names(tmp_path / "g"), entity_names(tmp_path / "u")
    assert got == want and len(want) > 50


def test_only_bad_files_exit_2(tmp_path, capsys):
    (tmp_path / "empty.txt").write_bytes(b"")
    code, out, err = run(capsys, "build", tmp_path / "empty.txt", tmp_path / "missing.txt", "--out", tmp_path / "o")
    assert code == 2 and "no article found" in err
    assert not (tmp_path / "o" / "entities.jsonl").exists()


def test_folder_without_articles_exits_2_naming_it(tmp_path, capsys):
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    (empty / "notes.csv").write_text("a,b\n", "utf-8")
    code, out, err = run(capsys, "build", empty, "--out", tmp_path / "o")
    assert code == 2
    assert str(empty) in err and "no article" in err
    assert out == ""


def test_unwritable_output_folder_exits_2_naming_it(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", "utf-8")
    out_dir = blocker / "out"
    code, out, err = run(capsys, "build", seed(SMALL), "--out", out_dir)
    assert code == 2
    assert str(out_dir) in err and "cannot write" in err
    assert blocker.read_text("utf-8") == "not a folder"


def test_failed_build_leaves_previous_graph_unchanged(small_build, tmp_path, capsys):
    out, code = small_build
    assert code == 0
    before = snapshot(out)
    store_before = sorted(p.relative_to(out) for p in (out / "store").rglob("*"))
    empty = tmp_path / "no-articles"
    empty.mkdir()
    code, _, err = run(capsys, "build", empty, "--out", out)
    assert code == 2 and str(empty) in err
    assert snapshot(out) == before
    assert sorted(p.relative_to(out) for p in (out / "store").rglob("*")) == store_before
    assert not [p for p in out.iterdir() if p.name.startswith((".build-", ".old-"))]


def test_an_export_that_fails_fails_the_build_and_keeps_the_previous_graph(small_build, tmp_path, capsys,
                                                                         monkeypatch):
    """The export is written by a forked copy of the build beside the store's load: when it fails
    (here a disk that fills up), the build says so and swaps nothing in."""
    out, code = small_build
    assert code == 0
    before = snapshot(out)
    import kg.pipeline

    def full_disk(g, folder):
        (folder / "entities.jsonl").write_text("{", "utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kg.pipeline, "write_jsonl", full_disk)
    code, _, err = run(capsys, "build", seed(SMALL), "--out", out)
    assert code == 2 and "cannot write the export" in err and "No space left on device" in err
    assert snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith((".build-", ".old-"))]


def test_stats_reads_the_store(small_build, capsys):
    out, _ = small_build
    code, text, err = run(capsys, "stats", "--graph", out)
    assert code == 0, err
    rows = [json.loads(line) for line in (out / "entities.jsonl").read_text("utf-8").splitlines()]
    docs = {m["doc"] for r in rows for m in r["mentions"]}
    assert f"nodes: {len(rows) + len(docs)} (embedded store)" in text   # with the Document nodes
    rels = (out / "relations.jsonl").read_text("utf-8").splitlines()
    mentioned = {(r["id"], m["doc"]) for r in rows for m in r["mentions"]}
    assert f"relationships: {len(rels) + len(mentioned)}" in text   # the store counts MENTIONED_IN too
    companies = sum(r["type"] == "Company" for r in rows)
    assert any(line.split() == ["Company", str(companies)] for line in text.splitlines())
    assert "files read: 1" in text


def test_stats_without_a_graph_exits_2(tmp_path, capsys):
    code, out, err = run(capsys, "stats", "--graph", tmp_path)
    assert code == 2 and str(tmp_path) in err and "no built graph" in err


def test_console_script(tmp_path):
    exe = Path(sys.executable).with_name("kg")
    assert exe.exists()
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    p = subprocess.run([str(exe), "build", str(seed(SMALL)), "--out", str(tmp_path / "o"), "--no-store"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "graph written to" in p.stdout
    p = subprocess.run([str(exe), "stats", "--graph", str(tmp_path / "o")], capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode == 0 and "(JSON Lines export)" in p.stdout
    p = subprocess.run([str(exe), "stats", "--graph", str(tmp_path / "none")], capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode == 2 and "no built graph" in p.stderr
