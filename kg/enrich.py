"""Enrichment: what reference knowledge adds to the resolved graph, after resolution and apart from it.

Resolution (`kg.resolve`) decides which mentions are one thing; this step then adds what no
sentence said but the reference data knows:

* each region's chain of parents, and each code-listed park's city, from the division table
  (`kg.divisions`): PART_OF / LOCATED_IN facts with `source: gazetteer`, and the parent regions
  themselves where the text did not name them;
* each institution's `category` (school, hospital, research, government, association, media,
  organisation), from the suffix of its name.
"""
from __future__ import annotations

from kg.divisions import Divisions
from kg.resolve import Entity, Relation, slug

CATEGORIES = (
    (("大学", "学院", "分校", "中学", "小学", "幼儿园", "学校", "一中"), "school"),
    (("医院",), "hospital"),
    (("研究院", "研究所", "科学院", "实验室", "研究中心", "创新中心", "分中心", "工程中心"), "research"),
    (("人民政府", "政府", "局", "厅", "委员会", "常委会", "海关", "党委", "新闻办", "管委会", "部", "委", "所"), "government"),
    (("协会", "学会", "商会", "联合会", "促进会"), "association"),
    (("报社", "电视台", "日报"), "media"),
)


def enrich(entities: dict[str, Entity], relations: dict[tuple, Relation],
           divisions: Divisions | None = None) -> tuple[dict[str, Entity], dict[tuple, Relation]]:
    """Add the reference facts to the resolved `entities` and `relations` (in place; returned too)."""
    divisions = divisions or Divisions.default()
    for e in list(entities.values()):
        if e.label == "Institution" and not e.names:
            continue
        if e.label == "Institution":
            e.props.setdefault("category", category(e.name))
        if "adcode" not in e.props:
            continue
        child = e
        for parent in divisions.parent_chain(e.props["adcode"]):
            pid = slug("Region", f"Region:{parent.adcode}")
            p = entities.get(pid)
            if p is None:
                p = entities[pid] = Entity(pid, "Region", {parent.name: 0},
                                           {"adcode": parent.adcode, "level": parent.level}, canonical=parent.name)
            pred = "PART_OF" if child.label == "Region" else "LOCATED_IN"
            k = (child.id, pred, p.id)
            if k not in relations:
                relations[k] = Relation(child.id, pred, p.id, 1.0, "gazetteer-parent", source="gazetteer")
            child = p
    return entities, relations


def category(name: str) -> str:
    """An institution's kind, from the suffix of its name."""
    for suffixes, kind in CATEGORIES:
        if name.endswith(suffixes):
            return kind
    return "organisation"
