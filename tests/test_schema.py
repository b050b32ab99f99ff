"""The schema registry (kg/schema.py) and the files that are not Python: each covers it.

A label or relationship type added to the registry but not to the ontology, the shapes, Neo4j
Browser's style or the shared contract fails here, naming what is missing where.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, Graph, URIRef
from rdflib.namespace import SH

from kg import schema
from kg.store.embedded import EmbeddedStore
from kg.store.neo4j import Neo4jStore

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "kg-schema.md"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "kg" / "rdf" / "ontology.ttl")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(ROOT / "kg" / "rdf" / "shapes.ttl")


def test_ontology_defines_every_class_and_predicate(ontology):
    classes = {str(c) for c in ontology.subjects(RDF.type, OWL.Class)}
    for label in schema.LABELS:
        assert schema.CLASSES[label][0] in classes, f"ontology.ttl has no class for {label}"
    for level, iri in schema.REGION_LEVEL_CLASSES.items():
        assert iri in classes, f"ontology.ttl has no class for the region level {level}"
    properties = {str(p) for p in ontology.subjects(RDF.type, OWL.ObjectProperty)}
    symmetric = {str(p) for p in ontology.subjects(RDF.type, OWL.SymmetricProperty)}
    for name, rel in schema.RELATION.items():
        assert rel.predicate in properties, f"ontology.ttl has no property for {name}"
        assert (rel.predicate in symmetric) == rel.symmetric, f"{name}: symmetry differs in ontology.ttl"


def test_shapes_cover_every_entity_label_and_fact(shapes):
    targets = {str(o) for o in shapes.objects(None, SH.targetClass)}
    classes = {str(o) for o in shapes.objects(None, SH["class"])}
    paths = {str(o) for o in shapes.objects(None, SH.path)}
    for label in schema.LABELS:
        assert schema.CLASSES[label][0] in targets, f"shapes.ttl has no shape for {label}"
    for name, rel in schema.RELATION.items():
        assert rel.predicate in paths, f"shapes.ttl does not constrain {name}"
    assert URIRef(schema.KG + "Document") in {URIRef(c) for c in classes}


def test_neo4j_browser_style_has_every_label_in_its_colour():
    text = (ROOT / "neo4j" / "style.grass").read_text("utf-8")
    rules = dict(re.findall(r"(node\.\w+) \{([^}]*)\}", text))
    for label in schema.LABELS:
        assert f"node.{label}" in rules, f"neo4j/style.grass has no rule for {label}"
        assert f"color: {schema.colour(label)};" in rules[f"node.{label}"], f"{label}'s colour differs in style.grass"
    for level in schema.REGION_LEVELS:
        assert f"color: {schema.colour('Region')};" in rules[f"node.{level}"]


def test_the_shared_contract_lists_every_label_level_and_type():
    text = CONTRACT.read_text("utf-8")
    for label in schema.LABELS:
        assert f"| `{label}` |" in text, f"kg-schema.md's label table has no row for {label}"
    for level in schema.REGION_LEVELS:
        assert f"`{level}`" in text, f"kg-schema.md does not name the region level {level}"
    for name in schema.RELATION:
        assert f"| `{name}` |" in text, f"kg-schema.md's relationship table has no row for {name}"


def test_registry_is_consistent():
    assert len(set(schema.ID_PREFIX.values())) == len(schema.ID_PREFIX), "two labels share an id prefix"
    assert set(schema.ENTITY_LABELS) == set(schema.LABELS) - {"Document"}
    assert set(schema.BROWSER_ORDER) == set(schema.LABELS)
    for name, (subjects, objects) in schema.RELATION_ENDS.items():
        assert set(subjects) | set(objects) <= set(schema.LABELS), name
    assert schema.MENTIONED_IN in schema.RELATION and schema.MENTIONED_IN not in schema.RELATION_TYPES


@pytest.mark.parametrize("store", [EmbeddedStore, Neo4jStore])
def test_every_label_is_indexed_on_id_and_name_in_each_store(store):
    statements = store.schema_statements()
    for label in schema.LABELS:
        mine = [s for s in statements if f"(n:{label})" in s]
        assert any("n.id" in s for s in mine) and any("n.name" in s for s in mine), (store.name, label)
