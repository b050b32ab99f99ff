"""Resolution (kg.resolve) through the real pipeline (kg.pipeline.build_graph_from, no files written)
on small article files made of seed sentences, and on the seeds built once (conftest `built`)."""
from __future__ import annotations

from pathlib import Path


from conftest import seed
from kg.pipeline import build_graph_from
from kg.resolve import normalise, slug

# Sentences of the seeds (checked below), half-width as seeds 000/001 print them.
SHAERQIN = "在呼和浩特经济技术开发区沙尔沁工业园区,金宇保灵生物药品有限公司研发实验室内,科研团队正专注地进行新一轮疫苗研发实验。"
BREAKTHROUGH = "2025年,金宇保灵在动物疫苗领域取得重大突破"
TIANJIN_SINCE = "天津合生生物科技有限公司自2023年8月成立以来,始终专注于母乳低聚糖的研发与产业化"
CLUSTERS = "积极参与国家世界级先进制造业集群培育工程,加快推动呼和浩特乳制品、包头稀土新材料、鄂尔多斯现代煤化工3个国家级集群向世界迈进。"
GROUNDBREAKING = "近日,合生远景(内蒙古)生物科技有限公司母乳低聚糖(HMOs)研发及生产基地项目在呼和浩特市经济技术开发区举行了开工仪式"
LIU_BIN = "天津合生生物科技有限公司董事长刘斌介绍,在基地建设方面,该公司将严格遵循国家标准,融合GMP管理规范打造高标准厂房。"

FULL_WIDTH = str.maketrans({",": "，", "(": "（", ")": "）", ":": "："})


def test_sentences_are_from_the_seeds():
    s000, s001 = seed("000").read_text("utf-8"), seed("001").read_text("utf-8")
    for s in (TIANJIN_SINCE, CLUSTERS, GROUNDBREAKING, LIU_BIN):
        assert s in s000, s
    for s in (SHAERQIN, BREAKTHROUGH, CLUSTERS.replace("向世界迈进", "向世界级迈进")):
        assert s in s001, s


def write(folder: Path, name: str, title: str, *paragraphs: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(title + "\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return p


def nodes(g, label=None):
    return [(n, d) for n, d in g.nodes(data=True) if label is None or d["label"] == label]


def named(g, name, label=None):
    return [(n, d) for n, d in nodes(g, label) if d["name"] == name or name in d["aliases"]]


def test_short_name_joins_its_full_name(tmp_path):
    write(tmp_path, "a.txt", "动物疫苗取得突破", SHAERQIN + BREAKTHROUGH + "。")
    g = build_graph_from([tmp_path])
    [(nid, d)] = named(g, "金宇保灵", "Company")
    assert d["name"] == "金宇保灵生物药品有限公司" and d["aliases"] == ["金宇保灵"]
    assert len(d["mentions"]) == 2
    assert nid == slug("Company", "Company:金宇保灵生物药品有限公司")


def test_short_name_joins_full_name_in_the_seeds(built):
    e = built.one("金宇保灵生物药品有限公司", "Company")
    assert "金宇保灵" in e["aliases"]
    assert [x["name"] for x in built.named("金宇保灵")] == ["金宇保灵生物药品有限公司"]
    assert {m["doc"] for m in e["mentions"]} == {seed("001").name}


def test_region_short_and_full_name_are_one_node(tmp_path):
    write(tmp_path, "a.txt", "产业集群", CLUSTERS, GROUNDBREAKING + "。")
    g = build_graph_from([tmp_path])
    [(nid, d)] = named(g, "呼和浩特市", "Region")
    assert d["name"] == "呼和浩特市" and "呼和浩特" in d["aliases"]
    assert d["properties"]["adcode"] == "150100" and d["properties"]["level"] == "City"
    assert len(d["mentions"]) == 2
    assert named(g, "呼和浩特", "Region") == [(nid, d)]


def test_half_and_full_width_brackets_are_one_node(tmp_path):
    write(tmp_path, "a.txt", "开工", GROUNDBREAKING + "。")
    write(tmp_path, "b.txt", "开工仪式", GROUNDBREAKING.translate(FULL_WIDTH) + "。")
    g = build_graph_from([tmp_path])
    companies = nodes(g, "Company")
    assert [d["name"] for _, d in companies] == ["合生远景（内蒙古）生物科技有限公司"]
    assert {m[0] for m in companies[0][1]["mentions"]} == {"a.txt", "b.txt"}
    [(_, project)] = nodes(g, "Project")
    assert project["name"] == "母乳低聚糖（HMOs）研发及生产基地项目"
    # the fact both articles state is one relationship with evidence from both
    [(s, o, data)] = [(s, o, d) for s, o, k, d in g.edges(keys=True, data=True) if k == "DEVELOPS"]
    assert {e["doc"] for e in data["evidence"]} == {"a.txt", "b.txt"}


def test_park_with_and_without_the_city_suffix_is_one_node(tmp_path):
    write(tmp_path, "a.txt", "开工", GROUNDBREAKING + "。")
    write(tmp_path, "b.txt", "开工仪式", GROUNDBREAKING.replace("呼和浩特市经济", "呼和浩特经济") + "。")
    g = build_graph_from([tmp_path])
    parks = nodes(g, "IndustrialPark")
    assert len(parks) == 1
    d = parks[0][1]
    # the fullest name seen is the name, the other form an alias
    assert d["name"] == "呼和浩特市经济技术开发区" and d["aliases"] == ["呼和浩特经济技术开发区"]


def test_anaphor_joins_its_antecedent(tmp_path):
    write(tmp_path, "a.txt", "基地建设", LIU_BIN)
    g = build_graph_from([tmp_path])
    [(nid, d)] = named(g, "天津合生生物科技有限公司", "Company")
    assert len(d["mentions"]) == 2  # the name and 该公司
    assert not named(g, "该公司")
    [(p, _)] = named(g, "刘斌", "Person")
    assert g.has_edge(p, nid, key="HOLDS_POSITION")
    assert g.edges[p, nid, "HOLDS_POSITION"]["properties"] == {"title": "董事长"}


def two_brands(folder: Path) -> Path:
    """One article naming two companies of one brand (different descriptors) and the bare brand."""
    return write(folder, "c.txt", "疫苗研发",
                 SHAERQIN + TIANJIN_SINCE.replace("天津合生生物科技", "金宇保灵生物科技") + "。" + BREAKTHROUGH + "。")


def test_companies_sharing_a_short_form_stay_apart(tmp_path):
    two_brands(tmp_path)
    g = build_graph_from([tmp_path])
    names = sorted(d["name"] for _, d in nodes(g, "Company"))
    assert names == ["金宇保灵", "金宇保灵生物科技有限公司", "金宇保灵生物药品有限公司"]
    for _, d in nodes(g, "Company"):
        assert d["aliases"] == []


def test_owner_chosen_in_one_article_does_not_leak_into_another(tmp_path):
    c = two_brands(tmp_path)
    write(tmp_path, "d.txt", "母乳低聚糖", TIANJIN_SINCE.replace("天津合生生物科技", "金宇保灵生物科技") + "。"
          + BREAKTHROUGH.replace("动物疫苗", "母乳低聚糖") + "。")
    g = build_graph_from([tmp_path])
    bare = c.read_text("utf-8").rindex("金宇保灵在")
    [(_, d)] = named(g, "金宇保灵生物科技有限公司", "Company")
    assert ("c.txt", bare, bare + 4) not in d["mentions"]


def test_ids_are_stable_across_runs_and_input_order(tmp_path):
    a = write(tmp_path, "a.txt", "产业集群", CLUSTERS, GROUNDBREAKING + "。")
    b = write(tmp_path, "b.txt", "合生生物", LIU_BIN, TIANJIN_SINCE + "。")
    g1 = build_graph_from([tmp_path])
    g2 = build_graph_from([b, a])
    assert sorted(g1.nodes) == sorted(g2.nodes)
    assert sorted(g1.edges(keys=True)) == sorted(g2.edges(keys=True))
    for n in g1.nodes:
        assert g1.nodes[n]["name"] == g2.nodes[n]["name"]
    # ids are slugs of the label and the normalised name, nothing run-dependent
    for n, d in g1.nodes(data=True):
        if d["label"] in ("Company", "Person", "Industry"):
            assert n == slug(d["label"], f"{d['label']}:{normalise(d['name'])}")


def test_normalise_unifies_widths_and_white_space():
    assert normalise("合生远景(内蒙古) 生物科技有限公司") == normalise("合生远景（内蒙古）生物科技有限公司") \
        == "合生远景（内蒙古）生物科技有限公司"
    assert normalise("呼和浩特市") != normalise("包头市")


def test_resolution_is_the_same_whatever_order_the_articles_come_in(seed_articles, first_passes,
                                                                     corpus_short_names, gazetteer):
    """Files' folds reach the resolver in any order (workers, cache): values that depend on
    order carry their reading position, so the whole seed graph comes out the same, node and
    relationship data included, whether the articles come forwards, backwards, or as folds of a
    few articles each."""
    from kg import ingest
    from kg.extract.article import extract
    from kg.graph import build_graph
    from kg.enrich import enrich
    from kg.resolve import Folded, Resolver

    extractions = [extract(fp, ingest.split_sentences(fp.article), corpus_short_names) for fp in first_passes]

    def graph(batches):
        r = Resolver()
        for batch in batches:
            folded = Folded()
            for ex in batch:
                folded.add(ex)
            r.add(folded)
        return build_graph(*enrich(*r.resolve()))

    def data(g):
        return (sorted((n, repr(sorted(d.items()))) for n, d in g.nodes(data=True)),
                sorted((s, o, k, repr(sorted(d.items()))) for s, o, k, d in g.edges(keys=True, data=True)))

    forwards = data(graph([[ex] for ex in extractions]))
    assert forwards == data(graph([[ex] for ex in reversed(extractions)]))
    assert forwards == data(graph([extractions[i:i + 3] for i in range(0, len(extractions), 3)][::-1]))
    assert len(forwards[0]) > 200 and len(forwards[1]) > 200


def test_resolution_reads_the_name_evidence_not_the_rule_names():
    """A short form joins the full name it abbreviates because of what the mentions say they are
    (`Mention.name_evidence`, `full_names`), whatever their rules are called."""
    from kg.model import Article, ArticleExtraction, Mention, NameEvidence
    from kg.resolve import Resolver

    full, short = "金宇保灵生物药品有限公司", "金宇保灵"
    text = full + "研发实验室。" + short + "取得突破。"
    at = text.index(short, len(full))
    article = Article("a.txt", 0, text, list(range(len(text) + 1)))

    def resolved(evidence_of_full, evidence_of_short):
        mentions = [Mention("Company", full, 0, len(full), rule="any-rule-name", name_evidence=evidence_of_full),
                    Mention("Company", short, at, at + len(short), rule="another-rule-name",
                            name_evidence=evidence_of_short, full_names=(full,))]
        r = Resolver()
        r.add(ArticleExtraction(article, [], mentions, []))
        entities, _ = r.resolve()
        return sorted(e.name for e in entities.values())

    assert resolved(NameEvidence.SUFFIX, NameEvidence.SHORT_FORM) == [full]
    assert resolved(NameEvidence.OTHER, NameEvidence.SHORT_FORM) == sorted([full, short])   # no full name vouched for
    assert resolved(NameEvidence.SUFFIX, NameEvidence.OTHER) == sorted([full, short])       # not a short form
