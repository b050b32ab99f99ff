"""The RDF vocabulary of the export: namespaces, and how each label, relationship type and property
of ../shared/kg-schema.md becomes classes, predicates and literals.

The classes and properties under `KG` are defined, and aligned to W3C ORG, schema.org, PROV-O,
SKOS and Dublin Core, in `ontology.ttl` beside this module; the SHACL shapes in `shapes.ttl`.
The ontology namespace is fixed; instance IRIs live under a base the user chooses (`--base`).
"""
from __future__ import annotations

import re

from kg import schema

KG = schema.KG
DEFAULT_BASE = "https://kg.example.org/id/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
ORG, SDO, PROV, SKOS = schema.ORG, schema.SDO, schema.PROV, schema.SKOS
DCTERMS = "http://purl.org/dc/terms/"
SH = "http://www.w3.org/ns/shacl#"

PREFIXES = {"kg": KG, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "owl": OWL, "org": ORG, "schema": SDO,
            "prov": PROV, "skos": SKOS, "dcterms": DCTERMS}

# label → the classes every node of that label is typed with (the kg class first; the public class
# is stated in the data too, so SPARQL users need no reasoner for the common ones), the region
# levels' subclasses and relationship type → predicate: all from the schema registry.
CLASSES = schema.CLASSES
REGION_LEVEL_CLASSES = schema.REGION_LEVEL_CLASSES
PREDICATES = schema.PREDICATES

# Quantities (kg.extract.quantities.quantity_props): property name → (kg property, schema.org class
# of the value node, UN/CEFACT unit code or None, unit text, currency or None).
_UNITS = {
    "m2": ("area", "QuantitativeValue", "MTK", "m2", None),
    "mu": ("area", "QuantitativeValue", None, "亩", None),
    "km2": ("area", "QuantitativeValue", "KMK", "km2", None),
    "ha": ("area", "QuantitativeValue", "HAR", "ha", None),
    "kw": ("capacity", "QuantitativeValue", "KWT", "kW", None),
    "kwh": ("capacity", "QuantitativeValue", "KWH", "kWh", None),
    "t_per_year": ("annualCapacity", "QuantitativeValue", None, "t/year", None),
}
_QUANTITY = re.compile(r"^(investment)_([a-z]{3})$|^(area|capacity)_(m2|mu|km2|ha|kw|kwh|t_per_year)$")


def quantity(prop: str) -> tuple[str, str, str | None, str, str | None] | None:
    """How a numeric node property is written: (predicate, value class, unit code, unit text,
    currency), or None when `prop` is not a quantity."""
    m = _QUANTITY.match(prop)
    if not m:
        return None
    if m.group(1):
        cur = m.group(2).upper()
        return KG + "investment", SDO + "MonetaryAmount", None, cur, cur
    pred, vclass, code, text, cur = _UNITS[m.group(4)]
    return KG + pred, SDO + vclass, code, text, cur


# Node properties with a fixed predicate; anything else becomes kg:<camelCase> (see `other_property`).
PROPERTIES = {"adcode": KG + "adcode", "category": KG + "category"}
SKIPPED_PROPERTIES = {"id", "name", "aliases", "level"}  # written as identifier, labels and classes


def other_property(key: str) -> str:
    """kg:<camelCase of key> for a property the vocabulary does not name (future extraction)."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", key) if p]
    if not parts:
        return KG + "property"
    name = parts[0][:1].lower() + parts[0][1:] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
    if name[0].isdigit():
        name = "p" + name
    return KG + name
