"""Issue 13's "Messages": what a user is told, in one line and with the right exit status, when the
input or the output is not what kg expects. Real files, the real `kg` command (kg.cli.main, or a
subprocess where a process must run without root's powers)."""
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

ROOT = Path(__file__).resolve().parents[1]
SMALL = "003"   # the smallest seed file


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# ---- kg build: inputs and output folder --------------------------------------------------------

def test_utf16_and_utf32_files_with_a_bom_are_read_like_utf8(tmp_path, capsys):
    text = seed(SMALL).read_text("utf-8")
    want = None
    for encoding in ("utf-8", "utf-16", "utf-16-be", "utf-32"):
        folder = tmp_path / encoding
        folder.mkdir()
        data = text.encode(encoding)
        if encoding == "utf-16-be":
            data = b"\xfe\xff" + data
        (folder / "article.txt").write_bytes(data)
        code, out, err = run(capsys, "build", folder, "--out", tmp_path / f"out-{encoding}", "--no-store",
                             "--workers", 1)
        assert code == 0 and err == "", (encoding, err)
        export = (tmp_path / f"out-{encoding}" / "entities.jsonl").read_text("utf-8")
        if want is None:
            want = export
            assert len(want.splitlines()) > 20
        assert export == want, encoding      # the same names and the same offsets (counted after the BOM)


def test_out_naming_a_file(tmp_path, capsys):
    f = tmp_path / "graph.json"
    f.write_text("{}", "utf-8")
    code, out, err = run(capsys, "build", seed(SMALL), "--out", f)
    assert code == 2 and out == ""
    assert one_line(err) == f"kg build: the output folder {f} is a file, not a folder (name a folder; it is made if missing)"
    assert f.read_text("utf-8") == "{}"


def test_missing_input_folder(tmp_path, capsys):
    missing = tmp_path / "no-such-folder"
    code, out, err = run(capsys, "build", missing, "--out", tmp_path / "o")
    assert code == 2 and out == ""
    assert one_line(err) == f"kg build: no such file or folder: {missing}"
    assert not (tmp_path / "o").exists()
    # beside an existing one: it is reported as skipped, the rest is built, exit 1
    code, out, err = run(capsys, "build", missing, seed(SMALL), "--out", tmp_path / "o", "--no-store", "--workers", 1)
    assert code == 1 and one_line(err) == f"kg build: skipped {missing}: file not found"
    assert "files read: 1 (1 skipped)" in out


def test_no_article_names_the_files_and_why(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "image.txt").write_bytes(bytes(range(256)) * 4)
    code, out, err = run(capsys, "build", src, "--out", tmp_path / "o", "--no-store")
    assert code == 2
    line = one_line(err)
    assert line.startswith(f"kg build: no article found in {src} ") and f"{src / 'image.txt'}: binary file" in line


def test_symlinked_folders_are_followed_once(tmp_path, capsys):
    real = tmp_path / "elsewhere" / "2024"
    real.mkdir(parents=True)
    shutil.copy(seed(SMALL), real / "a.txt")
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    shutil.copy(seed("001"), src / "sub" / "b.txt")
    (src / "linked").symlink_to(real, target_is_directory=True)       # a folder elsewhere: followed
    (src / "sub" / "loop").symlink_to(src, target_is_directory=True)  # back up: a loop, not followed
    (src / "again").symlink_to(real, target_is_directory=True)        # the same folder a second way
    code, out, err = run(capsys, "build", src, "--out", tmp_path / "o", "--no-store", "--workers", 1)
    assert code == 0, err
    assert "files read: 2" in out and "reprinted articles: 0" in out
    notes = err.splitlines()
    assert notes == [f"kg build: {src / 'linked'} is {src / 'again'} again (a symbolic link), a folder already read; not read twice",
                     f"kg build: {src / 'sub' / 'loop'} is {src} again (a symbolic link), a folder already read; not read twice"]
    docs = {m["doc"] for e in map(json.loads, (tmp_path / "o" / "entities.jsonl").open(encoding="utf-8"))
            for m in e["mentions"]}
    assert docs == {"a.txt", "b.txt"}


def _without_root_powers() -> list[str]:
    """A command prefix that runs kg as this user but without the power to write anywhere (root's
    CAP_DAC_OVERRIDE), so a folder's permissions bind as they would for any user."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv (util-linux): permissions cannot be made to bind")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_unwritable_build_cache(tmp_path):
    out = tmp_path / "o"
    (out / ".kg-cache").mkdir(parents=True)
    (out / ".kg-cache").chmod(0o555)
    try:
        r = subprocess.run([*_without_root_powers(), sys.executable, "-m", "kg.cli", "build", str(seed(SMALL)),
                            "--out", str(out), "--workers", "1"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    finally:
        (out / ".kg-cache").chmod(0o755)
    assert r.returncode == 2 and r.stdout == ""
    assert one_line(r.stderr) == (f"kg build: cannot write the build cache {out / '.kg-cache'}: Permission denied "
                                  "(make it writable, or delete it: the next build makes it again)")
    assert sorted(p.name for p in out.iterdir()) == [".kg-build.lock", ".kg-cache"]   # no staging left


# ---- a port that is not Neo4j --------------------------------------------------------------------

class _Listener:
    """A TCP server on a free port of 127.0.0.1 that accepts connections and either says nothing
    (`reply` None) or answers the first bytes with `reply`."""

    def __init__(self, reply: bytes | None):
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.reply = reply
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            if self.reply is not None:
                try:
                    conn.recv(64)
                    conn.sendall(self.reply)
                except OSError:
                    pass

    def close(self):
        self.sock.close()
        for c in self.held:
            c.close()


@pytest.mark.parametrize("reply, says", [
    (None, "it accepted the connection but gave no Bolt answer within 5 s"),
    (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "it answered in HTTP instead of a Bolt handshake"),
    (b"-ERR unknown command\r\n", "instead of a Bolt handshake"),          # e.g. a Redis server
])
def test_a_port_that_is_not_neo4j_fails_fast(reply, says, capsys):
    import time

    from kg.store import StoreError
    from kg.store.neo4j import Neo4jStore

    server = _Listener(reply)
    try:
        clock = time.monotonic()
        code, out, err = run(capsys, "query", "RETURN 1", "--neo4j-uri", f"bolt://127.0.0.1:{server.port}")
        took = time.monotonic() - clock
        assert code == 2 and out == ""
        line = one_line(err)
        assert line.startswith(f"kg query: 127.0.0.1:{server.port} is not a Neo4j server: ") and says in line
        assert took < (7 if reply is None else 2), took    # a silent port took 61 s
        with pytest.raises(StoreError, match="is not a Neo4j server"):
            Neo4jStore(f"neo4j://127.0.0.1:{server.port}", connection_timeout=1).open()
    finally:
        server.close()


# ---- kg query: empty parameters, entities the graph lacks -----------------------------------------

@pytest.fixture(scope="module")
def graph(built, tmp_path_factory) -> Path:
    """A copy of the seeds' build (its own store folder)."""
    g = tmp_path_factory.mktemp("messages") / "out"
    shutil.copytree(built.out, g, ignore=shutil.ignore_patterns("*.sock", "*.pid", "*.lock"))
    return g


def test_an_empty_required_parameter_is_refused(graph, capsys):
    for value in ("", "  "):
        code, out, err = run(capsys, "query", "company_profile", "--param", f"company={value}", "--graph", graph)
        assert code == 2 and out == ""
        assert one_line(err).startswith("kg query: query company_profile: parameter $company is empty; it needs "
                                        "the company's name, alias or id")
    code, out, err = run(capsys, "query", "MATCH (n {name: $who}) RETURN n.id", "--param", "who=", "--graph", graph)
    assert code == 2 and "parameter $who is empty" in one_line(err)
    # a parameter with a default may be given empty: it is sent as given (here: every entity's names)
    assert run(capsys, "query", "most_connected", "--param", "limit=3", "--graph", graph)[0] == 0


@pytest.mark.parametrize("argv, line", [
    (["company_profile", "--param", "company=金宇宝灵"],
     "kg query: no Company named '金宇宝灵' ($company) in the graph; nearest names: 金宇保灵"),
    (["region_companies", "--param", "region=呼和浩"],
     "kg query: no Region named '呼和浩' ($region) in the graph; nearest names: 呼和浩特市"),
    (["relationship_evidence", "--param", "subject=金宇保灵", "--param", "object=沙尔沁工业园"],
     "kg query: no entity named '沙尔沁工业园' ($object) in the graph; nearest names: 沙尔沁工业园区"),
    (["cooperation_network", "--param", "entity=完全不相干的名字"],
     "kg query: no Company or Institution named '完全不相干的名字' ($entity) in the graph; nothing with a similar name"),
])
def test_an_entity_the_graph_lacks_is_not_found_with_the_nearest_names(graph, capsys, argv, line):
    code, out, err = run(capsys, "query", *argv, "--graph", graph)
    assert code == 2 and out == ""
    got = one_line(err)
    assert got.endswith(" (kg query find_entity --param text=… searches by part of a name)")
    assert got.startswith(line)     # the nearest names first (the extraction decides what else is near)


def test_an_entity_the_graph_has_answers_as_before(graph, capsys):
    code, out, err = run(capsys, "query", "company_profile", "--param", "company=金宇保灵生物药品有限公司",
                         "--graph", graph)
    assert code == 0 and err == "" and "(0 rows)" not in out
    # found but unconnected within four steps: an empty answer, not "not found"
    code, out, err = run(capsys, "query", "connection", "--param", "from=金宇保灵", "--param", "to=金宇保灵",
                         "--graph", graph)
    assert code == 0 and err == ""


# ---- kg stats explains its counts; RDF files get normal permissions --------------------------------

def test_stats_says_what_it_counts(graph, capsys):
    code, out, err = run(capsys, "stats", "--graph", graph)
    assert code == 0 and err == ""
    entities = [json.loads(l) for l in (graph / "entities.jsonl").read_text("utf-8").splitlines()]
    facts = len((graph / "relations.jsonl").read_text("utf-8").splitlines())
    docs = {m["doc"] for e in entities for m in e["mentions"]}
    mentions = {(e["id"], m["doc"]) for e in entities for m in e["mentions"]}
    summary = json.loads((graph / "summary.json").read_text("utf-8"))
    assert sum(summary["nodes"].values()) == len(entities)           # what the build printed
    lines = out.splitlines()
    assert (f"nodes: {len(entities) + len(docs)} (embedded store) = {len(entities)} entities + {len(docs)} documents"
            in lines)
    assert f"relationships: {facts + len(mentions)} = {facts} facts + {len(mentions)} mentions" in lines
    [doc_line] = [l for l in lines if l.split()[:1] == ["Document"]]
    assert doc_line.split()[1] == str(len(docs)) and "one node per file read" in doc_line
    [mention_line] = [l for l in lines if l.split()[:1] == ["MENTIONED_IN"]]
    assert "one per entity and file" in mention_line
    assert f"reprinted articles: {summary['reprints']} (the same article printed again" in out


def test_rdf_files_get_the_mode_any_new_file_gets(graph, tmp_path, capsys):
    mask = os.umask(0o022)
    try:
        target = tmp_path / "graph.nt"
        code, out, err = run(capsys, "export", "rdf", "--format", "nt", "--graph", graph, "--output", target)
        assert code == 0, err
        assert target.stat().st_mode & 0o777 == 0o644                   # not mkstemp's 0600
        target.chmod(0o640)                                              # a file it replaces keeps its mode
        assert run(capsys, "export", "rdf", "--format", "nt", "--graph", graph, "--output", target)[0] == 0
        assert target.stat().st_mode & 0o777 == 0o640
        os.umask(0o077)
        private = tmp_path / "private.nt"
        assert run(capsys, "export", "rdf", "--format", "nt", "--graph", graph, "--output", private)[0] == 0
        assert private.stat().st_mode & 0o777 == 0o600                   # the user's umask still rules
    finally:
        os.umask(mask)


# ---- the browser -----------------------------------------------------------------------------------

from test_browse import Server, chromium, open_page  # noqa: E402,F401  (a running kg browse; headless Chromium)


@pytest.fixture(scope="module")
def browser(graph):
    server = Server(graph)
    yield server
    server.stop()


def test_browser_refuses_an_empty_required_parameter_naming_it(browser):
    for value in ("", "   "):
        status, answer = browser.post({"name": "company_profile", "params": {"company": value}})
        assert status == 400 and "parameter $company is empty" in answer["error"], answer
    status, answer = browser.post({"cypher": "MATCH (n) WHERE n.name = $who RETURN n.id", "params": {"who": ""}})
    assert status == 400 and "parameter $who is empty" in answer["error"]


def _untitled_mention(browser) -> tuple[str, dict]:
    """A node mentioned in an untitled article of seed 001 (whose first article has a title)."""
    import urllib.request

    found = browser.get("api/search?q=" + urllib.request.quote("北方稀土贮氢"))
    for node in (n for g in found["groups"] for n in g["items"]):
        for m in browser.get("api/node?id=" + node["id"])["mentions"]:
            if m["doc"].startswith("001_") and m["article"] == "":
                return node["id"], m
    raise AssertionError("no mention in an untitled article of 001 (the seeds changed?)")


def test_a_mention_in_an_untitled_article_shows_no_other_articles_title(browser, graph, chromium):  # noqa: F811  (the fixture)
    nid, m = _untitled_mention(browser)
    assert m["document_title"] and m["sentence"]     # the file's first article has a title: not this one's
    page = open_page(chromium, browser.url, [], [])
    try:
        page.fill("#search", "北方稀土贮氢")
        page.wait_for_selector("#results .result")
        page.click("#results .result")
        page.wait_for_selector("#node-details .mention")
        sources = page.locator("#node-details .mention .src").all_inner_texts()
        untitled = [s for s in sources if s.endswith(f"{m['doc']} [{m['start']}–{m['end']}]")]
        assert untitled and all(s.startswith("(untitled article) · ") for s in untitled), sources
        assert not any(m["document_title"] in s for s in untitled)
    finally:
        page.close()


def test_region_tree_names_are_readable_without_zooming(browser, chromium):  # noqa: F811  (the fixture)
    page = open_page(chromium, browser.url, [], [])
    try:
        page.click("#view-regions")
        page.wait_for_function("() => document.getElementById('query-message').textContent.startsWith('Region tree')")
        shown = page.evaluate("""() => {
            const net = window.kgBrowse.network, box = document.getElementById('graph').getBoundingClientRect();
            const ids = window.kgBrowse.nodeView.getIds(), pos = net.getPositions(ids);
            const out = [];
            for (const id of ids) {
                const p = net.canvasToDOM(pos[id]);
                if (p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height)
                    out.push({x: p.x, y: p.y, name: window.kgBrowse.nodes.get(id).kgName});
            }
            return {scale: net.getScale(), nodes: out, all: ids.length};
        }""")
        # captions are drawn at their own size (13 px) or larger, not shrunk to fit everything
        assert shown["scale"] >= 1, shown["scale"]
        assert len(shown["nodes"]) >= min(8, shown["all"]), shown
        # and no two captions on screen overlap (each: its name's width, 13 px high, under its dot)
        boxes = [(n["x"] - 6.5 * len(n["name"]) * shown["scale"], n["y"], n["x"] + 6.5 * len(n["name"]) * shown["scale"],
                  n["y"] + 34 * shown["scale"], n["name"]) for n in shown["nodes"]]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    finally:
        page.close()
