"""The one loader behind both stores: incremental and idempotent loading, the store interface,
FalkorDB's parameter header, `kg load` / `kg build --neo4j-uri` errors (no Neo4j server here: the
driver's own exceptions, as the server's codes make them, are mapped to one line)."""
from __future__ import annotations

import socket

import pytest

from kg.store import EmbeddedStore, Store, StoreError, open_store, statements
from kg.store.embedded import params_header

ENTS = [
    {"id": "c1", "type": "Company", "name": "甲有限公司", "aliases": ["甲"], "properties": {"investment_cny": 5},
     "mentions": [{"doc": "a.txt", "start": 1, "end": 5}]},
    {"id": "i1", "type": "Institution", "name": "乙大学", "aliases": [], "properties": {"category": "university"},
     "mentions": [{"doc": "a.txt", "start": 9, "end": 12}]},
    {"id": "p1", "type": "Person", "name": "张三", "aliases": [], "properties": {}, "mentions": []},
]
RELS = [
    {"subject": "c1", "predicate": "COOPERATES_WITH", "object": "i1", "confidence": 0.7, "source": "text",
     "rule": "with", "evidence": [{"doc": "a.txt", "start": 0, "end": 20, "text": "甲与乙大学合作"}]},
    {"subject": "p1", "predicate": "HOLDS_POSITION", "object": "c1", "confidence": 0.8, "source": "text",
     "rule": "title", "evidence": [{"doc": "a.txt", "start": 30, "end": 40, "text": "甲董事长张三"}],
     "properties": {"title": "董事长"}},
]


def _rel(db, rel="COOPERATES_WITH"):
    _, rows = db.query(f"MATCH ()-[r:{rel}]->() RETURN properties(r)")
    [[props]] = rows
    return props


def test_the_embedded_store_is_a_store(tmp_path):
    assert issubclass(EmbeddedStore, Store)
    (tmp_path / "store").mkdir()
    assert isinstance(open_store(graph=tmp_path), EmbeddedStore)
    assert open_store(graph=tmp_path).directory == (tmp_path / "store").absolute()
    from kg.store.neo4j import Neo4jStore
    assert isinstance(open_store(neo4j_uri="bolt://localhost:7687"), Neo4jStore)


def test_one_registry_names_the_store_from_its_location(tmp_path):
    """A folder (its embedded store), `falkordb:DIR`, and Neo4j's URIs all reach their store
    through `open_store(location)`; an unknown scheme is one StoreError."""
    from kg.store import StoreError
    from kg.store.neo4j import Neo4jStore

    (tmp_path / "store").mkdir()
    (tmp_path / "entities.jsonl").write_text("")
    assert open_store(str(tmp_path)).directory == (tmp_path / "store").absolute()
    assert open_store(f"falkordb:{tmp_path / 'store'}").directory == (tmp_path / "store").absolute()
    for uri in ("bolt://localhost:7687", "neo4j://localhost:7687", "neo4j+s://db.example.org", "bolt+ssc://h:1"):
        store = open_store(uri, user="u", password="p")
        assert isinstance(store, Neo4jStore) and store.uri == uri and store.user == "u"
    with pytest.raises(StoreError, match="not a store location"):
        open_store("http://localhost:7474")


def test_the_embedded_store_speaks_the_error_contract(tmp_path):
    """Both stores fail with StoreError (a rejected statement) and WriteRefused (a write sent to
    the read path), never their drivers' exceptions."""
    from kg.store import StoreError, WriteRefused

    with EmbeddedStore(tmp_path) as db:
        db.load(ENTS, RELS)
        with pytest.raises(StoreError, match="rejected"):
            db.query("MATCH (n RETURN n")
        with pytest.raises(WriteRefused):
            db.read("CREATE (n:Company {id: 'x'}) RETURN n")
        assert not db.query("MATCH (n {id: 'x'}) RETURN n")[1]
        r = db.read("MATCH (a)-[r:COOPERATES_WITH]->(b) RETURN a, r, b")
        assert r.columns == ["a", "r", "b"] and len(r.graph.nodes) == 2 and len(r.graph.edges) == 1
        [edge] = r.graph.edges.values()
        assert edge["type"] == "COOPERATES_WITH" and {edge["from"], edge["to"]} == set(r.graph.nodes)


def test_reload_adds_only_what_is_new(tmp_path):
    with EmbeddedStore(tmp_path) as db:
        db.load(ENTS, RELS)
        first = db.counts()
        db.load(ENTS, RELS)
        assert db.counts() == first
        r = _rel(db)
        assert (r["evidence_docs"], r["evidence_starts"], r["confidence"]) == (["a.txt"], [0], 0.7)
        assert _rel(db, "HOLDS_POSITION")["title"] == "董事长"  # the record's properties, flattened
        # a later build: a new alias, a new sentence for the same fact, a new mention
        ents = [dict(ENTS[0], aliases=["甲公司"], mentions=[{"doc": "b.txt", "start": 3, "end": 7},
                                                           {"doc": "a.txt", "start": 1, "end": 5}])]
        rels = [dict(RELS[0], confidence=0.9, evidence=[
            {"doc": "b.txt", "start": 50, "end": 60, "text": "甲携手乙大学"},
            {"doc": "a.txt", "start": 0, "end": 20, "text": "甲与乙大学合作"}])]
        db.load(ents, rels)
        r = _rel(db)
        assert r["evidence_docs"] == ["a.txt", "b.txt"] and r["evidence_starts"] == [0, 50]
        assert r["evidence_texts"] == ["甲与乙大学合作", "甲携手乙大学"] and r["confidence"] == 0.9
        _, rows = db.query("MATCH (c:Company {id: 'c1'})-[m:MENTIONED_IN]->(d) RETURN d.id, m.starts ORDER BY d.id")
        assert rows == [["a.txt", [1]], ["b.txt", [3]]]
        _, rows = db.query("MATCH (c:Company {id: 'c1'}) RETURN c.aliases")
        assert rows == [[["甲", "甲公司"]]]
        after = db.counts()
        assert after["relationships"]["MENTIONED_IN"] == first["relationships"]["MENTIONED_IN"] + 1
        db.load(ents, rels)
        assert db.counts() == after and _rel(db)["evidence_starts"] == [0, 50]


def _snapshot(db):
    """Every node's and relationship's labels/type and properties, order-free."""
    _, nodes = db.query("MATCH (n) RETURN labels(n), properties(n)")
    _, rels = db.query("MATCH (a)-[r]->(b) RETURN a.id, type(r), b.id, properties(r)")
    key = lambda row: repr(row)
    return sorted(nodes, key=key), sorted(rels, key=key)


def test_a_first_load_creates_the_graph_a_merge_would(built, tmp_path):
    """An empty store is loaded with CREATE (no lookups); the graph equals the MERGE path's."""
    with EmbeddedStore(tmp_path / "fresh") as db:
        assert db.is_empty()
        db.load(built.entities, built.relations)
        fresh = _snapshot(db)
    with EmbeddedStore(tmp_path / "merged") as db:
        for batch in statements.plan_load(built.entities, built.relations, fresh=False):
            db.write_batch(batch.statement, {"rows": batch.rows})
        db.flush()
        assert not db.is_empty()
        merged = _snapshot(db)
    assert fresh == merged
    assert len(fresh[0]) > 100 and len(fresh[1]) > 100


def test_a_load_stopped_midway_completes_when_run_again(tmp_path):
    with EmbeddedStore(tmp_path / "full") as db:
        db.load(ENTS, RELS)
        full = db.counts()
    with EmbeddedStore(tmp_path / "half") as db:
        db.ensure_schema()
        batches = list(statements.plan_load(ENTS, RELS, batch_size=1))
        for b in batches[: len(batches) // 2]:
            db.write(b.statement, {"rows": b.rows})
        assert db.counts() != full
        db.load(ENTS, RELS)
        assert db.counts() == full


@pytest.mark.parametrize("value", [
    "plain", 'quo"te', "back\\slash", "new\nline\ttab", "ctl\x01char", '他说":不', "emoji 😀", "",
    {"a": 1, "b_2": [1, 2], "中文键": "值"}, {"odd key": 1, "x": {"y\"z": 2}}, [1.5, -2, True, None],
    [{"s": "x", "props": {"k": 'v":'}}], 10 ** 15,
])
def test_params_header_round_trips(tmp_path_factory, value, request):
    store = request.getfixturevalue("scratch")
    _, rows = store.query("RETURN $x AS x", {"x": value})
    assert rows == [[value]]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    with EmbeddedStore(tmp_path_factory.mktemp("scratch")) as db:
        yield db


def test_params_header_is_json_fast_path():
    h = params_header({"rows": [{"id": "x", "props": {"name": "名"}}]})
    assert h == 'CYPHER rows=[{`id`:"x",`props`:{`name`:"名"}}] '
    with pytest.raises(ValueError):
        params_header({"bad name": 1})


# ---- Neo4j without a server ------------------------------------------------------------------

def _hydrate(code, message):
    from neo4j.exceptions import Neo4jError
    return Neo4jError._hydrate_neo4j(code=code, message=message)


@pytest.mark.parametrize("exc, expected", [
    (lambda: _hydrate("Neo.ClientError.Security.Unauthorized", "The client is unauthorized due to authentication failure."),
     "refused user 'neo4j': wrong user or password"),
    (lambda: _hydrate("Neo.ClientError.Database.DatabaseNotFound", "Graph not found: nosuch"), "no database 'nosuch'"),
    (lambda: _hydrate("Neo.ClientError.Statement.SyntaxError", "Invalid input 'RETRUN'"), "rejected a statement"),
    (lambda: __import__("neo4j").exceptions.ServiceUnavailable("Couldn't connect to x:7687 (reason [Errno 111] Connection refused)"),
     "cannot reach Neo4j at bolt://x:7687 (database 'nosuch'): Connection refused"),
])
def test_neo4j_errors_become_one_line(exc, expected):
    from kg.store.neo4j import Neo4jStore

    store = Neo4jStore("bolt://x:7687", user="neo4j", database="nosuch")
    err = store._error(exc())
    assert isinstance(err, StoreError) and expected in str(err) and "\n" not in str(err)


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_kg_load_errors(built, tmp_path, capsys):
    from kg.cli import main

    uri = f"bolt://127.0.0.1:{_closed_port()}"
    for argv, message in [
        (["load", "--graph", str(built.out), "--neo4j-uri", uri], f"kg load: cannot reach Neo4j at {uri}"),
        (["load", "--graph", str(built.out), "--neo4j-uri", "http://localhost:7474"], "not a Neo4j URI"),
        (["load", "--graph", str(tmp_path), "--neo4j-uri", uri], "holds no built graph"),
        (["load", "--graph", str(built.out), "--neo4j-uri", ""], "no Neo4j server given"),
    ]:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


def test_kg_build_then_load_unreachable(tmp_path, capsys):
    from kg.cli import main
    from tests.conftest import seed

    out = tmp_path / "out"
    uri = f"bolt://127.0.0.1:{_closed_port()}"
    assert main(["build", str(seed("000")), "--out", str(out), "--neo4j-uri", uri]) == 2
    assert "kg build: cannot reach Neo4j" in capsys.readouterr().err
    assert (out / "entities.jsonl").is_file() and (out / "store").is_dir()  # the build itself stands
