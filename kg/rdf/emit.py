"""The graph as RDF statements, produced while the store is read.

`statements(store, base, quads)` yields `(subject, predicate, object, graph)` with every term
already written as N-Triples text (`<iri>`, `"literal"@zh`, `"5"^^<xsd:integer>`), and `graph`
either None (the default graph) or a document's IRI. Writing N-Triples, N-Quads, Turtle or TriG is
then string joining (kg.rdf.writer), and JSON-LD and RDF/XML are parsed from the same statements,
so all formats say the same thing.

What is said (see the "RDF export" section of the README and `ontology.ttl`):

* each node: its classes, `dcterms:identifier` (the kg id), `rdfs:label "name"@zh`, one
  `skos:altLabel "alias"@zh` per alias, `kg:adcode`, `kg:category`, quantities as
  `schema:QuantitativeValue` / `schema:MonetaryAmount` nodes (`schema:value` typed xsd:integer or
  xsd:decimal, `schema:unitCode` / `schema:unitText` / `schema:currency`, `kg:sourceText` the
  words of the article); industries are `skos:Concept`s `skos:inScheme` one concept scheme;
* each relationship: the direct triple (`:company kg:locatedIn :park`), plus one `rdf:Statement`
  node reifying it with `kg:confidence`, `kg:rule`, `kg:source`, `prov:wasDerivedFrom` each source
  document and `kg:evidence` nodes (document, `kg:start`, `kg:end`, `kg:text` of the sentence);
  HOLDS_POSITION also gets an `org:Membership` with its `org:Role` (the title);
* each MENTIONED_IN: `kg:mentionedIn` the document; each document: `dcterms:title`, identifier.

With `quads=True` (TriG, N-Quads) a fact read from text, its evidence and its mentions go into the
named graph of each document it was read from (graph name = the document's IRI); node
descriptions, documents, reference-data facts (gazetteer) and the statement nodes' own confidence
and rule stay in the default graph. With `quads=False` everything is one graph and the direct
triple is said once.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Iterator
from urllib.parse import quote

from kg.rdf import source
from kg.rdf.vocab import (CLASSES, DCTERMS, KG, ORG, PREDICATES, PROPERTIES, PROV, RDF, RDFS, REGION_LEVEL_CLASSES,
                          SDO, SKIPPED_PROPERTIES, SKOS, XSD, other_property, quantity)

Quad = tuple[str, str, str, str | None]


def iri(value: str) -> str:
    return f"<{value}>"


_A = iri(RDF + "type")
_LABEL = iri(RDFS + "label")
_ALT = iri(SKOS + "altLabel")
_PREF = iri(SKOS + "prefLabel")
_IN_SCHEME = iri(SKOS + "inScheme")
_IDENT = iri(DCTERMS + "identifier")
_TITLE = iri(DCTERMS + "title")
_STATEMENT = iri(RDF + "Statement")
_SUBJ, _PRED, _OBJ = iri(RDF + "subject"), iri(RDF + "predicate"), iri(RDF + "object")
_CONF, _RULE, _SOURCE = iri(KG + "confidence"), iri(KG + "rule"), iri(KG + "source")
_DERIVED = iri(PROV + "wasDerivedFrom")
_EVIDENCE, _EVIDENCE_CLASS = iri(KG + "evidence"), iri(KG + "Evidence")
_DOC_OF = iri(DCTERMS + "source")
_START, _END, _TEXT = iri(KG + "start"), iri(KG + "end"), iri(KG + "text")
_VALUE, _UNIT_CODE, _UNIT_TEXT, _CURRENCY = (iri(SDO + "value"), iri(SDO + "unitCode"), iri(SDO + "unitText"),
                                              iri(SDO + "currency"))
_SOURCE_TEXT, _APPROX = iri(KG + "sourceText"), iri(KG + "approximate")
_MEMBERSHIP, _ROLE_CLASS = iri(ORG + "Membership"), iri(ORG + "Role")
_MEMBER, _ORGANIZATION, _ROLE = iri(ORG + "member"), iri(ORG + "organization"), iri(ORG + "role")
_ARTICLE_TITLE = iri(KG + "articleTitle")
_SCHEME_CLASS = iri(SKOS + "ConceptScheme")
_CLASSES = {label: [iri(c) for c in cs] for label, cs in CLASSES.items()}
_LEVELS = {lvl: iri(c) for lvl, c in REGION_LEVEL_CLASSES.items()}
_PREDICATES = {t: iri(p) for t, p in PREDICATES.items()}

_XSD_STRING = XSD + "string"
_XSD_INTEGER = iri(XSD + "integer")
_XSD_DECIMAL = iri(XSD + "decimal")
_XSD_BOOLEAN = iri(XSD + "boolean")


_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r"}


def _escape(text: str) -> str:
    """Literal text for N-Triples: \\ " LF CR escaped, other unprintable characters as \\uXXXX,
    lone surrogates (which UTF-8 cannot hold) as U+FFFD; Chinese and other text stays as it is."""
    text = text.translate(_ESCAPES)
    if text.isprintable():
        return text
    return "".join(_char(c) for c in text)


def _char(c: str) -> str:
    if c.isprintable():
        return c
    o = ord(c)
    if 0xD800 <= o <= 0xDFFF:
        return "\ufffd"
    return f"\\u{o:04X}" if o < 0x10000 else f"\\U{o:08X}"


def zh(text: str) -> str:
    return f'"{_escape(text)}"@zh'


def string(text: str) -> str:
    return f'"{_escape(text)}"'


def integer(n: int) -> str:
    return f'"{int(n)}"^^{_XSD_INTEGER}'


def decimal(x: float | int | Decimal) -> str:
    d = Decimal(str(x)) if not isinstance(x, Decimal) else x
    if not d.is_finite():
        return string(str(x))
    text = format(d, "f")
    if "." not in text:
        text += ".0"
    return f'"{text}"^^{_XSD_DECIMAL}'


def number(x) -> str:
    return integer(x) if isinstance(x, int) and not isinstance(x, bool) else decimal(x)


def literal(v) -> str:
    """A stored property value (primitive) as a literal: booleans, integers, decimals, strings."""
    if isinstance(v, bool):
        return f'"{"true" if v else "false"}"^^{_XSD_BOOLEAN}'
    if isinstance(v, int):
        return integer(v)
    if isinstance(v, float):
        return decimal(v)
    return string(str(v))


def _hash(*parts) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8", "replace")).hexdigest()[:16]


class IRIs:
    """Stable IRIs from ids under `base` (same graph → same IRIs)."""

    def __init__(self, base: str):
        self.base = base

    def node(self, node_id: str) -> str:
        return f"<{self.base}{quote(node_id, safe='-._~')}>"

    def document(self, doc_id: str) -> str:
        return f"<{self.base}doc/{quote(doc_id, safe='-._~')}>"

    def statement(self, s: str, rel_type: str, o: str) -> str:
        return f"<{self.base}statement/{_hash(s, rel_type, o)}>"

    def evidence(self, stmt: str, e: source.Evidence) -> str:
        return f"<{self.base}evidence/{_hash(stmt, e.doc, e.start, e.end, e.text)}>"

    def membership(self, s: str, o: str, title: str) -> str:
        return f"<{self.base}membership/{_hash(s, o, title)}>"

    def role(self, title: str) -> str:
        return f"<{self.base}role/{_hash(title)}>"

    def quantity(self, node_id: str, prop: str) -> str:
        return f"<{self.base}{quote(node_id, safe='-._~')}/{quote(prop, safe='-._~')}>"

    @property
    def industries(self) -> str:
        return f"<{self.base}industries>"


def statements(store: source.Queryable, base: str, quads: bool = False) -> Iterator[Quad]:
    """Every statement of the stored graph, read page by page (see the module docstring)."""
    ids = IRIs(base)
    docs = source.documents(store)
    doc_iri_by_file: dict[str, str] = {}
    for d in docs:
        doc_iri = ids.document(str(d["id"]))
        doc_iri_by_file[str(d.get("name", d["id"]))] = doc_iri
        doc_iri_by_file.setdefault(str(d["id"]), doc_iri)
        yield from _document(doc_iri, d)
    yield ids.industries, _A, _SCHEME_CLASS, None
    yield ids.industries, _LABEL, zh("产业"), None

    for n in source.nodes(store):
        yield from _node(ids, n)

    for entity, doc_id in source.mentions(store):
        doc = ids.document(doc_id)
        yield ids.node(entity), _PREDICATES["MENTIONED_IN"], doc, (doc if quads else None)

    roles: set[str] = set()
    stub_docs: set[str] = set()
    for r in source.relationships(store):
        for e in r.evidence:
            if e.doc not in doc_iri_by_file:  # evidence from a file with no Document node
                doc_iri_by_file[e.doc] = ids.document(e.doc)
                stub_docs.add(e.doc)
                yield from _document(doc_iri_by_file[e.doc], {"id": e.doc, "name": e.doc})
        yield from _relationship(ids, r, doc_iri_by_file, quads, roles)


def _document(doc: str, d: dict) -> Iterator[Quad]:
    for c in _CLASSES["Document"]:
        yield doc, _A, c, None
    yield doc, _IDENT, string(str(d.get("name", d["id"]))), None
    title = d.get("title") or ""
    yield doc, _LABEL, zh(title or str(d.get("name", d["id"]))), None
    if title:
        yield doc, _TITLE, zh(title), None
    arts = d.get("articles")
    if isinstance(arts, list):
        for t in dict.fromkeys(str(a) for a in arts if a):
            yield doc, _ARTICLE_TITLE, zh(t), None


def _node(ids: IRIs, n: source.Node) -> Iterator[Quad]:
    s = ids.node(n.id)
    for c in _CLASSES.get(n.label, (iri(KG + n.label),)):
        yield s, _A, c, None
    if n.label == "Region":
        for lvl in n.labels:
            if lvl in _LEVELS:
                yield s, _A, _LEVELS[lvl], None
    yield s, _IDENT, string(n.id), None
    name = zh(n.name)
    yield s, _LABEL, name, None
    if n.label == "Industry":
        yield s, _PREF, name, None
        yield s, _IN_SCHEME, ids.industries, None
    for a in dict.fromkeys(n.aliases):
        if a != n.name:
            yield s, _ALT, zh(a), None
    props = n.properties
    for key in sorted(props):
        v = props[key]
        if key in SKIPPED_PROPERTIES or v is None:
            continue
        q = quantity(key)
        if q is not None and isinstance(v, (int, float)) and not isinstance(v, bool):
            yield from _quantity(ids, n.id, s, key, v, q, props)
        elif key in PROPERTIES:
            yield s, iri(PROPERTIES[key]), string(str(v)), None
        elif (key.endswith("_text") or key.endswith("_approx")) and quantity(key.rsplit("_", 1)[0]):
            continue  # written with its quantity
        elif isinstance(v, list):
            p = iri(other_property(key))
            for x in v:
                yield s, p, literal(x), None
        else:
            yield s, iri(other_property(key)), literal(v), None


def _quantity(ids: IRIs, node_id: str, s: str, key: str, v, q, props: dict) -> Iterator[Quad]:
    pred, vclass, code, unit_text, currency = q
    qn = ids.quantity(node_id, key)
    yield s, iri(pred), qn, None
    yield qn, _A, iri(vclass), None
    yield qn, _VALUE, number(v), None
    if code:
        yield qn, _UNIT_CODE, string(code), None
    yield qn, _UNIT_TEXT, string(unit_text), None
    if currency:
        yield qn, _CURRENCY, string(currency), None
    text = props.get(f"{key}_text")
    if text:
        yield qn, _SOURCE_TEXT, zh(str(text)), None
    if props.get(f"{key}_approx"):
        yield qn, _APPROX, literal(True), None


def _relationship(ids: IRIs, r: source.Relationship, doc_iri_by_file: dict[str, str], quads: bool,
                  roles: set[str]) -> Iterator[Quad]:
    s, o = ids.node(r.subject), ids.node(r.object)
    p = _PREDICATES.get(r.type) or iri(other_property(r.type))
    docs = list(dict.fromkeys(doc_iri_by_file[e.doc] for e in r.evidence))
    # The fact itself: in the default graph, or (quads, read from text) in each document's graph.
    if quads and docs:
        for d in docs:
            yield s, p, o, d
    else:
        yield s, p, o, None
    st = ids.statement(r.subject, r.type, r.object)
    yield st, _A, _STATEMENT, None
    yield st, _SUBJ, s, None
    yield st, _PRED, p, None
    yield st, _OBJ, o, None
    if r.confidence is not None:
        yield st, _CONF, decimal(r.confidence), None
    if r.rule:
        yield st, _RULE, string(r.rule), None
    if r.source:
        yield st, _SOURCE, string(r.source), None
    for d in docs:
        yield st, _DERIVED, d, (d if quads else None)
    for e in r.evidence:
        d = doc_iri_by_file[e.doc]
        g = d if quads else None
        ev = ids.evidence(st, e)
        yield st, _EVIDENCE, ev, g
        yield ev, _A, _EVIDENCE_CLASS, g
        yield ev, _DOC_OF, d, g
        yield ev, _START, integer(e.start), g
        yield ev, _END, integer(e.end), g
        yield ev, _TEXT, zh(e.text), g
    title = r.properties.get("title")
    if r.type == "HOLDS_POSITION":
        title = str(title or "")
        m = ids.membership(r.subject, r.object, title)
        yield m, _A, _MEMBERSHIP, None
        yield m, _MEMBER, s, None
        yield m, _ORGANIZATION, o, None
        if title:
            role = ids.role(title)
            yield m, _ROLE, role, None
            if role not in roles:
                roles.add(role)
                yield role, _A, _ROLE_CLASS, None
                yield role, _LABEL, zh(title), None
        yield m, _DERIVED, st, None
    for key in sorted(r.properties):
        if r.type == "HOLDS_POSITION" and key == "title":
            continue
        v = r.properties[key]
        p = iri(other_property(key))
        for x in (v if isinstance(v, list) else [v]):
            if x is not None:
                yield st, p, literal(x) if isinstance(x, (str, int, float, bool)) else string(str(x)), None
