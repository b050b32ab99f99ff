"""The graph's schema, written once: labels, region levels, relationship types with their ends and
symmetry, id prefixes, RDF classes and predicates, and the browser's colours and sizes.

Everything else reads it: the model and the graph's validation, resolution's ids, the stores'
index statements, the RDF vocabulary and reader, the browser's label lists. The files that are
not Python (`kg/rdf/ontology.ttl`, `kg/rdf/shapes.ttl`, `neo4j/style.grass` and the contract
`../shared/kg-schema.md`) are checked against it by `tests/test_schema.py`.

Adding a label or a relationship type is one entry here (plus the recogniser or rule that finds
it, and its lines in those files, which the test names if they are missing).
"""
from __future__ import annotations

from dataclasses import dataclass

KG = "https://kg.example.org/ontology#"
ORG = "http://www.w3.org/ns/org#"
SDO = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"

DEFAULT_COLOUR = "#A5ABB6"      # a label the registry does not know (the browser's grey)


@dataclass(frozen=True)
class Label:
    """A node label. `prefix`: the start of its nodes' ids (`company-3f9a…`); None for Document,
    whose id is its file name. `classes`: the RDF classes its nodes are typed with, the kg class
    first. `colour`, `size`: the browser's (and Neo4j Browser's) colour, and the node size on the
    browser's canvas (None: the default size)."""

    name: str
    prefix: str | None
    classes: tuple[str, ...]
    colour: str
    size: int | None = None

    @property
    def entity(self) -> bool:
        """A node extraction makes (everything but Document)."""
        return self.prefix is not None


@dataclass(frozen=True)
class RelationType:
    """A relationship type: the labels it may go from and to, whether it is symmetric (stored once,
    either direction) and its RDF predicate. `fact`: read from text or reference data (all but
    MENTIONED_IN, which the mentions give)."""

    name: str
    subjects: tuple[str, ...]
    objects: tuple[str, ...]
    predicate: str
    symmetric: bool = False
    fact: bool = True


# In the browser's legend order.
_LABELS = (
    Label("Company", "company", (KG + "Company", ORG + "FormalOrganization"), "#4C8EDA", 15),
    Label("IndustrialPark", "park", (KG + "IndustrialPark", SDO + "Place"), "#C990C0", 20),
    Label("Project", "project", (KG + "Project", PROV + "Entity"), "#F16667", 13),
    Label("Institution", "institution", (KG + "Institution", ORG + "Organization"), "#8DCC93"),
    Label("Region", "region", (KG + "Region", SDO + "AdministrativeArea"), "#F79767", 14),
    Label("Industry", "industry", (KG + "Industry", SKOS + "Concept"), "#FFC454"),
    Label("Person", "person", (KG + "Person", SDO + "Person"), "#57C7E3"),
    Label("Document", None, (KG + "Document", PROV + "Entity"), "#A5ABB6"),
)
# The order of ../shared/kg-schema.md's table (the order the stores and the RDF export read in).
LABEL_ORDER: tuple[str, ...] = ("Company", "Institution", "Region", "IndustrialPark", "Project", "Industry", "Person", "Document")
LABEL: dict[str, Label] = {lab.name: lab for lab in _LABELS}
LABELS: tuple[str, ...] = LABEL_ORDER
ENTITY_LABELS: tuple[str, ...] = tuple(n for n in LABELS if LABEL[n].entity)
BROWSER_ORDER: tuple[str, ...] = tuple(lab.name for lab in _LABELS)
ID_PREFIX: dict[str, str] = {n: p for n in ENTITY_LABELS if (p := LABEL[n].prefix) is not None}

# A Region's level: its `properties.level`, a second label in the stores and an RDF subclass.
REGION_LEVELS: tuple[str, ...] = ("Province", "City", "County")
REGION_LEVEL_CLASSES: dict[str, str] = {lvl: KG + lvl for lvl in REGION_LEVELS}

ORGS = ("Company", "Institution")
_RELATIONS = (
    RelationType("LOCATED_IN", ("Company", "Institution", "Project", "IndustrialPark"), ("IndustrialPark", "Region"),
                 KG + "locatedIn"),
    RelationType("PART_OF", ("Region", "IndustrialPark"), ("Region", "IndustrialPark"), KG + "partOf"),
    RelationType("SUBSIDIARY_OF", ("Company",), ("Company",), KG + "subsidiaryOf"),
    RelationType("DEVELOPS", ORGS, ("Project",), KG + "develops"),
    RelationType("COOPERATES_WITH", ORGS, ORGS, KG + "cooperatesWith", symmetric=True),
    RelationType("SERVES", ("Company",), ORGS, KG + "serves"),
    RelationType("IN_INDUSTRY", ("Company", "Project", "IndustrialPark", "Region"), ("Industry",), KG + "inIndustry"),
    RelationType("HOLDS_POSITION", ("Person",), ORGS, KG + "holdsPosition"),
    RelationType("MENTIONED_IN", ENTITY_LABELS, ("Document",), KG + "mentionedIn", fact=False),
)
RELATION: dict[str, RelationType] = {r.name: r for r in _RELATIONS}
RELATION_TYPES: tuple[str, ...] = tuple(r.name for r in _RELATIONS if r.fact)      # the facts
RELATION_ENDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    r.name: (r.subjects, r.objects) for r in _RELATIONS if r.fact}
SYMMETRIC: frozenset[str] = frozenset(r.name for r in _RELATIONS if r.symmetric)
MENTIONED_IN = "MENTIONED_IN"

CLASSES: dict[str, tuple[str, ...]] = {n: LABEL[n].classes for n in LABELS}
PREDICATES: dict[str, str] = {r.name: r.predicate for r in _RELATIONS}


def colour(label: str) -> str:
    found = LABEL.get(label)
    return found.colour if found else DEFAULT_COLOUR


def without_levels(counts: dict[str, int]) -> dict[str, int]:
    """Counts per label without the region levels (a Region:City node counts once, as Region)."""
    return {k: v for k, v in counts.items() if k not in REGION_LEVELS}
