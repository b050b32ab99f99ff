"""Every Cypher statement kg sends to Neo4j, linted by Neo4j's own language support.

No Neo4j server can run here, so `tools/cypher-lint` (npm's @neo4j-cypher/language-support, the
parser and semantic analysis of Neo4j's tools) checks each statement against Cypher 5 with the
graph's labels, relationship types and property keys declared: the cypher/ library, the Neo4j
schema file and every statement shape the loader can produce. A syntax or semantic error fails,
and so does a label, type, property or function Neo4j would not know (a typo).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kg.schema import LABELS, RELATION_ENDS
from kg.query import QueryFile
from kg.store import neo4j, statements
from kg.store.neo4j import Neo4jStore

ROOT = Path(__file__).resolve().parent.parent
LINT = ROOT / "tools" / "cypher-lint"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed: cannot run Neo4j's Cypher linter")

LEVELS = statements.REGION_LEVELS


def loader_statements() -> dict[str, str]:
    """Every statement shape `plan_load` and `plan_update` can send (nodes, documents, mentions,
    relationships with each end label known or not, deletions) and the store's own reads."""
    out = {}
    for label in LABELS:
        if label == "Document":
            out["nodes Document"] = statements.merge_nodes("Document", aliases=False)
            continue
        out[f"nodes {label}"] = statements.merge_nodes(label)
        out[f"mentions {label}"] = statements.merge_relationships(statements.MENTIONED_IN, label, "Document")
        out[f"fresh nodes {label}"] = statements.create_nodes(label)
        out[f"fresh nodes+mentions {label}"] = statements.create_nodes(label, mentions=True)
        out[f"fresh mentions {label}"] = statements.create_relationships(statements.MENTIONED_IN, label, "Document")
        out[f"update nodes {label}"] = statements.replace_nodes(label)
        out[f"update delete {label}"] = statements.delete_nodes(label)
        out[f"update delete mentions {label}"] = statements.delete_mentions(label)
    out["fresh nodes Document"] = statements.create_nodes("Document", aliases=False)
    out["update nodes Document"] = statements.replace_nodes("Document", aliases=False)
    out["update delete Document"] = statements.delete_nodes("Document")
    for level in LEVELS:
        out[f"nodes Region:{level}"] = statements.merge_nodes("Region", level)
        out[f"fresh nodes Region:{level}"] = statements.create_nodes("Region", level)
        out[f"fresh nodes+mentions Region:{level}"] = statements.create_nodes("Region", level, mentions=True)
        out[f"update nodes Region:{level}"] = statements.replace_nodes("Region", level)
    for rel, (subjects, objects) in RELATION_ENDS.items():
        for s in subjects + (None,):
            for o in objects + (None,):
                out[f"{rel} {s}->{o}"] = statements.merge_relationships(rel, s, o)
                out[f"fresh {rel} {s}->{o}"] = statements.create_relationships(rel, s, o)
                out[f"update delete {rel} {s}->{o}"] = statements.delete_relationships(rel, s, o)
    out["fresh nodes (Neo4j 5.26+)"] = neo4j.CREATE_NODES
    out["fresh relationships (Neo4j 5.26+)"] = neo4j.CREATE_RELATIONSHIPS
    out["count nodes"] = statements.COUNT_NODES
    out["any node"] = statements.ANY_NODE
    out["count relationships"] = statements.COUNT_RELATIONSHIPS
    out["connectivity check"] = "RETURN 1"
    return out


def all_statements() -> dict[str, str]:
    out = {f"cypher/{p.name}": QueryFile.parse(p.read_text("utf-8")).cypher
           for p in sorted((ROOT / "cypher").glob("*.cypher"))}
    for i, stmt in enumerate(Neo4jStore.schema_statements()):
        out[f"Neo4jStore schema #{i + 1}"] = stmt
    # The loader's statements differ only in the labels and types spliced in (backtick-quoted).
    # Neo4j's linter takes ~0.5 s a statement, so each shape is linted once, with its first
    # labels, and every label and type it takes is linted on its own (a quoted name is a quoted
    # name wherever it stands).
    shapes = {}
    for k, v in loader_statements().items():
        shapes.setdefault(_shape(v), (k, v))
    out.update({f"loader: {k}": v for k, v in shapes.values()})
    for label in LABELS + LEVELS:
        out[f"label {label}"] = f"MATCH (n:{statements.ident(label)}) RETURN n.id AS id"
    for rel in list(RELATION_ENDS) + [statements.MENTIONED_IN]:
        out[f"type {rel}"] = f"MATCH ()-[r:{statements.ident(rel)}]->() RETURN count(r) AS n"
    return out


def _shape(stmt: str) -> str:
    return re.sub(r"`\w+`", "`_`", stmt)


def db_schema(built) -> dict:
    """What a loaded kg graph holds: its labels, relationship types and property keys."""
    keys = {"id", "name", "aliases", "title", "confidence", "source", "rule", "starts", "ends",
            *statements.EVIDENCE_LISTS, "articles",
            "s", "o", "props", "spans"}  # the keys of the loader's `row` maps
    for e in built.entities:
        keys |= set(e["properties"])
    for r in built.relations:
        keys |= set(r.get("properties", {}))
    return {"labels": list(LABELS) + list(LEVELS),
            "relationshipTypes": list(RELATION_ENDS) + [statements.MENTIONED_IN],
            "propertyKeys": sorted(keys)}


def lint(stmts: dict[str, str], schema: dict) -> dict[str, list[dict]]:
    if not (LINT / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        pytest.fail("the Cypher linter is not installed: run `npm ci --prefix tools/cypher-lint`")
    params = {p: "x" for q in stmts.values() for p in re.findall(r"\$(\w+)", q)}
    request = {"schema": {**schema, "parameters": params},
               "statements": [{"name": k, "query": v} for k, v in stmts.items()]}
    proc = subprocess.run([NODE, str(LINT / "lint.mjs")], input=json.dumps(request), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return {r["name"]: r["diagnostics"] for r in json.loads(proc.stdout)}


def rejected(diagnostics: list[dict]) -> list[str]:
    """What Neo4j 5 would reject, and names it would not know."""
    return [f"{d['severity']} {d['line']}:{d['column']} {d['message']}" for d in diagnostics
            if d["severity"] == "error" or "is not present in the database" in d["message"]]


@pytest.fixture(scope="module")
def results(built):
    return lint(all_statements(), db_schema(built))


def test_every_statement_sent_to_neo4j_passes(results):
    assert len(results) == len(all_statements())
    bad = {name: rejected(d) for name, d in results.items() if rejected(d)}
    assert bad == {}


def test_the_statements_linted_are_the_ones_the_loader_sends(built):
    """plan_load on the seeds' graph sends only statements of the shapes linted, with labels and
    types that were linted."""
    linted = all_statements()
    shapes = {_shape(v) for k, v in linted.items() if k.startswith("loader: ")}
    names = {k.split()[1] for k in linted if k.startswith(("label ", "type "))}
    for fresh in (False, True):
        batches = list(statements.plan_load(built.entities, built.relations, [{"id": "d", "name": "d"}],
                                            fresh=fresh))
        assert {b.statement for b in batches} <= set(loader_statements().values())
    sent = set()
    for b in neo4j.plan_fresh(built.entities, built.relations, [{"id": "d", "name": "d"}]):
        sent.add(b.statement)
        if b.ids is not None:
            b.ids.update((r["id"], r["id"]) for r in b.rows)
    assert sent == {neo4j.CREATE_NODES, neo4j.CREATE_RELATIONSHIPS}
    for stmt in loader_statements().values():
        assert _shape(stmt) in shapes
        assert set(re.findall(r"`(\w+)`", stmt)) <= names


def test_the_linter_does_reject(built):
    """The check is not vacuous: what Neo4j rejects is reported."""
    out = lint({"syntax": "MATCH (n RETURN n",
                "apoc": "RETURN apoc.coll.sum([1, 2]) AS s",
                "label typo": "MATCH (n:Compnay) RETURN n.name AS name",
                "undefined variable": "MATCH (n:Company) RETURN m.name AS name",
                "fine": "MATCH (n:Company {id: $id}) RETURN n.name AS name"}, db_schema(built))
    assert rejected(out["syntax"]) and rejected(out["apoc"]) and rejected(out["label typo"])
    assert rejected(out["undefined variable"])
    assert rejected(out["fine"]) == []
