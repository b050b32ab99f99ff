"""Writing the statements of `kg.rdf.emit` in each RDF format.

N-Triples and N-Quads are written line by line while the store is read (memory holds one page of
the store, never the graph). Turtle and TriG are streamed too: prefixed names, `a`, and `;` between
consecutive statements about one subject (the statements come grouped by subject, so this is
compact without holding the graph). JSON-LD and RDF/XML are parsed from the same statements into
an rdflib graph and serialised.
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
STREAMED = {"nt", "nquads", "turtle", "trig"}

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
        counted = _Counted(quads)
        lines = nt_lines(counted, named) if fmt in ("nt", "nquads") else turtle_lines(counted, base, named)
        buf: list[str] = []
        for line in lines:
            buf.append(line)
            if len(buf) >= flush_every:
                out.write("".join(buf))
                buf.clear()
        out.write("".join(buf))
        return counted.n
    graph = to_rdflib(quads, named)
    text = graph.serialize(format=FORMATS[fmt][0], **({"auto_compact": True} if fmt == "jsonld" else {}))
    out.write(text if text.endswith("\n") else text + "\n")
    return _count(graph, named)


class _Counted:
    def __init__(self, items: Iterable):
        self.items, self.n = items, 0

    def __iter__(self):
        for x in self.items:
            self.n += 1
            yield x


_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_NOTHING = object()


class _Abbreviator:
    """N-Triples terms as Turtle: prefixed names where the local part allows, datatypes too."""

    def __init__(self, base: str):
        self.prefixes = {**PREFIXES, "id": base, "doc": base + "doc/", "st": base + "statement/",
                         "ev": base + "evidence/"}
        self.by_length = sorted(self.prefixes.items(), key=lambda kv: -len(kv[1]))
        self.instance = tuple(ns for p, ns in self.prefixes.items() if p in ("id", "doc", "st", "ev"))
        self.cache: dict[str, str] = {}

    def header(self) -> str:
        return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in self.prefixes.items())

    def iri(self, term: str) -> str:
        hit = self.cache.get(term)
        if hit is not None:
            return hit
        value = term[1:-1]
        short = term
        for prefix, ns in self.by_length:
            if value.startswith(ns):
                local = value[len(ns):]
                if _LOCAL.match(local):
                    short = f"{prefix}:{local}"
                break
        if not value.startswith(self.instance):  # vocabulary terms repeat: keep them
            self.cache[term] = short
        return short

    def __call__(self, term: str) -> str:
        if term[0] == "<":
            return self.iri(term)
        if term[-1] == ">":  # "…"^^<datatype>
            i = term.rfind("^^<")
            return term[:i + 2] + self.iri(term[i + 2:])
        return term


def turtle_lines(quads: Iterable[Quad], base: str, named: bool) -> Iterable[str]:
    """Turtle (or, with `named`, TriG) text of the statements, in the order given."""
    ab = _Abbreviator(base)
    yield ab.header()
    cur_g: object = _NOTHING
    cur_s: object = _NOTHING
    indent = ""
    for s, p, o, g in quads:
        if not named:
            g = None
        if g != cur_g:
            if cur_s is not _NOTHING:
                yield " .\n"
            if cur_g is not _NOTHING and cur_g is not None:
                yield "}\n"
            if g is not None:
                yield f"\n{ab(g)} {{"
                indent = "    "
            else:
                indent = ""
            cur_g, cur_s = g, _NOTHING
        pred = "a" if p == _RDF_TYPE else ab(p)
        if s == cur_s:
            yield f" ;\n{indent}    {pred} {ab(o)}"
        else:
            if cur_s is not _NOTHING:
                yield " .\n"
            yield f"\n{indent}{ab(s)} {pred} {ab(o)}"
            cur_s = s
    if cur_s is not _NOTHING:
        yield " .\n"
    if cur_g is not _NOTHING and cur_g is not None:
        yield "}\n"


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
