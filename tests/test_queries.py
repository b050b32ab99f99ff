"""The cypher/ query library on the seeds' graph in the embedded store.

Every query file runs on the real build of seeds/ (conftest's `built`); its rows are checked
against the same question answered in Python from entities.jsonl / relations.jsonl, and against
facts read in the seed text (合生远景's HMOs project in the Hohhot economic and technological
development zone, built with its parent 天津合生生物科技有限公司…).
"""
from __future__ import annotations

import re
from collections import defaultdict, deque
from pathlib import Path

import pytest

from kg.query import QueryFile, library, parse_params, run_query
from kg.store import EmbeddedStore

CYPHER = Path(__file__).resolve().parent.parent / "cypher"
FILES = sorted(CYPHER.glob("*.cypher"))
HESHENG = "合生远景（内蒙古）生物科技有限公司"
PARENT = "天津合生生物科技有限公司"


class Graph:
    """The export as plain Python, triples distinct (as the store keeps them)."""

    def __init__(self, built):
        self.by_id = built.by_id
        self.name = {i: e["name"] for i, e in built.by_id.items()}
        self.type = {i: e["type"] for i, e in built.by_id.items()}
        self.rels = {}
        for r in built.relations:
            self.rels.setdefault((r["subject"], r["predicate"], r["object"]), r)
        self.out = defaultdict(set)
        for s, p, o in self.rels:
            self.out[(s, p)].add(o)

    def ids(self, name, label=None):
        return [i for i, e in self.by_id.items() if (label is None or e["type"] == label)
                and (e["name"] == name or name in e["aliases"] or i == name)]

    def succ(self, node, preds):
        return {o for p in preds for o in self.out[(node, p)]}

    def reach(self, start, preds, lo, hi):
        """Nodes at the end of directed paths of lo..hi steps over `preds` (relationship-unique
        paths; in this graph's shape no path repeats a relationship)."""
        found, frontier = set(), {start}
        if lo == 0:
            found.add(start)
        for step in range(1, hi + 1):
            frontier = {o for n in frontier for o in self.succ(n, preds)}
            if step >= lo:
                found |= frontier
        return found

    def undirected_distance(self, a, b, preds, hi):
        adj = defaultdict(set)
        for s, p, o in self.rels:
            if p in preds:
                adj[s].add(o)
                adj[o].add(s)
        dist, todo = {a: 0}, deque([a])
        while todo:
            n = todo.popleft()
            for m in adj[n]:
                if m not in dist:
                    dist[m] = dist[n] + 1
                    todo.append(m)
        return dist.get(b) if dist.get(b, hi + 1) <= hi else None

    def company_parks(self):
        """company id → the parks it is in (LOCATED_IN, or DEVELOPS a project LOCATED_IN),
        parks widened by PART_OF*0..3."""
        out = defaultdict(set)
        for c, t in self.type.items():
            if t != "Company":
                continue
            sites = {x for x in self.reach(c, ["LOCATED_IN", "DEVELOPS"], 1, 2) if self.type[x] == "IndustrialPark"}
            for s in sites:
                out[c] |= {p for p in self.reach(s, ["PART_OF"], 0, 3) if self.type[p] == "IndustrialPark"}
        return out


FACT_TYPES = ["LOCATED_IN", "PART_OF", "SUBSIDIARY_OF", "DEVELOPS", "COOPERATES_WITH", "SERVES",
              "IN_INDUSTRY", "HOLDS_POSITION"]


@pytest.fixture(scope="module")
def g(built):
    return Graph(built)


@pytest.fixture(scope="module")
def db(built):
    with EmbeddedStore(built.out / "store") as store:
        yield store


def run(db, name, **params):
    cols, rows = run_query(name, params, store=db)
    return [dict(zip(cols, r)) for r in rows]


def test_library_has_the_queries_the_issue_asks_for():
    names = {p.stem for p in FILES}
    assert len(names) >= 10
    assert {"parks_companies", "region_companies", "company_profile", "projects_by_investment",
            "cooperation_network", "industries_by_region", "industries_by_park", "colocated_companies",
            "connection", "relationship_evidence", "most_connected"} <= names
    assert set(library()) == names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_header_says_what_parameters_and_example(path):
    text = path.read_text("utf-8")
    q = QueryFile.parse(text, path.stem, path)
    lines = [l for l in text.splitlines() if l.strip()]
    assert lines[0].startswith("// ") and len(q.title) > 20, "first line says what it answers"
    assert any(l.startswith("// Parameters") for l in q.header)
    assert q.example.startswith(f"kg query {path.stem}"), q.example
    assert set(q.used_params()) == set(q.params), "every $parameter is documented, and only those"
    example_params = parse_params(re.findall(r"--param (\S+)", q.example))
    q.bind(example_params)  # the example gives every required parameter


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_common_subset_only(path):
    """Cypher both stores run (see the issue): none of the constructs one of them lacks."""
    cy = QueryFile.parse(path.read_text("utf-8")).cypher
    for bad in (r"EXISTS\s*\{", r"COUNT\s*\{", r"CALL\s*\(", r"elementId\s*\(", r"datetime\s*\(", r"=~",
                r"\bapoc\.", r"\bgds\."):
        assert not re.search(bad, cy, re.I), bad
    for m in re.finditer(r"shortestPath", cy, re.I):  # only in WITH / RETURN
        before = cy[:m.start()].upper()
        assert before.rfind("WITH") > before.rfind("MATCH") or before.rfind("RETURN") > before.rfind("MATCH")
    ret = cy[cy.upper().rfind("RETURN"):]
    assert not re.search(r"RETURN\s+(DISTINCT\s+)?[a-z]\w*\s*(,|$)", ret), "return scalars, not nodes"


def test_parks_companies(db, g):
    rows = run(db, "parks_companies")
    expected = defaultdict(set)
    for c, parks in g.company_parks().items():
        for p in parks:
            expected[p].add(g.name[c])
    assert {r["park_id"]: set(r["companies"]) for r in rows} == expected
    assert all(r["n_companies"] == len(r["companies"]) for r in rows)
    assert [r["n_companies"] for r in rows] == sorted((r["n_companies"] for r in rows), reverse=True)
    # the seeds: 合生远景 builds its HMOs base in the Hohhot economic and technological development
    # zone, with its parent company; 金宇保灵 is in the 沙尔沁 industrial park
    [hohhot] = [r for r in rows if HESHENG in r["companies"]]
    assert "呼和浩特" in hohhot["park"] and "经济技术开发区" in hohhot["park"]
    assert PARENT in hohhot["companies"] and hohhot["n_companies"] >= 2
    assert any("沙尔沁" in r["park"] and "金宇保灵生物药品有限公司" in r["companies"] for r in rows)
    assert rows[0]["n_companies"] == max(len(v) for v in expected.values())


def test_region_companies(db, g):
    rows = run(db, "region_companies", region="包头市")
    [region] = g.ids("包头市", "Region")
    expected = {g.name[c] for c, t in g.type.items()
                if t == "Company" and region in g.reach(c, ["LOCATED_IN", "PART_OF"], 1, 5)}
    assert {r["company"] for r in rows} == expected
    assert "包头市氢通工业制造有限公司" in expected  # the seeds: 包头市氢通工业制造有限公司
    assert all(r["region"] == "包头市" for r in rows)
    # a province reaches its cities' companies through PART_OF
    inner = {r["company"] for r in run(db, "region_companies", region="内蒙古自治区")}
    assert expected <= inner


def test_company_profile(db, g):
    rows = run(db, "company_profile", company=HESHENG)
    [cid] = g.ids(HESHENG, "Company")
    facts = [(s, p, o) for (s, p, o) in g.rels if cid in (s, o)]
    assert len(rows) == len(facts)
    got = {(r["aspect"], r["name"]) for r in rows}
    assert ("parent", PARENT) in got
    assert any(a == "project" and "母乳低聚糖" in n for a, n in got)
    for r in rows:
        if r["relationship"] != "PART_OF" and r["rule"] and r["rule"].startswith("gazetteer"):
            continue
        assert r["evidence"] and r["doc"].endswith(".txt")
    # by alias or id too
    assert len(run(db, "company_profile", company=cid)) == len(rows)
    alias_of = next((e for e in g.by_id.values() if e["type"] == "Company" and e["aliases"]), None)
    if alias_of:
        assert run(db, "company_profile", company=alias_of["aliases"][0])[0]["company"] == alias_of["name"]


def test_projects_by_investment(db, g):
    rows = run(db, "projects_by_investment")
    expected = sorted(((e["name"], e["properties"]["investment_cny"]) for e in g.by_id.values()
                       if e["type"] == "Project" and "investment_cny" in e["properties"]),
                      key=lambda x: (-x[1], x[0]))
    assert [(r["project"], r["investment_cny"]) for r in rows] == expected
    assert all(r["investment_text"].endswith("元") for r in rows)
    for r in rows:   # the threshold keeps the projects of at least that much
        big = run(db, "projects_by_investment", min_cny=r["investment_cny"])
        assert {b["project"] for b in big} == {n for n, v in expected if v >= r["investment_cny"]}
    # 合生远景's base (总投资2.5亿元) is the company's; totals said of many projects at once
    # (338个项目…2268.9亿元) belong to none
    invested = {e["name"]: e["properties"]["investment_cny"] for e in g.by_id.values()
                if "investment_cny" in e["properties"]}
    assert invested["合生远景（内蒙古）生物科技有限公司"] == 250_000_000
    assert not {2268.9e8, 722.1e8, 696.1e8, 137.6e8, 243.3e8} & set(invested.values())
    for r in rows:
        [pid] = g.ids(r["project_id"])
        assert set(r["developers"]) == {g.name[s] for (s, p, o) in g.rels if p == "DEVELOPS" and o == pid}


def test_cooperation_network(db, g):
    rows = run(db, "cooperation_network", entity="中山大学")
    [e] = g.ids("中山大学")
    expected = {}
    for n in g.type:
        d = g.undirected_distance(e, n, ["COOPERATES_WITH"], 2)
        if d:
            expected[g.name[n]] = d
    assert {r["partner"]: r["distance"] for r in rows} == expected
    assert {"partner": "呼和浩特市第一医院", "distance": 1} in [{k: r[k] for k in ("partner", "distance")} for r in rows]


def _industries(g, label):
    out = defaultdict(set)
    for (s, p, o) in g.rels:
        if p != "IN_INDUSTRY":
            continue
        if g.type[s] == label:
            out[s].add(g.name[o])
        for x in g.succ(s, ["LOCATED_IN"]):
            if g.type[x] == label:
                out[x].add(g.name[o])
    return out


def test_industries_by_region(db, g):
    rows = run(db, "industries_by_region")
    assert {r["region_id"]: set(r["industries"]) for r in rows} == _industries(g, "Region")
    [baotou] = [r for r in rows if r["region"] == "包头市"]
    assert "稀土新材料" in baotou["industries"] or "稀土" in baotou["industries"]


def test_industries_by_park(db, g):
    rows = run(db, "industries_by_park")
    assert {r["park_id"]: set(r["industries"]) for r in rows} == _industries(g, "IndustrialPark")
    assert all(r["n_industries"] == len(r["industries"]) for r in rows)


def test_colocated_companies(db, g):
    rows = run(db, "colocated_companies")
    by_park = defaultdict(set)
    for c, parks in g.company_parks().items():
        for p in parks:
            if g.type[p] == "IndustrialPark":
                pass
    for c in g.type:
        if g.type[c] == "Company":
            for p in g.reach(c, ["LOCATED_IN", "DEVELOPS"], 1, 2):
                if g.type[p] == "IndustrialPark":
                    by_park[p].add(g.name[c])
    expected = {(g.name[p], a, b) for p, cs in by_park.items() for a in cs for b in cs if a < b}
    assert {(r["park"], r["company_a"], r["company_b"]) for r in rows} == expected
    assert any({r["company_a"], r["company_b"]} == {HESHENG, PARENT} for r in rows)


def test_connection(db, g):
    rows = run(db, "connection", **{"from": "中山大学", "to": "内蒙古大学"})
    [a], [b] = g.ids("中山大学"), g.ids("内蒙古大学")
    hops = g.undirected_distance(a, b, FACT_TYPES, 4)
    assert hops is not None
    [row] = rows
    assert row["hops"] == hops == len(row["relationships"]) == len(row["entities"]) - 1
    assert row["entities"][0] == "中山大学" and row["entities"][-1] == "内蒙古大学"
    assert row["relationships"][0] == "COOPERATES_WITH"  # 中山大学 cooperates with 呼和浩特市第一医院
    # no connection within four steps: no row
    assert run(db, "connection", **{"from": "中山大学", "to": "no such entity"}) == []


def test_relationship_evidence(db, g):
    rows = run(db, "relationship_evidence", subject=HESHENG, object=PARENT)
    [s], [o] = g.ids(HESHENG), g.ids(PARENT)
    rel = g.rels[(s, "SUBSIDIARY_OF", o)]
    ev = {(e["doc"], e["start"], e["end"], e["text"]) for e in rel["evidence"]}
    assert {(r["doc"], r["start"], r["end"], r["text"]) for r in rows} == ev
    assert all(r["relationship"] == "SUBSIDIARY_OF" and r["rule"] == rel["rule"] for r in rows)
    # a gazetteer fact: one row, no sentence
    gaz = next((k for k, r in g.rels.items() if r["source"] == "gazetteer"))
    rows = run(db, "relationship_evidence", subject=gaz[0], object=gaz[2])
    assert [(r["relationship"], r["source"], r["doc"]) for r in rows] == [(gaz[1], "gazetteer", None)]


def test_most_connected(db, g):
    rows = run(db, "most_connected", limit=5)
    degree = defaultdict(int)
    for s, p, o in g.rels:
        degree[s] += 1
        degree[o] += 1
    top = sorted(degree.items(), key=lambda x: (-x[1], g.name[x[0]]))[:5]
    assert [(r["id"], r["degree"]) for r in rows] == top
    assert len(run(db, "most_connected")) == min(10, len(degree))  # $limit's default


def test_find_entity(db, g):
    rows = run(db, "find_entity", text="合生")
    expected = {e["id"] for e in g.by_id.values() if "合生" in e["name"] or any("合生" in a for a in e["aliases"])}
    assert {r["id"] for r in rows} == expected
    assert HESHENG in {r["name"] for r in rows} and all(r["documents"] >= 1 for r in rows)
