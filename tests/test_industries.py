"""Industries (kg.extract.industries.find_industries) on sentences copied from the seeds."""
from __future__ import annotations

from conftest import seed
from kg.extract.industries import find_industries
from kg.language.tokens import Tokens
from kg.model import Mention, NameEvidence

FOCUS_000 = "加强与科技部门协同,聚焦稀土新材料、有色金属材料、现代煤化工、新能源装备、乳业等优势领域,部署实施产业链创新计划。"
FOCUS_001 = "加强与科技部门协同,聚焦稀土新材料、有色金属材料、现代煤化工、新能源装备制造、乳业等优势领域,部署实施产业链创新计划。"
CLUSTERS = "积极参与国家世界级先进制造业集群培育工程,加快推动呼和浩特乳制品、包头稀土新材料、鄂尔多斯现代煤化工3个国家级集群向世界迈进。"
HYDROGEN = "8月,内蒙古首座低压固态加氢示范站在包头落成,采用北方稀土贮氢公司自研的稀土系固态储氢材料,实现全环节自主可控。"
FIELD = "近日,合生远景(内蒙古)生物科技有限公司母乳低聚糖(HMOs)研发及生产基地项目在呼和浩特市经济技术开发区举行了开工仪式,标志着天津合生生物科技有限公司在母乳低聚糖(HMOs)领域的全国战略布局迈出关键一步。"
VACCINE = "2025年,金宇保灵在动物疫苗领域取得重大突破"
TOPIC = "新能源方面,绿氢科技全球首次实现无储能网制氢"
PLANNING = "在产能规划方面,计划于2026年6月建成年产20吨的产业化研发及生产示范线"
PARKS = "出台特色产业园区认定管理办法,支持特色产业园区建设。"


def test_sentences_are_from_the_seeds():
    for prefix, sentences in (("000", (FOCUS_000, CLUSTERS, FIELD, PLANNING, PARKS)),
                              ("001", (FOCUS_001, HYDROGEN, VACCINE)), ("003", (TOPIC,))):
        text = seed(prefix).read_text("utf-8")
        for s in sentences:
            assert s in text, s


def industries(text: str, occupied=()) -> list[Mention]:
    found = find_industries(text, Tokens(text), list(occupied))
    for m in found:
        assert text[m.start:m.end] == m.text == m.name and m.label == "Industry"
    return found


def test_enumeration_gives_every_item():
    found = industries(FOCUS_000)
    assert [m.text for m in found] == ["稀土新材料", "有色金属材料", "现代煤化工", "新能源装备", "乳业"]
    assert all(m.rule == "enumeration" for m in found)
    assert len({m.group for m in found}) == 1  # one list: one subject for all of it


def test_enumeration_item_with_industry_head_word():
    names = [m.text for m in industries(FOCUS_001)]
    assert "稀土新材料" in names and "乳业" in names
    assert any(n.startswith("新能源装备") for n in names)
    # the verb before the first item is not part of it, nor the closing 优势领域
    assert not any(n.startswith("聚焦") or "领域" in n or n == "优势" for n in names)


def test_region_prefixed_clusters():
    assert [m.text for m in industries(CLUSTERS)] == ["乳制品", "稀土新材料", "现代煤化工"]


def test_industry_inside_a_company_name_is_not_an_industry():
    start = HYDROGEN.index("北方稀土贮氢公司")
    company = Mention("Company", "北方稀土贮氢公司", start, start + 8, rule="suffix:公司")
    found = industries(HYDROGEN, [company])
    assert not any(start <= m.start < company.end for m in found)
    # outside the name the same word is still an industry (稀土系固态储氢材料)
    assert any(m.text == "稀土" and m.start > company.end for m in found)
    # without the company mention the recogniser would have taken it: the test is not vacuous
    assert any(start <= m.start < company.end for m in industries(HYDROGEN))


def test_field_phrase_with_latin_alias():
    [m] = industries(FIELD)
    assert (m.text, m.rule, m.alias) == ("母乳低聚糖", "field", "HMOs")
    assert m.name_evidence is NameEvidence.FIELD   # what the relation rules read, not the rule's name


def test_field_phrase():
    assert [(m.text, m.rule) for m in industries(VACCINE)] == [("动物疫苗", "field")]


def test_topic_heading():
    found = industries(TOPIC)
    assert (found[0].text, found[0].rule, found[0].name_evidence) == ("新能源", "topic", NameEvidence.TOPIC)


def test_non_industry_topic_and_park_words_give_nothing():
    assert industries(PLANNING) == []   # 产能规划方面 is a topic, not an industry
    assert industries(PARKS) == []


def test_an_industry_node_is_named_as_the_guide_names_it(tmp_path):
    """壮大先进装备制造业产业集群 (a sentence of the dev news): the node is 先进装备制造, not the
    longest surface form the tagger read, which stays an alias."""
    from kg.pipeline import build_graph_from
    (tmp_path / "a.txt").write_text("开工\n\n该项目的开工,对进一步填平补齐产业链,壮大先进装备制造业产业集群,拉动就业。\n",
                                    encoding="utf-8")
    g = build_graph_from([tmp_path])
    industries = [(d["name"], d["aliases"]) for _, d in g.nodes(data=True) if d["label"] == "Industry"]
    assert industries == [("先进装备制造", ["先进装备制造业"])]


def test_a_list_vouched_for_by_a_term_inside_an_item():
    """半导体新材料、…、冷链仓储、石化装备等领域, 绿色硅光伏产业、绿色铝精深加工产业…等3个千亿级产业:
    an item holding a term of the lexicon vouches for the whole list; items run to ten characters."""
    from pathlib import Path
    news = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "news" / "texts"
    dev = "".join(p.read_text("utf-8") for p in sorted(news.glob("*.txt")))
    fields = "此次集中签约的项目涵盖了半导体新材料、汽车零部件、冷链仓储、石化装备等领域"
    chains = "曲靖加快构建绿色硅光伏产业、绿色铝精深加工产业、新能源电池产业等3个千亿级产业"
    assert fields in dev and chains in dev
    assert [m.name for m in industries(fields)] == ["半导体新材料", "汽车零部件", "冷链仓储", "石化装备"]
    assert [m.name for m in find_industries(chains, Tokens(chains))] == ["绿色硅光伏", "绿色铝精深加工", "新能源电池"]
