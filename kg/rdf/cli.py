"""`kg export rdf`: the stored graph as RDF.

    kg export rdf [--format turtle|nt|nquads|trig|jsonld|xml] [--output FILE] [--base IRI]
                  [--graph LOCATION | --neo4j-uri URI [--user U --password P --database D]] [--validate]

Exit status: 0 written (and valid, with --validate); 1 written but SHACL found violations (listed
on standard error); 2 nothing written (no graph in DIR, bad format or base, output not writable,
store failure).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

from kg.rdf.vocab import DEFAULT_BASE
from kg.store.options import add_store_options
from kg.rdf.writer import FORMATS

EXIT_INVALID = 1
EXIT_FAILED = 2
PROG = "kg export rdf"


class _Fail(Exception):
    pass


def register(sub) -> None:
    """Add `export rdf` to the `kg` command's subparsers."""
    export = sub.add_parser("export", help="write the stored graph in another format")
    formats = export.add_subparsers(dest="export_format", required=True, metavar="FORMAT")
    r = formats.add_parser("rdf", help="RDF (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML)",
                           description="Write the stored graph as RDF, with the provenance of every fact.")
    r.add_argument("--format", default="turtle", help=f"one of {', '.join(FORMATS)} (default: turtle)")
    r.add_argument("--output", "-o", metavar="FILE", help="file to write (default: standard output)")
    r.add_argument("--base", default=DEFAULT_BASE, metavar="IRI",
                   help=f"base of the instance IRIs (default: {DEFAULT_BASE})")
    add_store_options(r, uri_help="read a Neo4j database instead of the embedded store")
    r.add_argument("--validate", action="store_true", help="check the export against the SHACL shapes")
    r.set_defaults(func=run)
    from kg.neo4j_import import register as register_neo4j_import

    register_neo4j_import(formats)


@contextlib.contextmanager
def open_source(args):
    """The graph to read: the store the options name (kg.store.options), or a built graph
    folder's export files when the build kept no store (`--no-store`)."""
    from kg.store import options

    graph = options.folder(args)
    if graph is not None and not (graph / "store").is_dir():
        if not (graph / "entities.jsonl").is_file():
            raise _Fail(f"{graph} holds no built graph (run `kg build PATH --out {graph}` first)")
        from kg import generation
        from kg.rdf.source import ExportGraph

        generation.recover(graph)          # a build stopped while swapping in: finish it
        yield ExportGraph(graph)
        return
    try:
        db = options.open_from(args)
    except ImportError as e:
        raise _Fail(f"reading {options.location(args)} is not available: {e}; use --graph DIR") from None
    with db:
        yield db


def _umask() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def _open_output(path: str):
    """A temporary file beside `path` (renamed onto it when the export is complete)."""
    target = Path(path)
    if target.is_dir():
        raise _Fail(f"cannot write {target}: it is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent or ".")
    except OSError as e:
        raise _Fail(f"cannot write {target}: {e.strerror or e}") from None
    try:        # mkstemp makes it 0600: give it the mode open() would (a file it replaces keeps its own)
        os.fchmod(fd, target.stat().st_mode & 0o7777 if target.is_file() else 0o666 & ~_umask())
    except OSError:
        pass
    return os.fdopen(fd, "w", encoding="utf-8", newline="\n"), Path(tmp), target


def run(args) -> int:
    from kg.rdf import writer
    from kg.store import StoreError

    out = tmp = target = None
    try:
        fmt = writer.check_format(args.format)
        base = writer.check_base(args.base)
        if args.output:
            out, tmp, target = _open_output(args.output)
        with open_source(args) as db:
            if not _has_graph(db):
                raise _Fail(f"{args.neo4j_uri or args.graph} holds an empty graph; nothing to export")
            n = writer.write(db, out or sys.stdout, fmt, base)
            if out is not None:
                out.close()
                assert tmp is not None and target is not None   # opened with `out`
                os.replace(tmp, target)
                out = tmp = None
            else:
                sys.stdout.flush()
            kind = "quads" if FORMATS[fmt][1] else "triples"
            print(f"{PROG}: {n} {kind} written ({fmt})" + (f" to {target}" if target else ""), file=sys.stderr)
            if args.validate:
                return _validate(db, base)
        return 0
    except (writer.ExportError, _Fail, StoreError) as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as e:
        where = f" {target}" if target else ""
        print(f"{PROG}: cannot write{where}: {e.strerror or e}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if out is not None:
            out.close()
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _has_graph(db) -> bool:
    from kg.rdf.source import ExportGraph

    if isinstance(db, ExportGraph):
        return bool(db.documents()) or any(True for _ in db.nodes())
    _, rows = db.query("MATCH (n) RETURN n.id LIMIT 1")
    return bool(rows)


def _validate(db, base: str) -> int:
    from kg.rdf import emit, writer
    from kg.rdf.validate import validate

    violations = validate(writer.to_rdflib(emit.statements(db, base), named=False))
    if not violations:
        print(f"{PROG}: valid: the export conforms to the SHACL shapes", file=sys.stderr)
        return 0
    print(f"{PROG}: {len(violations)} SHACL violation(s):", file=sys.stderr)
    for v in violations:
        print(f"  {v}", file=sys.stderr)
    return EXIT_INVALID


def main(argv=None) -> int:  # `python -m kg.rdf.cli …` without the rest of kg's commands
    parser = argparse.ArgumentParser(prog="kg")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
