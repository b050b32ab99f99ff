"""The commands against the real Neo4j test server (the session's `neo4j_server`): no driver
warning on stderr, no traceback when the reader of standard output goes away."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kg.schema import LABELS


def kg(*args, env=None, close_stdout=False, timeout=300):
    """Run `kg ARGS`; with close_stdout, its standard output is a pipe whose reader is gone
    (as in `kg … | head -0`)."""
    cmd = [sys.executable, "-m", "kg.cli", *args]
    if not close_stdout:
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    r, w = os.pipe()
    os.close(r)
    try:
        return subprocess.run(cmd, stdout=w, stderr=subprocess.PIPE, text=True, env=env, timeout=timeout)
    finally:
        os.close(w)


@pytest.fixture(scope="module")
def neo_env(neo4j_server, built):
    with neo4j_server.store() as db:
        for label in LABELS:
            db.write(f"MATCH (n:`{label}`) DETACH DELETE n")
    env = {**os.environ, **neo4j_server.env}
    p = kg("load", "--graph", str(built.out), env=env)
    assert p.returncode == 0, p.stderr
    return env


def test_library_queries_print_no_driver_warnings(neo_env):
    """Each query of cypher/ run as its header's example says, on Neo4j: nothing on stderr."""
    import shlex

    from kg.query import library, resolve

    for name, path in library().items():
        words = shlex.split(resolve(str(path)).example)
        params = [x for i, w in enumerate(words) if w in ("--param", "-p") for x in ("--param", words[i + 1])]
        p = kg("query", name, *params, "--neo4j-uri", neo_env["NEO4J_URI"], env=neo_env)
        assert p.returncode == 0, (name, p.stderr)
        assert p.stderr == "", (name, p.stderr)


def test_a_query_the_server_would_warn_about_prints_no_warning(neo_env):
    # collect() over an OPTIONAL MATCH that finds nothing: "null value eliminated in set function";
    # an unknown relationship type: another notification
    p = kg("query", "MATCH (n:Region) OPTIONAL MATCH (n)-[:NO_SUCH_TYPE]->(m) RETURN collect(DISTINCT m.name) AS x",
           "--neo4j-uri", neo_env["NEO4J_URI"], env=neo_env)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""


@pytest.mark.parametrize("args", [
    ["load", "--graph", "{out}"],
    ["query", "find_entity", "--param", "text=内蒙古", "--format", "json", "--neo4j-uri", "{uri}"],
    ["query", "MATCH (n) RETURN n.id AS id, n.name AS name", "--graph", "{out}"],
    ["stats", "--graph", "{out}"],
    ["export", "rdf", "--format", "nt", "--graph", "{out}"],
], ids=lambda a: " ".join(a[:2]))
def test_no_traceback_when_stdout_is_closed(neo_env, built, args):
    args = [a.format(out=built.out, uri=neo_env["NEO4J_URI"]) for a in args]
    p = kg(*args, env=neo_env, close_stdout=True)
    assert "Traceback" not in p.stderr, p.stderr
    assert p.returncode in (0, 2, 141), p.stderr
