"""`kg load` and `kg query`, and `kg build … --neo4j-uri`: the store commands, registered on the
`kg` parser by `register(sub, build_parser)` (kg/cli.py).

Exit status: 0 on success, 2 when the store cannot be used (unreachable server, wrong password,
missing database, no built graph) or the query is not usable (a required parameter missing or
empty, an entity it names that the graph lacks: with the nearest names); the reason is one line
on stderr.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg.store.options import add_store_options

EXIT_FAILED = 2


def register(sub, build_parser: argparse.ArgumentParser | None = None) -> None:
    """Add `load` and `query` to the `kg` subcommands, and --neo4j-uri to `kg build`."""
    p = sub.add_parser("load", help="load a built graph into Neo4j (idempotent)",
                       description="Load a built graph (entities.jsonl, relations.jsonl) into Neo4j: "
                                   "constraints first, then MERGE in batches. Loading twice changes nothing; "
                                   "loading a newer build adds what is new.")
    add_store_options(p, uri_from_env=True, uri_help="the Neo4j 5 server to load into, e.g. bolt://localhost:7687")
    p.add_argument("--batch-size", type=int, default=1000, metavar="N", help="rows per transaction (default 1000)")
    p.set_defaults(func=cmd_load)

    q = sub.add_parser("query", help="run a query of cypher/ or inline Cypher",
                       description="QUERY is a file of cypher/ (by name, e.g. parks_companies), a .cypher "
                                   "file's path, or inline Cypher. Runs on the embedded store of --graph "
                                   "(default) or on Neo4j with --neo4j-uri.")
    q.add_argument("query", nargs="?", help="query name, .cypher file or Cypher text (omit to list the library)")
    q.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                   help="a query parameter (repeatable); numbers, true/false and JSON are typed, the rest is text")
    q.add_argument("--format", "-f", choices=("table", "json", "csv"), default="table")
    add_store_options(q)
    q.set_defaults(func=cmd_query)

    if build_parser is not None:
        add_store_options(build_parser, graph=False,
                          uri_help="after building, load the graph into this Neo4j server too")
        build_parser.add_argument("--batch-size", type=int, default=1000, help=argparse.SUPPRESS)


def load_graph(graph, store, batch_size: int | None = None, verbose: bool = True) -> dict[str, int]:
    """Load the built graph folder `graph` into an open store; returns rows sent per kind."""
    from kg.store.base import read_export

    graph = Path(graph)
    entities, relations, documents = read_export(graph)      # documents with their sentences
    tty = verbose and sys.stderr.isatty()

    def progress(kind, n):
        if tty:
            sys.stderr.write(f"\rloading {kind}: {n} rows sent   ")
            sys.stderr.flush()
    sent = store.load(entities, relations, documents, batch_size=batch_size, progress=progress)
    if tty:
        sys.stderr.write("\n")
    return sent


def _target(args):
    """The store `kg load` fills: the one --neo4j-uri names (kg.store's registry)."""
    from kg.store import open_store

    return open_store(neo4j_uri=args.neo4j_uri, user=args.user, password=args.password, database=args.database,
                      batch_size=args.batch_size)


def _load(args, graph, prog: str) -> int:
    from kg.store import StoreError

    if not args.neo4j_uri:
        print(f"{prog}: no Neo4j server given (use --neo4j-uri URI or set NEO4J_URI)", file=sys.stderr)
        return EXIT_FAILED
    if args.batch_size < 1:
        print(f"{prog}: --batch-size must be at least 1", file=sys.stderr)
        return EXIT_FAILED
    for name in ("entities.jsonl", "relations.jsonl"):
        if not (Path(graph) / name).is_file():
            print(f"{prog}: {graph} holds no built graph (run `kg build PATH --out {graph}` first)", file=sys.stderr)
            return EXIT_FAILED
    try:
        with _target(args) as db:
            sent = load_graph(graph, db, args.batch_size)
            counts = db.counts()
            where = db.where
    except StoreError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return EXIT_FAILED
    print(f"loaded {sent['nodes']} nodes and {sent['relationships']} relationships from {graph} into {where}")
    from kg.schema import without_levels

    print(f"it now holds {sum(without_levels(counts['nodes']).values())} "
          f"nodes, {sum(counts['relationships'].values())} relationships")
    for k, v in sorted(counts["nodes"].items()):
        print(f"  {k:<16} {v}")
    for k, v in sorted(counts["relationships"].items()):
        print(f"  {k:<16} {v}")
    return 0


def cmd_load(args) -> int:
    return _load(args, Path(args.graph), "kg load")


def load_after_build(args) -> int:
    """`kg build … --neo4j-uri URI`: load the graph just built into Neo4j."""
    return _load(args, Path(args.out), "kg build")


def cmd_query(args) -> int:
    from kg.query import QueryError, format_rows, library, missing_entities, parse_params, resolve
    from kg.store import StoreError
    from kg.store.options import open_from

    if not args.query:
        for name, path in library().items():
            q = resolve(str(path))
            print(f"{name:<26} {q.title}")
        return 0
    try:
        q = resolve(args.query)
        params = q.bind(parse_params(args.param))
        with open_from(args) as db:
            columns, rows = db.query(q.cypher, params)
            if not rows:              # an entity the query names but the graph lacks: say so
                missing = missing_entities(q, params, db)
                if missing:
                    raise QueryError(missing[0])
    except (QueryError, StoreError) as e:      # every store's failures are StoreErrors
        print(f"kg query: {e}", file=sys.stderr)
        return EXIT_FAILED
    print(format_rows(columns, rows, args.format))
    return 0
