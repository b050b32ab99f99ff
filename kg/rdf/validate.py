"""SHACL validation of an export with pySHACL, reported in plain words.

    violations = validate(graph)      # an rdflib Graph (or Dataset: its union is validated)
    for v in violations: print(v)     # 合生远景 (company-3f9a…): its name must be … (value: "x"@en)
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SH

SHAPES_FILE = "shapes.ttl"
ONTOLOGY_FILE = "ontology.ttl"


def _package_ttl(name: str) -> Graph:
    g = Graph()
    g.parse(data=resources.files("kg.rdf").joinpath(name).read_text("utf-8"), format="turtle")
    return g


def shapes() -> Graph:
    return _package_ttl(SHAPES_FILE)


def ontology() -> Graph:
    return _package_ttl(ONTOLOGY_FILE)


@dataclass(frozen=True)
class Violation:
    focus: str            # what is wrong, in words (its name and id, or the fact it states)
    message: str          # which rule, in words (the shape's sh:message)
    value: str = ""       # the offending value, if the rule is about one

    def __str__(self) -> str:
        return f"{self.focus}: {self.message}" + (f" (value: {self.value})" if self.value else "")


def validate(data) -> list[Violation]:
    """Violations of the package's SHACL shapes in `data` (empty: the export conforms)."""
    from pyshacl import validate as shacl_validate

    graph = _union(data)
    conforms, report, _ = shacl_validate(graph, shacl_graph=shapes(), inference="none",
                                         abort_on_first=False, allow_warnings=True, advanced=True)
    if conforms:
        return []
    out = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        focus = report.value(result, SH.focusNode)
        messages = list(report.objects(result, SH.resultMessage)) or [report.value(result, SH.sourceConstraintComponent)]
        value = report.value(result, SH.value)
        for m in messages:
            shown = _show(graph, value) if value is not None and value != focus else ""
            out.add(Violation(_describe(graph, focus), str(m), shown))
    return sorted(out, key=lambda v: (v.focus, v.message, v.value))


def _union(data) -> Graph:
    if isinstance(data, Dataset):
        g = Graph()
        for s, p, o, _ in data.quads((None, None, None, None)):
            g.add((s, p, o))
        return g
    return data


def _name(graph: Graph, node) -> str:
    label = graph.value(node, RDFS.label)
    ident = graph.value(node, DCTERMS.identifier)
    if label is not None and ident is not None:
        return f"{label} ({ident})"
    if label is not None:
        return str(label)
    if ident is not None:
        return str(ident)
    return _local(node)


def _local(node) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1] if "#" in text else text


def _describe(graph: Graph, node) -> str:
    """A node in words: its name and id; a statement as the fact it states; evidence by its place."""
    if (node, RDF.type, RDF.Statement) in graph:
        s, p, o = (graph.value(node, x) for x in (RDF.subject, RDF.predicate, RDF.object))
        return f"the fact {_name(graph, s) if s else '?'} {_local(p) if p else '?'} {_name(graph, o) if o else '?'}"
    kg_ev = URIRef("https://kg.example.org/ontology#Evidence")
    if (node, RDF.type, kg_ev) in graph:
        doc = graph.value(node, DCTERMS.source)
        return f"evidence {_local(node)} in {_name(graph, doc) if doc else 'no document'}"
    return _name(graph, node)


def _show(graph: Graph, value) -> str:
    if isinstance(value, Literal):
        return value.n3()
    if isinstance(value, URIRef):
        return _name(graph, value)
    return str(value)
