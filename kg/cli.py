"""The `kg` command: build a graph from articles, and look at a built one.

Exit status: 0 on success; 1 when the build finished but some input files were skipped; 2 when
nothing could be built (no article, output folder not writable, store failure).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from pathlib import Path

EXIT_SKIPPED = 1
EXIT_FAILED = 2


def _cmd_build(args) -> int:
    from kg.pipeline import BuildError, build
    from kg.store import StoreError

    try:
        if args.scheduler and args.workers:
            raise BuildError("--workers counts the local pool's processes; with --scheduler the cluster's "
                             "workers do the work (local:N starts N)")
        summary = build(args.paths, args.out, store=not args.no_store, workers=args.workers, full=args.full,
                        max_file_mb=args.max_file_mb, scheduler=args.scheduler, neo4j_import=args.neo4j_import,
                        database=args.database or "neo4j")
    except (BuildError, StoreError) as e:
        print(f"kg build: {e}", file=sys.stderr)
        return EXIT_FAILED
    for path, reason in summary.files_skipped:
        print(f"kg build: skipped {path}: {reason}", file=sys.stderr)
    print("\n".join(summary.lines()))
    print(f"graph written to {args.out}" + ("" if summary.stored else " (JSON Lines only, no store)"))
    if args.neo4j_import:
        print(f"Neo4j bulk import files written to {args.neo4j_import}: run {Path(args.neo4j_import) / 'import.sh'} "
              f"with Neo4j stopped, then {Path(args.neo4j_import) / 'after-import.cypher'} once it is up")
    status = EXIT_SKIPPED if summary.files_skipped else 0
    if getattr(args, "neo4j_uri", None):  # kg build … --neo4j-uri: load it into Neo4j as well
        from kg.store_commands import load_after_build

        status = load_after_build(args) or status
    return status


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return n


def _cmd_stats(args) -> int:
    from kg.schema import without_levels
    from kg.store import StoreError, options

    graph = options.folder(args)
    if graph is None:                         # a server: its counts only
        try:
            with options.open_from(args) as db:
                counts, source = db.counts(), db.where
        except StoreError as e:
            print(f"kg stats: {e}", file=sys.stderr)
            return EXIT_FAILED
        print("\n".join(stats_lines(without_levels(counts["nodes"]), counts["relationships"], source)))
        return 0
    entities, relations = graph / "entities.jsonl", graph / "relations.jsonl"
    if not entities.is_file() or not relations.is_file():
        print(f"kg stats: {graph} holds no built graph (run `kg build PATH --out {graph}` first)", file=sys.stderr)
        return EXIT_FAILED
    from kg.generation import recover

    recover(graph)                            # a build stopped while swapping in: finish it
    if (graph / "store").is_dir():
        try:
            with options.open_from(args) as db:
                counts = db.counts()
            nodes, rels = without_levels(counts["nodes"]), counts["relationships"]
            source = "embedded store"
        except StoreError as e:
            print(f"kg stats: {e}", file=sys.stderr)
            return EXIT_FAILED
    else:
        nodes = Counter(json.loads(line)["type"] for line in entities.open(encoding="utf-8") if line.strip())
        rels = Counter(json.loads(line)["predicate"] for line in relations.open(encoding="utf-8") if line.strip())
        source = "JSON Lines export"
    summary = graph / "summary.json"
    if summary.is_file():
        s = json.loads(summary.read_text("utf-8"))
        skipped = len(s.get("files_skipped") or [])
        print(f"files read: {s['files_read']}" + (f" ({skipped} more skipped: unreadable or too large; "
                                                   f"listed in {summary})" if skipped else ""))
        print(f"articles found: {s['articles']} (a file can hold several: newspaper pages)")
        print(f"reprinted articles: {s['reprints']} (the same article printed again; only counted: their "
              "facts resolve into the same nodes as the first print's)")
        print(f"build time: {s['seconds']} s")
    print("\n".join(stats_lines(nodes, rels, source)))
    return 0


# What `kg stats` says about the counts it prints.
_LABEL_NOTES = {
    "Document": "source files, one node per file read (not an entity: the build's own count leaves them out)",
    "Region": "provinces, cities and counties, each counted once whatever its level",
}
_TYPE_NOTES = {
    "MENTIONED_IN": "entity named in a file: one per entity and file (not a fact)",
}


def stats_lines(nodes: dict[str, int], rels: dict[str, int], source: str) -> list[str]:
    """`kg stats`'s counts, with what they count."""
    docs, mentions = nodes.get("Document", 0), rels.get("MENTIONED_IN", 0)
    entities, facts = sum(nodes.values()) - docs, sum(rels.values()) - mentions
    if source != "JSON Lines export":
        out = [f"nodes: {sum(nodes.values())} ({source}) = {entities} entities + {docs} documents"]
    else:
        out = [f"nodes: {sum(nodes.values())} ({source}) = {entities} entities (no store here: a store adds a "
               "Document node per file and MENTIONED_IN)"]
    out += [f"  {k:<16} {v:<6} {_LABEL_NOTES.get(k, '')}".rstrip() for k, v in sorted(nodes.items())]
    out.append(f"relationships: {sum(rels.values())}" + (f" = {facts} facts + {mentions} mentions" if mentions else
                                                         f" = {facts} facts"))
    out += [f"  {k:<16} {v:<6} {_TYPE_NOTES.get(k, '')}".rstrip() for k, v in sorted(rels.items())]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="kg", description="Knowledge graphs from Chinese regional economic news.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    sub = parser.add_subparsers(dest="command", required=True)
    from kg.store.options import add_store_options

    b = sub.add_parser("build", help="read articles and build the graph")
    b.add_argument("paths", nargs="+", help="article files (.txt, .md) or folders holding them; with --scheduler, "
                                            "also fsspec URLs the workers can read (s3://…, hdfs://…, file://…)")
    b.add_argument("--out", default="out", help="output folder (default: out/)")
    b.add_argument("--no-store", action="store_true", help="write the JSON Lines export only")
    b.add_argument("--workers", type=_positive, default=None, metavar="N",
                   help="processes for extraction (default: the machine's cores); the graph is the same for any N")
    b.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT|local:N",
                   help="extract on a Dask cluster: a running `dask scheduler`, or N local worker processes "
                        "(pip install 'kg[cluster]'); the graph is the same")
    b.add_argument("--neo4j-import", default=None, metavar="DIR",
                   help="also write the graph as the files of Neo4j's bulk importer into DIR, a new folder "
                        "(as `kg export neo4j-import DIR` does; --database names the database import.sh fills)")
    b.add_argument("--full", action="store_true",
                   help="rebuild from scratch, ignoring what earlier builds into --out kept "
                        "(by default only new or changed files are read and the store is updated)")
    b.add_argument("--max-file-mb", type=float, default=None, metavar="N",
                   help="skip (and report) files larger than N MB (default: 20); 0: no limit")
    b.set_defaults(func=_cmd_build)
    s = sub.add_parser("stats", help="print the summary of a built graph")
    add_store_options(s, uri_help="count a Neo4j database's graph instead")
    s.set_defaults(func=_cmd_stats)
    from kg.rdf.cli import register as register_rdf_export

    register_rdf_export(sub)
    from kg.store_commands import register as register_store_commands

    register_store_commands(sub, b)
    from kg.browse.server import register as register_browse

    register_browse(sub)
    from kg.evaluate import register as register_eval

    register_eval(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    import signal

    def terminated(signum, frame):            # SIGTERM stops kg the way Ctrl-C does
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, terminated)
    try:
        status = args.func(args)
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        return _interrupted(args.command)
    except BrokenPipeError:
        return _closed_stdout()
    except Exception as e:
        # an error raised while a Ctrl-C or SIGTERM was being handled (stopping the workers, taking
        # the staging folder away) is still that interruption
        context = e.__context__
        while context is not None and not isinstance(context, KeyboardInterrupt):
            context = context.__context__
        if context is None:
            raise
        return _interrupted(args.command)


def _interrupted(command: str) -> int:
    print(f"kg {command}: interrupted; "
          + ("the previous graph is unchanged" if command == "build" else "nothing was changed"), file=sys.stderr)
    return 130


def _closed_stdout() -> int:
    """The reader of standard output went away (`kg … | head -1`): no traceback, the status of a
    process that SIGPIPE ended. Python would flush stdout again at exit and complain, so stdout is
    pointed at /dev/null first."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141


if __name__ == "__main__":
    sys.exit(main())
