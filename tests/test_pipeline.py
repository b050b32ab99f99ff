"""The whole pipeline on seeds/ (built once per session in conftest), its export, its store, and the
schema check of kg.graph."""
from __future__ import annotations

import json
import re
from pathlib import Path
import unicodedata
from collections import Counter

import networkx as nx
import pytest

from conftest import SEED_FILES, seed
from kg.graph import SchemaError, validate
from kg.ingest import read_source

# The relationship table of ../shared/kg-schema.md, written out here independently of kg.model.
SCHEMA_ENDS = {
    "LOCATED_IN": ({"Company", "Institution", "Project", "IndustrialPark"}, {"IndustrialPark", "Region"}),
    "PART_OF": ({"Region", "IndustrialPark"}, {"Region", "IndustrialPark"}),
    "SUBSIDIARY_OF": ({"Company"}, {"Company"}),
    "DEVELOPS": ({"Company", "Institution"}, {"Project"}),
    "COOPERATES_WITH": ({"Company", "Institution"}, {"Company", "Institution"}),
    "SERVES": ({"Company"}, {"Company", "Institution"}),
    "IN_INDUSTRY": ({"Company", "Project", "IndustrialPark", "Region"}, {"Industry"}),
    "HOLDS_POSITION": ({"Person"}, {"Company", "Institution"}),
}
LABELS = {"Company", "Institution", "Region", "IndustrialPark", "Project", "Industry", "Person"}
# What an anaphor or a local reference (该公司, 首府, 全区…) may read in the file at a mention's span.
ANAPHOR = re.compile(r"^(?:[该本此][\u4e00-\u9fff]{1,3}|公司|自治区|全区|我区|首府|省会|我市|全市|本市)$")


def plain(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


@pytest.fixture(scope="module")
def sources():
    return {p.name: read_source(p) for p in SEED_FILES}


# ------------------------------------------------------------------------------ summary, shape

def test_summary_counts_match_the_export(built):
    s = built.summary
    assert s.files_read == len(SEED_FILES) and s.files_skipped == []
    assert s.reprints >= 1            # seeds 000 and 001 print one article twice
    assert s.stored
    assert s.nodes == dict(Counter(e["type"] for e in built.entities))
    assert s.relationships == dict(Counter(r["predicate"] for r in built.relations))


def test_export_rows_have_the_schema_fields(built):
    for e in built.entities:
        assert set(e) == {"id", "type", "name", "aliases", "properties", "mentions"}
        assert e["type"] in LABELS and e["name"] and e["name"] not in e["aliases"]
        if e["type"] == "Region":
            assert e["properties"]["level"] in ("Province", "City", "County")
    assert len({e["id"] for e in built.entities}) == len(built.entities)
    keys = [(r["subject"], r["predicate"], r["object"]) for r in built.relations]
    assert len(set(keys)) == len(keys)         # each fact once, however many sentences state it
    for r in built.relations:
        assert 0.0 <= r["confidence"] <= 1.0
        if r["source"] == "text":
            assert r["evidence"] and r["rule"]
        else:
            assert r["source"] == "gazetteer"


def test_every_relation_fits_the_schema(built):
    for r in built.relations:
        subj_ok, obj_ok = SCHEMA_ENDS[r["predicate"]]
        s, o = built.by_id[r["subject"]], built.by_id[r["object"]]
        assert s["type"] in subj_ok and o["type"] in obj_ok, (s["name"], r["predicate"], o["name"])


def test_cooperation_is_stored_once_whatever_the_direction(built):
    pairs = [frozenset((r["subject"], r["object"])) for r in built.rels("COOPERATES_WITH")]
    assert pairs and len(set(pairs)) == len(pairs)


# ---------------------------------------------------------------------------------- key facts

def test_project_located_in_the_development_zone(built):
    project = built.one("母乳低聚糖（HMOs）研发及生产基地项目", "Project")
    parks = {built.by_id[r["object"]]["name"] for r in built.rels("LOCATED_IN", subject=project["id"])}
    assert parks & {"呼和浩特经济技术开发区", "呼和浩特市经济技术开发区"}
    # the project's name is the text's, without its owner
    assert not project["name"].startswith(("合生远景", "合生生物"))


def test_project_located_in_the_development_zone_its_owner_in_its_region(built):
    # 合生远景（内蒙古）…公司…项目在呼和浩特市经济技术开发区举行了开工仪式: the project is built in the
    # zone; the company is 内蒙古's (its name says so), not the zone's for that
    company = built.one("合生远景（内蒙古）生物科技有限公司", "Company")
    objects = {built.by_id[r["object"]]["name"] for r in built.rels("LOCATED_IN", subject=company["id"])}
    assert "内蒙古自治区" in objects
    assert not objects & {"呼和浩特经济技术开发区", "呼和浩特市经济技术开发区"}
    project = built.one("母乳低聚糖（HMOs）研发及生产基地项目", "Project")
    where = {built.by_id[r["object"]]["name"] for r in built.rels("LOCATED_IN", subject=project["id"])}
    assert where & {"呼和浩特经济技术开发区", "呼和浩特市经济技术开发区"}


def test_development_zone_node_is_named_in_full(built):
    parks = [e for e in built.entities if e["type"] == "IndustrialPark"
             and {e["name"], *e["aliases"]} & {"呼和浩特经济技术开发区", "呼和浩特市经济技术开发区"}]
    assert len(parks) == 1
    # the fullest name seen, the region written out, is the name
    assert parks[0]["name"] == "呼和浩特市经济技术开发区"


def test_key_facts_of_the_seeds(built):
    t = built.triples()
    assert ("合生远景（内蒙古）生物科技有限公司", "DEVELOPS", "母乳低聚糖（HMOs）研发及生产基地项目") in t
    assert ("合生远景（内蒙古）生物科技有限公司", "SUBSIDIARY_OF", "天津合生生物科技有限公司") in t
    assert ("刘斌", "HOLDS_POSITION", "天津合生生物科技有限公司") in t
    assert ("包头市氢通工业制造有限公司", "LOCATED_IN", "包头市") in t
    assert ("呼和浩特市", "IN_INDUSTRY", "乳制品") in t
    assert ("才匠智能（内蒙古）科技有限公司", "SERVES", "天和磁材") in t
    assert ("沙尔沁工业园区", "PART_OF", "呼和浩特市经济技术开发区") in t   # the zone under its fullest name
    pair = {("内蒙古自治区教育考试院", "COOPERATES_WITH", "内蒙古大学"),
            ("内蒙古大学", "COOPERATES_WITH", "内蒙古自治区教育考试院")}
    assert len(pair & t) == 1
    hold = built.rels("HOLDS_POSITION", subject=built.one("刘斌", "Person")["id"])
    assert [r["properties"]["title"] for r in hold] == ["董事长"]


def test_region_hierarchy_from_the_gazetteer(built):
    hohhot = built.one("呼和浩特市", "Region")
    assert hohhot["properties"] == {"adcode": "150100", "level": "City"}
    [up] = built.rels("PART_OF", subject=hohhot["id"])
    assert built.by_id[up["object"]]["name"] == "内蒙古自治区" and up["source"] == "gazetteer"
    assert up["evidence"] == []


def test_fact_of_the_shared_article_once_with_evidence_from_both_files(built):
    region = built.one("内蒙古自治区", "Region")
    industry = built.one("稀土新材料", "Industry")
    [r] = built.rels("IN_INDUSTRY", subject=region["id"], object=industry["id"])
    docs = {e["doc"] for e in r["evidence"]}
    assert {seed("000").name, seed("001").name} <= docs
    for name in ("呼和浩特市", "包头市"):
        [r] = [x for x in built.rels("IN_INDUSTRY", subject=built.one(name, "Region")["id"])
               if built.by_id[x["object"]]["name"] in ("乳制品", "稀土新材料")]
        assert {seed("000").name, seed("001").name} <= {e["doc"] for e in r["evidence"]}


# ------------------------------------------------------------------------------------ offsets

def test_documents_hold_every_file_its_articles_and_the_sentences_evidence_points_into(built, sources):
    """documents.jsonl: one record per file read, article spans and sentences by file offsets,
    so that every mention and every evidence sentence falls in a recorded sentence."""
    import bisect

    docs = {d["id"]: d for d in map(json.loads, (built.out / "documents.jsonl").read_text("utf-8").splitlines())}
    assert set(docs) == set(sources)
    for doc, d in docs.items():
        assert set(d) == {"id", "file", "title", "date", "place", "articles", "sentences"}
        assert Path(d["file"]).name == doc and d["title"] == d["articles"][0]["title"]
        for a in d["articles"]:
            assert 0 <= a["start"] < a["end"] <= len(sources[doc])
        for s in d["sentences"]:         # the repaired text: a page's heading may lie between
            got, want = plain(sources[doc][s["start"]:s["end"]]), plain(s["text"])
            assert got[:4] == want[:4] and got[-4:] == want[-4:], (got, want)
    starts = {doc: [s["start"] for s in d["sentences"]] for doc, d in docs.items()}

    def sentence_at(doc, offset):
        i = bisect.bisect_right(starts[doc], offset) - 1
        return docs[doc]["sentences"][i] if i >= 0 and offset < docs[doc]["sentences"][i]["end"] else None
    for r in built.relations:
        for ev in r["evidence"]:
            assert (ev["doc"], ev["start"], ev["end"], ev["text"]) in {
                (doc, s["start"], s["end"], s["text"]) for doc in [ev["doc"]] for s in docs[doc]["sentences"]}
    for e in built.entities:
        for m in e["mentions"]:
            assert sentence_at(m["doc"], m["start"]), (e["name"], m)


def test_mention_offsets_point_into_the_file(built, sources):
    checked = 0
    for e in built.entities:
        forms = {plain(e["name"]), *(plain(a) for a in e["aliases"])}
        for m in e["mentions"]:
            text = plain(sources[m["doc"]][m["start"]:m["end"]])
            assert text in forms or ANAPHOR.match(text), (e["name"], m, text)
            checked += text in forms
    assert checked > 500


def test_evidence_offsets_span_the_sentence_in_the_file(built, sources):
    n = 0
    for r in built.relations:
        for ev in r["evidence"]:
            got, want = plain(sources[ev["doc"]][ev["start"]:ev["end"]]), plain(ev["text"])
            assert got[:4] == want[:4] and got[-4:] == want[-4:], (got, want)
            n += 1
    assert n > 100


def test_shoufu_is_hohhot(built, sources):
    for e in built.entities:
        for m in e["mentions"]:
            if sources[m["doc"]][m["start"]:m["end"]] == "首府":
                assert e["name"] == "呼和浩特市", (e["name"], m)


# -------------------------------------------------------------------------------- stability

def test_ids_identical_across_two_builds(built, built_again):
    assert {e["id"]: e["name"] for e in built.entities} == {e["id"]: e["name"] for e in built_again.entities}
    key = lambda r: (r["subject"], r["predicate"], r["object"], r["rule"])
    assert sorted(map(key, built.relations)) == sorted(map(key, built_again.relations))
    assert (built.out / "store").is_dir() and not (built_again.out / "store").exists()


# ------------------------------------------------------------------------------------- store

def test_store_counts_equal_the_export(built):
    from kg.store import EmbeddedStore

    with EmbeddedStore(built.out / "store") as db:
        counts = db.counts()
        _, rows = db.query("MATCH (c:Company {name: $n})-[:LOCATED_IN]->(r:Region) RETURN r.name",
                           {"n": "包头市氢通工业制造有限公司"})
    nodes = dict(counts["nodes"])
    levels = Counter(e["properties"]["level"] for e in built.entities if e["type"] == "Region")
    for level in ("Province", "City", "County"):
        assert nodes.pop(level, 0) == levels.get(level, 0)
    assert nodes.pop("Document") == len(SEED_FILES)
    assert nodes == dict(Counter(e["type"] for e in built.entities))
    rels = dict(counts["relationships"])
    mentioned = {(e["id"], m["doc"]) for e in built.entities for m in e["mentions"]}
    assert rels.pop("MENTIONED_IN") == len(mentioned)
    assert rels == dict(Counter(r["predicate"] for r in built.relations))
    assert rows == [["包头市"]]


# ------------------------------------------------------------------------------ kg.graph check

def small_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("c", label="Company", name="包头市氢通工业制造有限公司", aliases=[], properties={}, mentions=[])
    g.add_node("r", label="Region", name="包头市", aliases=[], properties={"level": "City", "adcode": "150200"},
               mentions=[])
    g.add_node("i", label="Industry", name="氢燃料电池", aliases=[], properties={}, mentions=[])
    g.add_edge("c", "r", key="LOCATED_IN", confidence=0.85, source="text", rule="name-contains-region",
               evidence=[{"doc": "002.txt", "start": 0, "end": 10, "text": "包头市氢通工业制造有限公司"}], properties={})
    return g


def test_validate_accepts_a_sound_graph():
    validate(small_graph())


@pytest.mark.parametrize("breakage, words", [
    (lambda g: g.add_edge("i", "r", key="LOCATED_IN", confidence=0.5, source="text", rule="x",
                          evidence=[{"doc": "d", "start": 0, "end": 1, "text": "t"}], properties={}),
     ("LOCATED_IN", "Industry")),
    (lambda g: g.add_edge("c", "i", key="MAKES", confidence=0.5, source="text", rule="x",
                          evidence=[{"doc": "d", "start": 0, "end": 1, "text": "t"}], properties={}),
     ("MAKES", "not a relationship type")),
    (lambda g: g.nodes["r"]["properties"].pop("level"), ("Region", "level")),
    (lambda g: g.nodes["c"].update(label="Firm"), ("Firm", "label")),
    (lambda g: g.nodes["c"].update(name=""), ("name",)),
    (lambda g: g.edges["c", "r", "LOCATED_IN"].update(confidence=1.5), ("confidence",)),
    (lambda g: g.edges["c", "r", "LOCATED_IN"].update(evidence=[]), ("evidence",)),
], ids=["end-labels", "unknown-type", "region-level", "unknown-label", "no-name", "confidence", "evidence"])
def test_validate_names_the_broken_rule(breakage, words):
    g = small_graph()
    breakage(g)
    with pytest.raises(SchemaError) as info:
        validate(g)
    for w in words:
        assert w in str(info.value)


def test_a_seed_graph_passes_validate():
    from kg.pipeline import build_graph_from

    g = build_graph_from([seed("002")])
    validate(g)
    assert g.number_of_nodes() > 0
