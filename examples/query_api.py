"""The Python API: open a store, run library queries and inline Cypher with parameters, get rows.

    kg build seeds/ --out out
    python examples/query_api.py out                             # the embedded store in out/store
    NEO4J_URI=bolt://localhost:7687 python examples/query_api.py  # the same, on Neo4j (after kg load)
"""
from __future__ import annotations

import os
import sys

from kg.query import format_rows, run_query
from kg.store import open_store


def main(graph: str = "out") -> None:
    uri = os.environ.get("NEO4J_URI")
    # One store for several queries: the embedded store starts its server once.
    with open_store(graph=graph, neo4j_uri=uri) as db:
        print(db.counts()["relationships"])

        # A query of cypher/ by name: the headline one, each park with its companies.
        cols, rows = run_query("parks_companies", store=db)
        print(format_rows(cols, rows, "table"))

        # With parameters (names, aliases or ids are all accepted by the library's queries).
        cols, rows = run_query("find_entity", {"text": "合生"}, store=db)
        for row in rows:
            record = dict(zip(cols, row))
            print(record["label"], record["name"], record["id"])

        # Inline Cypher with a parameter; rows are plain Python values (lists stay lists).
        cols, rows = db.query(
            "MATCH (c:Company)-[r:LOCATED_IN]->(p) WHERE p.name CONTAINS $word "
            "RETURN c.name AS company, p.name AS place, r.evidence_texts[0] AS evidence",
            {"word": "开发区"})
        print(format_rows(cols, rows, "json"))


if __name__ == "__main__":
    main(*sys.argv[1:2])
