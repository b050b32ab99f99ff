"""Writing the statements of `kg.rdf.emit` in each RDF format.

N-Triples and N-Quads are written line by line while the store is read (memory holds one page of
the store, never the graph). Turtle, TriG, JSON-LD and RDF/XML need the whole graph to group and
abbreviate, so those are parsed from the same N-Quads text into an rdflib graph and serialised.
"""
from __future__ import annotations

import io
import re
from typing import IO, Iterable

from kg.rdf.emit import Quad, statements
from kg.rdf.vocab import DEFAULT_BASE, PREFIXES

# format name → (rdflib serializer name, uses named graphs, usual file suffix)
FORMATS: dict[str, tuple[str, bool, str]] = {
    "turtle": ("turtle", False, ".ttl"),
    "nt": ("nt", False, ".nt"),
    "nquads": ("nquads", True, ".nq"),
    "trig": ("trig", True, ".trig"),
    "jsonld": ("json-ld", False, ".jsonld"),
    "xml": ("xml", False, ".rdf"),
}
STREAMED = {"nt", "nquads"}

_BASE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


class ExportError(ValueError):
    """The export cannot be made as asked (bad format or base IRI); the message says why."""


def check_base(base: str) -> str:
    """An absolute IRI ending in / or # under which instance IRIs are made."""
    if not _BASE.match(base or ""):
        raise ExportError(f"--base {base!r} is not an absolute IRI (such as {DEFAULT_BASE}) "
                          f"without spaces or any of <>\"{{}}|\\^`")
    if not base.endswith(("/", "#")):
        base += "/"
    return base


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ExportError(f"unknown RDF format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return fmt


def nt_lines(quads: Iterable[Quad], with_graph: bool) -> Iterable[str]:
    """N-Triples (or with `with_graph`, N-Quads) lines of the statements."""
    if with_graph:
        for s, p, o, g in quads:
            yield f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"
    else:
        for s, p, o, _ in quads:
            yield f"{s} {p} {o} .\n"


def write(store, out: IO[str], fmt: str = "turtle", base: str = DEFAULT_BASE, *, flush_every: int = 4096) -> int:
    """Write the stored graph to the text stream `out` in `fmt`; returns the number of statements
    (triples, or quads for the named-graph formats)."""
    fmt, base = check_format(fmt), check_base(base)
    _, named, _ = FORMATS[fmt]
    quads = statements(store, base, quads=named)
    if fmt in STREAMED:
        n = 0
        buf: list[str] = []
        for line in nt_lines(quads, named):
            buf.append(line)
            if len(buf) >= flush_every:
                out.write("".join(buf))
                n += len(buf)
                buf.clear()
        out.write("".join(buf))
        return n + len(buf)
    graph = to_rdflib(quads, named)
    text = graph.serialize(format=FORMATS[fmt][0], **({"auto_compact": True} if fmt == "jsonld" else {}))
    out.write(text if text.endswith("\n") else text + "\n")
    return _count(graph, named)


def to_rdflib(quads: Iterable[Quad], named: bool):
    """An rdflib Dataset (named) or Graph of the statements, with the export's prefixes bound."""
    from rdflib import Dataset, Graph

    data = "".join(nt_lines(quads, named))
    g = Dataset() if named else Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, replace=True)
    g.parse(data=data, format="nquads" if named else "nt")
    return g


def _count(graph, named: bool) -> int:
    if named:
        return sum(len(g) for g in graph.graphs())
    return len(graph)


def to_string(store, fmt: str = "turtle", base: str = DEFAULT_BASE) -> str:
    buf = io.StringIO()
    write(store, buf, fmt, base)
    return buf.getvalue()
