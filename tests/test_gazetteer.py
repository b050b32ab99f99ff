"""The gazetteer's data and the Region recogniser, on sentences from the seed articles."""
from pathlib import Path

import pytest

from kg.divisions import DATA, Division
from kg.gazetteer import Gazetteer

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def gz() -> Gazetteer:
    return Gazetteer.default()


def regions(gz, text, **kw):
    """(surface, official name, adcode) of the Region mentions."""
    return [(m.text, m.name, m.adcode) for m in gz.find(text, **kw) if m.label == "Region"]


def names(gz, text):
    return {m.name for m in gz.find(text)}


# ---- data ----------------------------------------------------------------------------------

def test_data_file_is_small_and_complete(gz):
    assert DATA.stat().st_size < 400_000
    levels = {}
    for d in gz.divisions.values():
        levels[d.level] = levels.get(d.level, 0) + 1
    assert levels["Province"] == 34
    assert 300 < levels["City"] < 400
    assert 2500 < levels["County"] < 3200
    assert levels["Park"] > 100
    assert (DATA.parent / "NOTICE-regions.txt").read_text(encoding="utf-8").count("Apache License") >= 1


def test_get_levels_and_parents(gz):
    assert gz.get("150100") == Division("150100", "呼和浩特市", "City", "150000", ("呼和浩特",))
    assert gz.get("150000").level == "Province"
    assert gz.get("152200").name == "兴安盟" and gz.get("152200").level == "City"
    naiman = gz.by_name("奈曼旗")
    assert [d.adcode for d in naiman] == ["150525"]
    assert naiman[0].level == "County" and gz.get(naiman[0].parent).name == "通辽市"
    (hlge,) = gz.by_name("和林格尔县")
    assert [d.name for d in gz.parent_chain(hlge.adcode)] == ["呼和浩特市", "内蒙古自治区"]
    assert gz.get("110105").parent == "110000"          # municipality: district under the province
    assert gz.get("419001").parent == "410000"          # 省直辖 county-level city: under the province
    assert gz.get("999999") is None and gz.parent_chain("999999") == []


def test_by_name_aliases_and_ambiguity(gz):
    assert [d.adcode for d in gz.by_name("内蒙古")] == ["150000"]
    assert [d.adcode for d in gz.by_name("呼和浩特")] == ["150100"]
    assert {d.adcode for d in gz.by_name("新城区")} >= {"150102", "610102"}
    assert len(gz.by_name("朝阳区")) >= 2


def test_park_entries(gz):
    parks = {d.adcode: d for d in gz.park_entries()}
    assert all(code[4] == "7" and d.level == "Park" for code, d in parks.items())
    assert parks["150172"].name == "呼和浩特经济技术开发区" and parks["150172"].parent == "150100"
    assert gz.get(parks["150271"].parent).name == "包头市"


# ---- recognition ---------------------------------------------------------------------------

def test_short_and_full_names(gz):
    text = "新能源产业集群方面，重点推动包头百灵10万千瓦/40万千瓦时电网侧储能电站、兴安盟金风200万千瓦风电制绿氢示范项目"
    assert regions(gz, text) == [("包头", "包头市", "150200"), ("兴安盟", "兴安盟", "152200")]
    ms = gz.find("加快推动呼和浩特乳制品、包头稀土新材料、鄂尔多斯现代煤化工")
    assert [(m.name, m.adcode) for m in ms] == [
        ("呼和浩特市", "150100"), ("包头市", "150200"), ("鄂尔多斯市", "150600")]
    assert all(m.rule == "gazetteer-short-name" and m.confidence < 0.9 for m in ms)
    (full,) = gz.find("2月26日,通辽市奈曼旗已掀起新年就业“第一缕春风”")[1:]
    assert (full.name, full.rule, full.level) == ("奈曼旗", "gazetteer-full-name", "County")
    assert full.confidence > ms[0].confidence


def test_mention_shape(gz):
    (m,) = gz.find("本报巴彦淖尔2月27日电(记者 薛来)")
    assert (m.label, m.text, m.start, m.end) == ("Region", "巴彦淖尔", 2, 6)
    assert (m.adcode, m.level, m.candidates) == ("150800", "City", ("150800",))


def test_regions_inside_organisation_names(gz):
    assert regions(gz, "呼和浩特市第一医院近期在“人工智能+医学影像”交叉领域接连取得重要突破") == [
        ("呼和浩特市", "呼和浩特市", "150100")]
    assert regions(gz, "重点推动包头市氢通工业制造有限公司年产5000套氢燃料电池系统制造基地") == [
        ("包头市", "包头市", "150200")]
    assert ("北京", "北京市", "110000") in regions(gz, "2023年10月,由北京大学鄂尔多斯能源研究院")


@pytest.mark.parametrize("sentence", [
    "积极开展产融合作、政企企对接",
    "推动传统产业提质增效、培育壮大新兴产业和未来发展有关情况",
    "本报12月27日讯（记者 安寅东）记者从自治区公安厅交通管理局获悉",
    "与公安部交通管理局道路交通态势监测服务平台实现数据联网共享",
    "公安机关依法打击违法犯罪",
    "推动和平发展，东方市场开发，城关镇永和村",
    "建设海绵城市建设,城区至托清园区",
    "加快推进城市和县城基础设施建设",
    "头,联合中山大学、南开大学",
])
def test_ordinary_words_are_not_regions(gz, sentence):
    assert regions(gz, sentence) == []


def test_no_full_name_across_a_word(gz):
    # 包头市场: 包头 + 市场, not 包头市 + 场
    assert regions(gz, "包头市场监管部门") == [("包头", "包头市", "150200")]
    # …but a junk token or the division's own office does not break the full name
    assert regions(gz, "记者从巴彦淖尔市农牧局获悉,巴彦淖尔市农推官工作室")[1][0] == "巴彦淖尔市"
    assert regions(gz, "新兴县委书记") == [("新兴县", "新兴县", "445321")]


def test_county_short_forms(gz):
    assert regions(gz, "彭水县") == [("彭水县", "彭水苗族土家族自治县", "500243")]
    assert regions(gz, "准旗和达旗") == [("准旗", "准格尔旗", "150622"), ("达旗", "达拉特旗", "150621")]
    # a long county short form alone fires, with low confidence; a people's name does not
    (m,) = gz.find("在和林格尔数据中心集群")
    assert (m.name, m.confidence) == ("和林格尔县", 0.6)
    assert regions(gz, "鄂温克族") == []


def test_no_overlaps_longest_wins(gz):
    ms = gz.find("在呼和浩特经济技术开发区沙尔沁工业园区,金宇保灵")
    assert [(m.label, m.name, m.level) for m in ms] == [
        ("IndustrialPark", "呼和浩特经济技术开发区", "Park")]
    ms = gz.find("呼和浩特市新城区内蒙古自治区")
    assert [m.text for m in ms] == ["呼和浩特市", "新城区", "内蒙古自治区"]
    assert all(a.end <= b.start for a, b in zip(ms, ms[1:]))


def test_tokens_may_be_passed(gz):
    import jieba
    text = "包头市场监管部门与呼和浩特市合作"
    assert gz.find(text, tokens=list(jieba.tokenize(text))) == gz.find(text)


# ---- disambiguation ------------------------------------------------------------------------

def test_disambiguation_by_the_article(gz):
    text = "和林格尔县成功入选国家创新型县,并与新城区、赛罕区共同荣获自治区县域创新能力一类旗县区"
    (m,) = [m for m in gz.find(text) if m.text == "新城区"]
    assert m.adcode == "150102" and len(m.candidates) >= 2
    ms = gz.find("西安交通大学专家来到新城区")           # the article's other region decides
    assert [m.adcode for m in ms if m.text == "新城区"] == ["610102"]
    ms = gz.find("西安交通大学专家来到呼和浩特市新城区")
    assert [m.adcode for m in ms if m.text == "新城区"] == ["150102"]
    ms = gz.find("呼和浩特加快建设。西安市新城区")
    assert [m.adcode for m in ms if m.text == "新城区"] == ["610102"]   # city right before
    ms = gz.find("近日，新城区召开会议。")
    assert ms[0].adcode == "150102"    # no context: smallest adcode, deterministic
    (xa,) = gz.disambiguate(ms, context_adcodes=("610100",))
    assert (xa.name, xa.adcode) == ("新城区", "610102")
    (xa,) = gz.disambiguate(ms, context_adcodes=("西安",))
    assert xa.adcode == "610102"
    assert ms[0].adcode == "150102"    # inputs are not mutated
    (bj,) = gz.disambiguate(gz.find("朝阳区"), context_adcodes=("220100",))
    assert bj.adcode == "220104"


# ---- whole seed files ----------------------------------------------------------------------

def test_seed_files(gz):
    text = (SEEDS / "003_12197b68ae50d42b.txt").read_text(encoding="utf-8", errors="replace")
    found = names(gz, text)
    assert {"内蒙古自治区", "呼和浩特市", "和林格尔县", "新城区", "赛罕区", "回民区"} <= found
    assert not found & {"合作市", "新兴县", "公安县", "和平区", "城区", "东方市", "友好区", "振兴区"}
    text = (SEEDS / "001_b13d57cdbdd69c91.txt").read_text(encoding="utf-8", errors="replace")
    ms = gz.find(text)
    found = {m.name for m in ms}
    assert {"奈曼旗", "通辽市", "克什克腾旗", "赤峰市", "巴彦淖尔市", "呼和浩特经济技术开发区"} <= found
    assert not found & {"合作市", "新兴县", "大新县", "新平彝族傣族自治县", "巴彦县"}
    assert all(a.end <= b.start for a, b in zip(ms, ms[1:]))
    assert all(text[m.start:m.end] == m.text for m in ms)


def test_a_two_character_county_form_counts_where_the_county_is_named_in_full(gz):
    """落地洪湖 in an article that names 洪湖市: the county-level city; alone, 新兴 is an everyday word."""
    text = "总投资15亿元!11个项目落地洪湖!\n9月1日,洪湖市举行招商引资集中签约仪式。"
    news = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "news" / "texts"
    assert text.split("\n")[0] in "".join(p.read_text("utf-8") for p in sorted(news.glob("*.txt")))
    assert [(m.text, m.name) for m in gz.find(text)] == [("洪湖", "洪湖市"), ("洪湖市", "洪湖市")]
    assert [m.text for m in gz.find("落实新兴产业政策")] == []


def test_a_county_form_heading_a_park_is_the_county(gz):
    """新昌高新园区, 诸暨经济开发区 with no 新昌县 or 诸暨市 in the text: the county's form, a place name
    to jieba, heading a park; 新兴产业园 is no park of 新兴县 (jieba reads 新兴 as a word)."""
    news = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "news" / "texts"
    dev = "".join(p.read_text("utf-8") for p in sorted(news.glob("*.txt")))
    for text, county in (("新昌高新园区一方面", "新昌县"), ("杭州港二期是诸暨经济开发区管", "诸暨市")):
        assert text in dev
        assert county in [m.name for m in gz.find(text)]
    assert gz.find("新兴产业园建设") == []
