"""Against a live Neo4j 5 server: load, idempotent reload, every cypher/ query with the same rows as
the embedded store, the one-line errors.

The server is the session's `neo4j_server` (tests/conftest.py): a Neo4j 5.26 Community server that
tools/neo4j-test-server starts for the tests (or KG_TEST_NEO4J_URI's). These tests DELETE every
node of kg's labels in its default database first.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.schema import LABELS
from kg.query import QueryFile, parse_params, run_query
from kg.store import EmbeddedStore, StoreError

CYPHER = Path(__file__).resolve().parent.parent / "cypher"


@pytest.fixture(scope="module")
def neo(built, neo4j_server):
    with neo4j_server.store() as db:
        for label in LABELS:
            db.write(f"MATCH (n:`{label}`) DETACH DELETE n")
        yield db


def _load(db, built):
    from kg.store_commands import load_graph

    return load_graph(built.out, db, verbose=False)




def test_load_matches_the_embedded_store(neo, built):
    _load(neo, built)
    with EmbeddedStore(built.out / "store") as emb:
        expected = emb.counts()
    assert neo.counts() == expected


def test_reload_is_idempotent(neo, built):
    before = neo.counts()
    _load(neo, built)
    assert neo.counts() == before
    _, rows = neo.query("MATCH ()-[r]->() WHERE type(r) <> 'MENTIONED_IN' "
                        "RETURN sum(size(r.evidence_docs)) AS n")
    assert rows[0][0] == sum(len({(e["doc"], e["start"], e["end"]) for e in r["evidence"]})
                             for r in {(x["subject"], x["predicate"], x["object"]): x for x in built.relations}.values())


def test_read_gives_the_graph_and_refuses_writes(neo, built):
    """Neo4j's side of the error contract and of `Store.read` (test_load has the embedded one)."""
    from kg.store import StoreError, WriteRefused

    _load(neo, built)
    with pytest.raises(WriteRefused):
        neo.read("CREATE (n:Company {id: 'x'}) RETURN n")
    with pytest.raises(StoreError, match="rejected"):
        neo.query("MATCH (n RETURN n")
    r = neo.read("MATCH (a:Company)-[r:LOCATED_IN]->(b:IndustrialPark) RETURN a, r, b LIMIT 3")
    assert r.columns == ["a", "r", "b"] and len(r.graph.edges) == 3
    assert all(e["from"] in r.graph.nodes and e["to"] in r.graph.nodes for e in r.graph.edges.values())
    assert {n["label"] for n in r.graph.nodes.values()} == {"Company", "IndustrialPark"}


def test_schema_has_the_constraints(neo):
    _, rows = neo.query("SHOW CONSTRAINTS YIELD name RETURN name")
    assert {f"kg_{n}_id" for n in ("company", "region", "document")} <= {r[0] for r in rows}


@pytest.mark.parametrize("path", sorted(CYPHER.glob("*.cypher")), ids=lambda p: p.stem)
def test_every_query_gives_the_embedded_rows(neo, built, path):
    q = QueryFile.parse(path.read_text("utf-8"), path.stem, path)
    params = parse_params(__import__("re").findall(r"--param (\S+)", q.example))
    _, got = run_query(q, params, store=neo)
    with EmbeddedStore(built.out / "store") as emb:
        _, want = run_query(q, params, store=emb)

    def norm(rows):
        return sorted(repr([sorted(v, key=repr) if isinstance(v, list) else v for v in r]) for r in rows)
    assert norm(got) == norm(want)


def test_wrong_password_is_one_line(neo4j_server):
    from kg.store.neo4j import Neo4jStore

    with pytest.raises(StoreError, match="wrong user or password"):
        Neo4jStore(neo4j_server.uri, user=neo4j_server.user,
                   password="not-the-password-" + os.urandom(4).hex()).open()


def test_missing_database_is_one_line(neo4j_server):
    with pytest.raises(StoreError, match="no database"):
        neo4j_server.store(database="nosuchdb" + os.urandom(3).hex()).open()
