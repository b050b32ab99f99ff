"""`kg export rdf`: every format parses back to the same statements, counts match the store,
SPARQL on the export answers as Cypher on the store, SHACL passes the seeds and catches breakage,
line formats stream. Real seeds, real embedded store, real rdflib and pySHACL (no mocks)."""
from __future__ import annotations

import io
from collections import Counter

import pytest
from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kg.cli import main
from kg.rdf import emit, source, writer
from kg.rdf.validate import Violation, ontology, shapes, validate
from kg.rdf.vocab import DEFAULT_BASE, KG as KG_NS, PREDICATES
from kg.store import EmbeddedStore

KG = Namespace(KG_NS)
ORG = Namespace("http://www.w3.org/ns/org#")
SDO = Namespace("https://schema.org/")
XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
XSD_DECIMAL = URIRef("http://www.w3.org/2001/XMLSchema#decimal")
PROV = Namespace("http://www.w3.org/ns/prov#")
BASE = DEFAULT_BASE
PARSE = {"turtle": "turtle", "nt": "nt", "nquads": "nquads", "trig": "trig", "jsonld": "json-ld", "xml": "xml"}
pytestmark = pytest.mark.filterwarnings("ignore:.*(deprecated|Deprecated).*:DeprecationWarning")
LABELS = ("Company", "Institution", "Region", "IndustrialPark", "Project", "Industry", "Person", "Document")

COMPANIES_PER_PARK = ("MATCH (c:Company)-[:LOCATED_IN]->(p:IndustrialPark) "
                      "RETURN p.id AS park, count(DISTINCT c) AS n")
COMPANIES_PER_REGION = ("MATCH (c:Company)-[:LOCATED_IN]->(r:Region) "
                        "RETURN r.id AS region, count(DISTINCT c) AS n")
COMPANIES_PER_REGION_ALL = ("MATCH (c:Company)-[:LOCATED_IN|PART_OF*1..]->(r:Region) "
                            "RETURN r.id AS region, count(DISTINCT c) AS n")
SPARQL_PREFIXES = f"PREFIX kg: <{KG_NS}>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"
SPARQL_PER_PARK = SPARQL_PREFIXES + """
SELECT ?id (COUNT(DISTINCT ?c) AS ?n) WHERE {
  ?c a kg:Company ; kg:locatedIn ?p . ?p a kg:IndustrialPark ; dcterms:identifier ?id .
} GROUP BY ?id"""
SPARQL_PER_REGION = SPARQL_PREFIXES + """
SELECT ?id (COUNT(DISTINCT ?c) AS ?n) WHERE {
  ?c a kg:Company ; kg:locatedIn ?r . ?r a kg:Region ; dcterms:identifier ?id .
} GROUP BY ?id"""
SPARQL_PER_REGION_ALL = SPARQL_PREFIXES + """
SELECT ?id (COUNT(DISTINCT ?c) AS ?n) WHERE {
  ?c a kg:Company ; kg:locatedIn/(kg:locatedIn|kg:partOf)* ?r . ?r a kg:Region ; dcterms:identifier ?id .
} GROUP BY ?id"""


class Export:
    """What one session with the seeds' store gives: every format's text and the Cypher answers."""

    def __init__(self, store):
        self.text = {fmt: writer.to_string(store, fmt) for fmt in writer.FORMATS}
        self.counts = store.counts()
        self.cypher = {q: dict(store.query(q)[1])
                       for q in (COMPANIES_PER_PARK, COMPANIES_PER_REGION, COMPANIES_PER_REGION_ALL)}
        self.text_facts = store.query("MATCH ()-[r]->() WHERE r.source = 'text' RETURN count(r)")[1][0][0]
        self.other_base = writer.to_string(store, "nt", "http://data.example.com/kg#")
        self.again = writer.to_string(store, "nt")
        self.graph = self.parse("nt")

    def parse(self, fmt: str):
        g = Dataset() if writer.FORMATS[fmt][1] else Graph()
        g.parse(data=self.text[fmt], format=PARSE[fmt])
        return g


@pytest.fixture(scope="module")
def export(built) -> Export:
    with EmbeddedStore(built.out / "store") as store:
        return Export(store)


def _node(graph: Graph, label: str, name: str) -> URIRef:
    found = [s for s in graph.subjects(RDFS.label, Literal(name, lang="zh")) if (s, RDF.type, KG[label]) in graph]
    assert len(found) == 1, f"{len(found)} {label} named {name}"
    return found[0]


# ---- round trip ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", [f for f in writer.FORMATS if not writer.FORMATS[f][1]])
def test_every_triple_format_parses_back_to_the_same_triples(export, fmt):
    g = export.parse(fmt)
    assert len(g) == len(export.graph) == export.text["nt"].count("\n")  # no duplicate lines either
    assert set(g) == set(export.graph)


@pytest.mark.parametrize("fmt", ["nquads", "trig"])
def test_quad_formats_parse_back_to_the_same_quads_and_the_same_triples(export, fmt):
    ds = export.parse(fmt)
    quads = {(s, p, o, g.identifier if hasattr(g, "identifier") else g) for s, p, o, g in ds.quads()}
    other = export.parse("trig" if fmt == "nquads" else "nquads")
    assert quads == {(s, p, o, g.identifier if hasattr(g, "identifier") else g) for s, p, o, g in other.quads()}
    assert len(quads) == export.text["nquads"].count("\n")
    assert {(s, p, o) for s, p, o, _ in quads} == set(export.graph)


def test_counts_equal_the_stores(export):
    g, nodes, rels = export.graph, export.counts["nodes"], export.counts["relationships"]
    for label in LABELS:
        assert len(set(g.subjects(RDF.type, KG[label]))) == nodes.get(label, 0), label
    for level in ("Province", "City", "County"):
        assert len(set(g.subjects(RDF.type, KG[level]))) == nodes.get(level, 0), level
    for rel_type, pred in PREDICATES.items():
        assert len(list(g.triples((None, URIRef(pred), None)))) == rels.get(rel_type, 0), rel_type
    facts = sum(n for t, n in rels.items() if t != "MENTIONED_IN")
    assert len(set(g.subjects(RDF.type, RDF.Statement))) == facts
    assert len(set(g.subjects(RDF.type, ORG.Membership))) == rels["HOLDS_POSITION"]
    assert export.text_facts > 0
    assert len({s for s in g.subjects(KG.source, Literal("text"))}) == export.text_facts


# ---- SPARQL on the export = Cypher on the store --------------------------------------------------

@pytest.mark.parametrize("cypher,sparql", [(COMPANIES_PER_PARK, SPARQL_PER_PARK),
                                           (COMPANIES_PER_REGION, SPARQL_PER_REGION),
                                           (COMPANIES_PER_REGION_ALL, SPARQL_PER_REGION_ALL)],
                         ids=["companies-per-park", "companies-per-region", "companies-per-region-transitive"])
@pytest.mark.parametrize("fmt", ["turtle", "trig"])
def test_sparql_on_the_export_answers_as_cypher_on_the_store(export, cypher, sparql, fmt):
    g = export.parse(fmt)
    if isinstance(g, Dataset):
        g.default_union = True  # a text fact lives in its documents' graphs
    answer = {str(row.id): int(row.n) for row in g.query(sparql)}
    assert answer == export.cypher[cypher]
    assert answer, "the seeds have companies in parks and regions"


def test_seed_rows_in_sparql(export):
    g = export.graph
    per_region = {str(r.name): int(r.n) for r in g.query(SPARQL_PREFIXES + """
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?name (COUNT(DISTINCT ?c) AS ?n) WHERE {
          ?c a kg:Company ; kg:locatedIn/(kg:locatedIn|kg:partOf)* ?r . ?r a kg:Region ; rdfs:label ?name .
        } GROUP BY ?name""")}
    # Every company placed anywhere in Inner Mongolia is counted under the province.
    assert per_region["内蒙古自治区"] >= per_region.get("包头市", 0) > 0
    assert per_region["内蒙古自治区"] >= per_region.get("呼和浩特市", 0)
    # 合生远景 is the subsidiary of 天津合生, read from 000's article, with its sentence.
    rows = list(g.query(SPARQL_PREFIXES + """
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?doc ?text ?conf WHERE {
          ?a rdfs:label "合生远景（内蒙古）生物科技有限公司"@zh . ?b rdfs:label "天津合生生物科技有限公司"@zh .
          ?a kg:subsidiaryOf ?b .
          ?st rdf:subject ?a ; rdf:predicate kg:subsidiaryOf ; rdf:object ?b ; kg:confidence ?conf ;
              kg:evidence [ dcterms:source [ dcterms:identifier ?doc ] ; kg:text ?text ] .
        }"""))
    assert rows and all(str(r.doc).startswith("000_") for r in rows)
    assert any("天津合生生物科技有限公司" in str(r.text) for r in rows)
    assert all(0 < float(r.conf) <= 1 for r in rows)


def test_names_aliases_codes_quantities_positions(export):
    g = export.graph
    jinyu = _node(g, "Company", "金宇保灵生物药品有限公司")
    assert (jinyu, SKOS.altLabel, Literal("金宇保灵", lang="zh")) in g
    assert (jinyu, RDF.type, ORG.FormalOrganization) in g
    hohhot = _node(g, "Region", "呼和浩特市")
    assert (hohhot, RDF.type, KG.City) in g and (hohhot, RDF.type, SDO.AdministrativeArea) in g
    assert (hohhot, KG.adcode, Literal("150100")) in g
    assert (hohhot, SKOS.altLabel, Literal("呼和浩特", lang="zh")) in g
    hs = _node(g, "Company", "合生远景（内蒙古）生物科技有限公司")
    inv = g.value(hs, KG.investment)
    assert (inv, RDF.type, SDO.MonetaryAmount) in g
    assert g.value(inv, SDO.value) == Literal("250000000", datatype=XSD_INTEGER)
    assert g.value(inv, SDO.currency) == Literal("CNY")
    assert g.value(inv, KG.sourceText) == Literal("2.5亿元", lang="zh")
    areas = {str(g.value(a, SDO.unitText)): g.value(a, SDO.value).toPython() for a in g.objects(hs, KG.area)}
    assert float(areas["亩"]) == 68.8 and float(areas["m2"]) == pytest.approx(45866.67)
    assert {g.value(a, SDO.unitCode) for a in g.objects(hs, KG.area)} == {Literal("MTK"), None}
    liu = _node(g, "Person", "刘斌")
    tianjin = _node(g, "Company", "天津合生生物科技有限公司")
    assert (liu, KG.holdsPosition, tianjin) in g
    [m] = [m for m in g.subjects(ORG.member, liu) if (m, ORG.organization, tianjin) in g]
    assert (m, RDF.type, ORG.Membership) in g
    assert g.value(g.value(m, ORG.role), RDFS.label) == Literal("董事长", lang="zh")
    industry = next(g.subjects(RDF.type, KG.Industry))
    assert (industry, RDF.type, SKOS.Concept) in g
    assert (g.value(industry, SKOS.inScheme), RDF.type, SKOS.ConceptScheme) in g


# ---- provenance ------------------------------------------------------------------------------------

def test_one_named_graph_per_document_holds_what_it_says(export, built):
    ds = export.parse("trig")
    docs = set(ds.default_graph.subjects(RDF.type, KG.Document))
    named = {c.identifier for c in ds.graphs() if c.identifier != ds.default_graph.identifier and len(c)}
    assert named and named <= docs
    files = {str(ds.default_graph.value(d, DCTERMS.identifier)) for d in named}
    assert files == {e["doc"] for r in built.relations for e in r["evidence"]} | \
        {m["doc"] for e in built.entities for m in e["mentions"]}
    for r in built.relations[:60]:
        s, o = URIRef(BASE + r["subject"]), URIRef(BASE + r["object"])
        p = URIRef(PREDICATES[r["predicate"]])
        in_graphs = {str(ds.default_graph.value(c.identifier, DCTERMS.identifier))
                     for c in ds.graphs() if (s, p, o) in c and c.identifier != ds.default_graph.identifier}
        if r["source"] == "text":
            assert in_graphs == {e["doc"] for e in r["evidence"]}
            assert (s, p, o) not in ds.default_graph
        else:
            assert in_graphs == set() and (s, p, o) in ds.default_graph


def test_every_text_fact_leads_to_its_sentences(export, built):
    g = export.graph
    text = [r for r in built.relations if r["source"] == "text"]
    for r in text[:80]:
        st = emit.IRIs(BASE).statement(r["subject"], r["predicate"], r["object"])[1:-1]
        evidence = {(str(g.value(g.value(e, DCTERMS.source), DCTERMS.identifier)), int(g.value(e, KG.start)),
                     int(g.value(e, KG.end)), str(g.value(e, KG.text)))
                    for e in g.objects(URIRef(st), KG.evidence)}
        assert evidence == {(e["doc"], e["start"], e["end"], e["text"]) for e in r["evidence"]}
        assert g.value(URIRef(st), KG.rule) == Literal(r["rule"])


# ---- IRIs ------------------------------------------------------------------------------------------

def test_iris_are_stable_and_under_the_base(export):
    assert export.again == export.text["nt"]
    subjects = {line.split(" ", 1)[0] for line in export.other_base.splitlines()}
    assert all(s.startswith("<http://data.example.com/kg#") for s in subjects)
    assert len(export.other_base.splitlines()) == len(export.text["nt"].splitlines())


@pytest.mark.parametrize("base", ["", "no scheme", "http://x/a b/", "http://x/<y>/"])
def test_a_bad_base_is_refused(base):
    with pytest.raises(writer.ExportError):
        writer.check_base(base)


# ---- SHACL -----------------------------------------------------------------------------------------

@pytest.mark.slow      # pySHACL over the whole export
def test_the_seeds_export_conforms(export):
    assert validate(export.graph) == []
    assert validate(export.parse("trig")) == []


def test_shapes_and_ontology_parse():
    assert len(shapes()) > 100 and len(ontology()) > 100
    assert (KG.Company, RDFS.subClassOf, ORG.FormalOrganization) in ontology()


def test_a_broken_export_is_reported_in_plain_words(export):
    g = Graph()
    for t in export.graph:
        g.add(t)
    company = _node(g, "Company", "金宇保灵生物药品有限公司")
    g.remove((company, RDFS.label, None))
    person = _node(g, "Person", "刘斌")
    g.add((company, KG.locatedIn, person))
    st = next(s for s in g.subjects(KG.source, Literal("text")))
    g.set((st, KG.confidence, Literal("1.5", datatype=XSD_DECIMAL)))
    for e in list(g.objects(st, KG.evidence)):
        g.remove((st, KG.evidence, e))
    g.remove((g.value(st, RDF.subject), g.value(st, RDF.predicate), g.value(st, RDF.object)))
    region = _node(g, "Region", "呼和浩特市")
    g.set((region, KG.adcode, Literal("15")))
    found = validate(g)
    text = "\n".join(str(v) for v in found)
    assert all(isinstance(v, Violation) for v in found)
    assert "金宇保灵生物药品有限公司" not in text  # its name is gone: it is named by its id
    assert "company-" in text and "needs exactly one name (rdfs:label)" in text
    assert "is located in something that is neither an industrial park nor a region (value: 刘斌" in text
    assert "a fact needs exactly one confidence, a decimal between 0 and 1" in text
    assert "a fact read from text must carry its evidence" in text
    assert "the fact this statement describes is missing from the export" in text
    assert "呼和浩特市 (region-" in text and "an adcode is six digits" in text
    assert "the fact " in text


# ---- streaming -------------------------------------------------------------------------------------

class _Watched:
    """A store whose queries note how much output has been written when each is asked."""

    def __init__(self, store, out: io.StringIO):
        self.store, self.out, self.seen = store, out, []

    def query(self, cypher, params=None):
        self.seen.append((cypher, len(self.out.getvalue())))
        return self.store.query(cypher, params)


@pytest.mark.parametrize("fmt", ["nt", "nquads", "turtle", "trig"])
def test_streamed_formats_are_written_while_the_store_is_read(built, monkeypatch, fmt):
    monkeypatch.setattr(writer, "to_rdflib", lambda *a, **k: pytest.fail("streamed formats build no graph"))
    monkeypatch.setattr("kg.rdf.source.PAGE", 7)
    out = io.StringIO()
    with EmbeddedStore(built.out / "store") as store:
        watched = _Watched(store, out)
        n = writer.write(watched, out, fmt, flush_every=16)
    if fmt in ("nt", "nquads"):
        assert n == out.getvalue().count("\n")
    rel_queries = [written for cypher, written in watched.seen if "LOCATED_IN" in cypher]
    assert len(rel_queries) > 2            # paged
    assert 0 < rel_queries[0] < rel_queries[-1] < len(out.getvalue())


# ---- odd text and a document whose id is not its file name ---------------------------------------

ODD_ENTITIES = [
    {"id": "company-odd", "type": "Company", "name": 'A "quoted"\\ name\nwith\ttab 😀',
     "aliases": ["short\rname", "x\u2028y"], "properties": {"investment_usd": 1.5e-3, "investment_usd_approx": True,
                                                          "founded": 1998, "tags": ["a", "b"], "listed": False},
     "mentions": [{"doc": "001_a.txt", "start": 0, "end": 4}]},
    {"id": "park/1 x", "type": "IndustrialPark", "name": "园区", "aliases": [], "properties": {},
     "mentions": [{"doc": "001_a.txt", "start": 5, "end": 7}]},
]
ODD_RELATIONS = [
    {"subject": "company-odd", "predicate": "LOCATED_IN", "object": "park/1 x", "confidence": 0.9,
     "source": "text", "rule": "r", "evidence": [{"doc": "001_a.txt", "start": 0, "end": 9, "text": 'say "hi"\n'},
                                                 {"doc": "999_unknown.txt", "start": 3, "end": 4, "text": "x"}]},
]
ODD_DOCS = [{"id": "doc-001", "name": "001_a.txt", "title": "标题 \"一\""}]


@pytest.fixture(scope="module")
def odd_export(tmp_path_factory):
    with EmbeddedStore(tmp_path_factory.mktemp("odd") / "store") as store:
        store.load(ODD_ENTITIES, ODD_RELATIONS, ODD_DOCS)
        return {fmt: writer.to_string(store, fmt) for fmt in writer.FORMATS}


@pytest.mark.parametrize("fmt", list(writer.FORMATS))
def test_odd_text_survives_every_format(odd_export, fmt):
    g = Dataset() if writer.FORMATS[fmt][1] else Graph()
    g.parse(data=odd_export[fmt], format=PARSE[fmt])
    triples = {(s, p, o) for s, p, o, _ in g.quads()} if isinstance(g, Dataset) else set(g)
    ref = Graph().parse(data=odd_export["nt"], format="nt")
    assert triples == set(ref)
    company = URIRef(BASE + "company-odd")
    assert (company, RDFS.label, Literal('A "quoted"\\ name\nwith\ttab 😀', lang="zh")) in triples
    assert (company, SKOS.altLabel, Literal("short\rname", lang="zh")) in triples
    assert (company, KG.founded, Literal(1998)) in triples
    assert (company, KG.listed, Literal(False)) in triples
    assert {o for s, p, o in triples if s == company and p == KG.tags} == {Literal("a"), Literal("b")}
    assert (company, KG.locatedIn, URIRef(BASE + "park%2F1%20x")) in triples


def test_odd_export_validates_and_names_documents_by_id(odd_export):
    g = Graph().parse(data=odd_export["nt"], format="nt")
    assert validate(g) == []
    doc = URIRef(BASE + "doc/doc-001")
    assert (doc, DCTERMS.identifier, Literal("001_a.txt")) in g
    assert (doc, DCTERMS.title, Literal('标题 "一"', lang="zh")) in g
    stub = URIRef(BASE + "doc/999_unknown.txt")
    assert (stub, RDF.type, KG.Document) in g  # evidence from a file the store has no Document for
    inv = g.value(URIRef(BASE + "company-odd"), KG.investment)
    assert g.value(inv, SDO.value) == Literal("0.0015", datatype=XSD_DECIMAL)
    assert g.value(inv, SDO.currency) == Literal("USD")
    assert g.value(inv, KG.approximate) == Literal(True)


# ---- the command -----------------------------------------------------------------------------------

def test_command_writes_a_file_and_validates(built, tmp_path, capsys):
    target = tmp_path / "seeds.nq"
    assert main(["export", "rdf", "--graph", str(built.out), "--format", "nquads", "--output", str(target),
                 "--validate"]) == 0
    err = capsys.readouterr().err
    assert "quads written (nquads)" in err and "conforms" in err
    assert Dataset().parse(data=target.read_text("utf-8"), format="nquads")
    assert [p.name for p in tmp_path.iterdir()] == ["seeds.nq"]  # no temporary file left


def test_command_writes_turtle_to_standard_output(built, capsys):
    assert main(["export", "rdf", "--graph", str(built.out)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("@prefix") and len(Graph().parse(data=out, format="turtle")) > 1000


@pytest.mark.parametrize("args,message", [
    (["--graph", "{tmp}/nothing"], "holds no built graph (run `kg build PATH --out"),
    (["--format", "rdfa"], "unknown RDF format 'rdfa'; choose one of turtle, nt, nquads, trig, jsonld, xml"),
    (["--output", "{tmp}/no/such/dir/x.ttl"], "cannot write"),
    (["--output", "{tmp}"], "it is a directory"),
    (["--base", "not an iri"], "is not an absolute IRI"),
])
def test_command_errors_are_one_line(built, tmp_path, capsys, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--graph" not in args:
        args += ["--graph", str(built.out)]
    assert main(["export", "rdf", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and err[0].startswith("kg export rdf: ")
    assert not (tmp_path / "nothing").exists()


@pytest.mark.parametrize("fmt", ["nt", "trig", "turtle"])
def test_a_build_without_store_exports_the_same_rdf_as_its_store(export, built_again, tmp_path, capsys, fmt):
    """`kg export rdf --graph DIR` of a `--no-store` build reads the export files (entities,
    relations, documents.jsonl): the same bytes as the store of the same seeds gives."""
    assert not (built_again.out / "store").exists()
    out = tmp_path / f"seeds.{fmt}"
    assert main(["export", "rdf", "--graph", str(built_again.out), "--format", fmt, "--output", str(out)]) == 0
    assert out.read_text("utf-8") == export.text[fmt]


def test_every_format_has_a_suffix_and_parser():
    assert set(PARSE) == set(writer.FORMATS) and Counter(s for _, _, s in writer.FORMATS.values()).most_common(1)[0][1] == 1


# ---- the Cypher that reads the store is Cypher Neo4j accepts --------------------------------------

@pytest.mark.slow      # Node: Neo4j's Cypher language support
def test_the_exports_cypher_passes_neo4js_linter(built):
    import shutil

    if shutil.which("node") is None:
        pytest.skip("node is not installed: cannot run Neo4j's Cypher linter")
    from test_cypher_lint import db_schema, lint, rejected  # the suite's linter helper

    stmts = source.all_cypher()
    out = lint(stmts, db_schema(built))
    assert set(out) == set(stmts)
    assert {name: rejected(d) for name, d in out.items() if rejected(d)} == {}
