"""The knowledge graph in memory: a networkx MultiDiGraph, checked against the schema before storing.

Nodes carry `label`, `name`, `aliases`, `properties` and `mentions`; edges carry their type as the
key and `confidence`, `source`, `rule`, `evidence`. The JSON Lines export and the stores read it.
"""
from __future__ import annotations

import networkx as nx

from kg.schema import LABELS, REGION_LEVELS, RELATION_ENDS
from kg.resolve import Entity, Relation


class SchemaError(ValueError):
    """The graph breaks a rule of ../shared/kg-schema.md; the message names the rule."""


def build_graph(entities: dict[str, Entity], relations: dict[tuple, Relation]) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for eid in sorted(entities):
        e = entities[eid]
        g.add_node(eid, label=e.label, name=e.name, aliases=e.aliases, properties=dict(sorted(e.props.items())),
                   mentions=sorted(e.mentions))
    for key in sorted(relations):
        r = relations[key]
        evidence = [{"doc": d, "start": s, "end": t, "text": text} for (d, s, t), text in sorted(r.evidence.items())]
        g.add_edge(r.subject, r.object, key=r.predicate, confidence=round(r.confidence, 3), source=r.source,
                   rule=r.rule, evidence=evidence, properties=dict(r.props))
    validate(g)
    return g


def validate(g: nx.MultiDiGraph) -> None:
    """Raise SchemaError naming the broken rule: labels, region levels, each type's end labels."""
    for n, data in g.nodes(data=True):
        label = data.get("label")
        if label not in LABELS:
            raise SchemaError(f"node {n}: label {label!r} is not one of the schema's labels {LABELS}")
        if not data.get("name"):
            raise SchemaError(f"node {n}: every node has a name")
        if label == "Region" and data["properties"].get("level") not in REGION_LEVELS:
            raise SchemaError(f"node {n} ({data['name']}): a Region needs a level in {sorted(REGION_LEVELS)}")
    for s, o, rel, data in g.edges(keys=True, data=True):
        if rel not in RELATION_ENDS:
            raise SchemaError(f"edge {s}-{rel}->{o}: {rel} is not a relationship type of the schema")
        subj_ok, obj_ok = RELATION_ENDS[rel]
        sl, ol = g.nodes[s]["label"], g.nodes[o]["label"]
        if sl not in subj_ok or ol not in obj_ok:
            raise SchemaError(f"edge {s}-{rel}->{o}: {rel} goes from {'/'.join(subj_ok)} to {'/'.join(obj_ok)}, "
                              f"not from {sl} to {ol}")
        if not 0.0 <= data["confidence"] <= 1.0:
            raise SchemaError(f"edge {s}-{rel}->{o}: confidence must lie in [0, 1]")
        if data["source"] == "text" and not data["evidence"]:
            raise SchemaError(f"edge {s}-{rel}->{o}: a fact read from text carries its evidence")
