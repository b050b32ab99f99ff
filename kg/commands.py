"""`kg load` and `kg query`, and `kg build … --neo4j-uri`: the store commands, registered on the
`kg` parser by `register(sub, build_parser)` (kg/cli.py).

Exit status: 0 on success, 2 when the store cannot be used (unreachable server, wrong password,
missing database, no built graph) or the query is not usable (a required parameter missing or
empty, an entity it names that the graph lacks: with the nearest names); the reason is one line
on stderr.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

EXIT_FAILED = 2


def _neo4j_options(p: argparse.ArgumentParser, uri_from_env: bool) -> None:
    env = " (default: $NEO4J_URI)" if uri_from_env else ""
    p.add_argument("--neo4j-uri", default=os.environ.get("NEO4J_URI") if uri_from_env else None,
                   metavar="URI", help=f"a Neo4j 5 server, e.g. bolt://localhost:7687{env}")
    p.add_argument("--user", default=None, help="Neo4j user (default: $NEO4J_USER or neo4j)")
    p.add_argument("--password", default=None,
                   help="Neo4j password (default: $NEO4J_PASSWORD or kgpassword, docker-compose.yml's)")
    p.add_argument("--database", default=None, help="Neo4j database (default: $NEO4J_DATABASE or the server's default)")


def register(sub, build_parser: argparse.ArgumentParser | None = None) -> None:
    """Add `load` and `query` to the `kg` subcommands, and --neo4j-uri to `kg build`."""
    p = sub.add_parser("load", help="load a built graph into Neo4j (idempotent)",
                       description="Load a built graph (entities.jsonl, relations.jsonl) into Neo4j: "
                                   "constraints first, then MERGE in batches. Loading twice changes nothing; "
                                   "loading a newer build adds what is new.")
    p.add_argument("--graph", default="out", help="the built graph's folder (default: out/)")
    _neo4j_options(p, uri_from_env=True)
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
    q.add_argument("--graph", default="out", help="the built graph's folder (default: out/)")
    _neo4j_options(q, uri_from_env=False)
    q.set_defaults(func=cmd_query)

    if build_parser is not None:
        build_parser.add_argument("--neo4j-uri", default=None, metavar="URI",
                                  help="after building, load the graph into this Neo4j server too")
        build_parser.add_argument("--user", default=None, help="Neo4j user (with --neo4j-uri)")
        build_parser.add_argument("--password", default=None, help="Neo4j password (with --neo4j-uri)")
        build_parser.add_argument("--database", default=None, help="Neo4j database (with --neo4j-uri)")
        build_parser.add_argument("--batch-size", type=int, default=1000, help=argparse.SUPPRESS)


def _documents_of(graph: Path) -> list[dict]:
    """The Document nodes (titles) the build left in the embedded store, if it has one."""
    store_dir = graph / "store"
    if not store_dir.is_dir():
        return []
    from kg.store import EmbeddedStore, StoreError

    try:
        with EmbeddedStore(store_dir, lock_timeout=5, read_only=True) as db:
            _, rows = db.query("MATCH (d:Document) RETURN properties(d)")
        return [r[0] for r in rows]
    except StoreError as e:
        print(f"kg load: document titles not read from {store_dir} ({e}); documents get their file names",
              file=sys.stderr)
        return []


def with_sentences(graph: Path, documents: list[dict]) -> list[dict]:
    """The documents with the sentences of their files, so that they travel with the graph into
    Neo4j (the browser shows a mention in its sentence from them): per document, parallel lists
    `sentence_starts`, `sentence_ends` (file offsets), `sentence_texts` and `sentence_articles`
    (the article's title), read from the inputs DIR/summary.json records, where they still exist
    (a document whose file is gone is left as it is)."""
    import json

    try:
        inputs = json.loads((graph / "summary.json").read_text("utf-8")).get("inputs") or []
    except (OSError, ValueError):
        return documents
    paths = [Path(p) for p in inputs if Path(p).exists()]
    wanted = {str(d.get("name", d.get("id"))) for d in documents}
    if not paths or not wanted:
        return documents
    from kg import ingest

    try:
        found = sentences_of(ingest.iter_articles(paths), wanted)
    except Exception as e:  # sources that cannot be read again: the graph loads without sentences
        print(f"kg load: sentences not read from the sources ({e})", file=sys.stderr)
        return documents
    return attach_sentences(documents, found)


def sentences_of(articles, wanted: set[str] | None = None) -> dict[str, list[tuple[int, int, str, str]]]:
    """Each document's sentences, (file start, file end, text, article title), from its articles
    (only the documents `wanted`, if given)."""
    from kg import ingest

    found: dict[str, list[tuple[int, int, str, str]]] = {}
    for a in articles:
        if wanted is not None and a.doc not in wanted:
            continue
        for sent in ingest.split_sentences(a):
            fs, fe = a.file_span(sent.start, sent.end)
            found.setdefault(a.doc, []).append((fs, fe, sent.text, a.title or ""))
    return found


def attach_sentences(documents: list[dict], found: dict[str, list]) -> list[dict]:
    """The documents with their sentences (`sentences_of`) as the parallel lists `with_sentences` says."""
    out = []
    for d in documents:
        sents = sorted(found.get(str(d.get("name", d.get("id"))), ()))
        if sents:
            d = {**d, "sentence_starts": [x[0] for x in sents], "sentence_ends": [x[1] for x in sents],
                 "sentence_texts": [x[2] for x in sents], "sentence_articles": [x[3] for x in sents]}
        out.append(d)
    return out


def load_graph(graph, store, batch_size: int | None = None, verbose: bool = True) -> dict[str, int]:
    """Load the built graph folder `graph` into an open store; returns rows sent per kind."""
    from kg.store.base import read_export

    graph = Path(graph)
    entities, relations, documents = read_export(graph)
    documents = with_sentences(graph, documents or _documents_of(graph))
    tty = verbose and sys.stderr.isatty()

    def progress(kind, n):
        if tty:
            sys.stderr.write(f"\rloading {kind}: {n} rows sent   ")
            sys.stderr.flush()
    sent = store.load(entities, relations, documents, batch_size=batch_size, progress=progress)
    if tty:
        sys.stderr.write("\n")
    return sent


def _neo4j(args):
    from kg.store.neo4j import Neo4jStore

    return Neo4jStore(args.neo4j_uri, user=args.user, password=args.password, database=args.database,
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
        with _neo4j(args) as db:
            sent = load_graph(graph, db, args.batch_size)
            counts = db.counts()
            where = db.where
    except StoreError as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return EXIT_FAILED
    print(f"loaded {sent['nodes']} nodes and {sent['relationships']} relationships from {graph} into {where}")
    print(f"it now holds {sum(v for k, v in counts['nodes'].items() if k not in ('Province', 'City', 'County'))} "
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
    from kg.store import StoreError, open_store

    if not args.query:
        for name, path in library().items():
            q = resolve(str(path))
            print(f"{name:<26} {q.title}")
        return 0
    try:
        q = resolve(args.query)
        params = q.bind(parse_params(args.param))
        if args.neo4j_uri:
            store = open_store(neo4j_uri=args.neo4j_uri, user=args.user, password=args.password,
                               database=args.database)
        else:
            graph = Path(args.graph)
            if not (graph / "store").is_dir():
                raise StoreError(f"{graph} holds no embedded store (run `kg build PATH --out {graph}` first)")
            store = open_store(graph=graph)
        with store as db:
            columns, rows = db.query(q.cypher, params)
            if not rows:              # an entity the query names but the graph lacks: say so
                missing = missing_entities(q, params, db)
                if missing:
                    raise QueryError(missing[0])
    except (QueryError, StoreError) as e:
        print(f"kg query: {e}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as e:  # a statement the embedded store rejects: its message, not a traceback
        if type(e).__module__.split(".")[0] in ("redis", "falkordb"):
            print(f"kg query: the store rejected the query: {' '.join(str(e).split())}", file=sys.stderr)
            return EXIT_FAILED
        raise
    print(format_rows(columns, rows, args.format))
    return 0
