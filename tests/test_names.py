"""Name recognisers on sentences copied from the seeds: organisations, parks and projects
(kg.extract.names), short company names (kg.extract.shortnames) and anaphora (kg.extract.coref)."""
from __future__ import annotations

from pathlib import Path
import pytest

from conftest import seed
from kg.extract.coref import find_anaphora
from kg.extract.names import find_names, tidy
from kg.extract.shortnames import ShortNames, find_listed_companies, short_forms
from kg.language.tokens import Tokens
from kg.gazetteer import Gazetteer
from kg.model import Mention, NameEvidence

HESHENG = ("本报讯(记者 武子暄)近日,合生远景(内蒙古)生物科技有限公司母乳低聚糖(HMOs)研发及生产基地项目"
           "在呼和浩特市经济技术开发区举行了开工仪式,标志着天津合生生物科技有限公司在母乳低聚糖(HMOs)"
           "领域的全国战略布局迈出关键一步。")
HOSPITAL = ("本报讯(实习记者 杜拉罕)2月28日,记者从呼和浩特市卫生健康委员会获悉,呼和浩特市第一医院近期在"
            "“人工智能+医学影像”交叉领域接连取得重要突破")
ZERO_CARBON = "新认定绿色工厂90家,加快建设一批零碳工厂、零碳园区、绿电园区。"
SPECIAL_PARKS = "出台特色产业园区认定管理办法,支持特色产业园区建设。"
KEY_PROJECTS = "承接国家重点项目4项、自治区重点任务30项(占全区29%),部署市级项目31项,有效推动科技攻关与产业需求对接。"
LAYOUT = "加强生物制造、具身智能等未来产业前瞻性、体系化布局。"
CUSTOMS = "鄂尔多斯12月27日电（记者 郝雪莲）12月25日，一辆载有保税服务员的货车顺利驶出鄂尔多斯综合保税区，标志着鄂尔多斯综合保税区首票保税租赁货物顺利交付"
ENTERPRISES = ("培育出一批行业标杆：北方稀土、安泰北方获评工信部国家卓越级智能工厂，英思特、北方稀土磁材等6家企业"
               "成为自治区数字化转型示范标杆，天和磁材、金蒙汇磁等5家企业跻身先进级智能工厂。")


def in_seed(prefix: str, *sentences: str) -> None:
    """Each sentence is copied from the seed file (guards the tests against invented text)."""
    text = seed(prefix).read_text("utf-8")
    for s in sentences:
        assert s in text, f"not in seed {prefix}: {s}"


CHANGDIAN_CEO = "长电科技CEO郑力先生出席活动并发表讲话"


def in_news(*sentences: str) -> None:
    """Each sentence is copied from a development article (guards against invented text)."""
    news = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "news" / "texts"
    text = "".join(p.read_text("utf-8") for p in sorted(news.glob("*.txt")))
    for s in sentences:
        assert s in text, f"not in the development articles: {s}"


def test_sentences_are_from_the_seeds():
    in_seed("000", HESHENG, HOSPITAL, ZERO_CARBON, SPECIAL_PARKS, LAYOUT)
    in_seed("003", KEY_PROJECTS)
    in_seed("002", CUSTOMS, ENTERPRISES)


def names(text: str) -> list[Mention]:
    toks = Tokens(text)
    regions = [m for m in Gazetteer.default().find(text) if m.label == "Region"]
    found, _inner = find_names(text, toks, regions)
    return found


def labelled(text: str) -> dict[str, str]:
    return {m.text: m.label for m in names(text)}


# ------------------------------------------------------------------------------------ find_names

def test_company_with_bracketed_region_is_one_company():
    got = labelled(HESHENG)
    assert got.get("合生远景(内蒙古)生物科技有限公司") == "Company"
    assert got.get("天津合生生物科技有限公司") == "Company"
    # the bracket is not cut off, and 内蒙古 alone is no organisation
    assert "生物科技有限公司" not in got and "内蒙古" not in got


def test_names_read_off_a_suffix_say_so():
    by_text = {m.text: m for m in names(HESHENG)}
    assert by_text["天津合生生物科技有限公司"].name_evidence is NameEvidence.SUFFIX


def test_project_name_without_its_owner():
    got = labelled(HESHENG)
    assert got.get("母乳低聚糖(HMOs)研发及生产基地项目") == "Project"
    assert not any(t.endswith("项目") and t.startswith("合生远景") for t in got)


def test_development_zone_after_site_preposition():
    got = labelled(HESHENG)
    assert got.get("呼和浩特市经济技术开发区") == "IndustrialPark"
    assert not any(t.startswith("在") for t in got)


def test_hospital_is_institution_and_reporting_context_is_not_part_of_it():
    got = labelled(HOSPITAL)
    assert got.get("呼和浩特市第一医院") == "Institution"
    assert got.get("呼和浩特市卫生健康委员会") == "Institution"
    assert not any(t.startswith(("记者", "获悉")) for t in got)


def test_bonded_zone_named_twice_gives_two_park_mentions():
    ms = [m for m in names(CUSTOMS) if m.label == "IndustrialPark"]
    assert [m.text for m in ms] == ["鄂尔多斯综合保税区", "鄂尔多斯综合保税区"]
    assert all(CUSTOMS[m.start:m.end] == m.text for m in ms)


@pytest.mark.parametrize("text", [ZERO_CARBON, SPECIAL_PARKS, KEY_PROJECTS, LAYOUT],
                         ids=["零碳园区", "特色产业园区", "重点项目", "布局"])
def test_generic_heads_are_not_names(text):
    assert names(text) == []


def test_mention_spans_are_the_text():
    for m in names(HESHENG) + names(HOSPITAL):
        assert HESHENG[m.start:m.end] == m.text or HOSPITAL[m.start:m.end] == m.text


# ----------------------------------------------------------------------------------- short names

def test_short_form_of_brand_with_descriptor():
    assert "金宇保灵" in short_forms("金宇保灵生物药品有限公司", [])


def test_short_form_keeps_the_first_descriptor_word():
    assert "合生生物" in short_forms("天津合生生物科技有限公司", ["天津"])


def test_short_form_of_bracketed_region_company():
    forms = short_forms("合生远景（内蒙古）生物科技有限公司", ["内蒙古"])
    assert "合生远景" in forms
    assert not any("内蒙古" in f for f in forms)


def test_short_forms_never_the_name_itself_nor_too_short():
    for name, regions in (("金宇保灵生物药品有限公司", []), ("天津合生生物科技有限公司", ["天津"]),
                          ("包头市氢通工业制造有限公司", ["包头市"])):
        forms = short_forms(name, regions)
        assert name not in forms and all(len(f) >= 3 for f in forms)


def test_short_name_found_in_text_with_its_owner():
    text = "2025年,金宇保灵在动物疫苗领域取得重大突破"
    in_seed("001", text)
    sn = ShortNames({"金宇保灵生物药品有限公司": set()})
    [m] = sn.find(text, Tokens(text), [])
    assert (m.text, m.label, m.full_names) == ("金宇保灵", "Company", ("金宇保灵生物药品有限公司",))
    assert m.name_evidence is NameEvidence.SHORT_FORM   # what resolution reads, not the rule's name


def test_short_name_inside_a_longer_name_is_not_found_again():
    text = "在呼和浩特经济技术开发区沙尔沁工业园区,金宇保灵生物药品有限公司研发实验室内"
    in_seed("001", text)
    sn = ShortNames({"金宇保灵生物药品有限公司": set()})
    full = text.index("金宇保灵生物药品有限公司")
    occupied = [Mention("Company", "金宇保灵生物药品有限公司", full, full + 12, rule="suffix:有限公司")]
    assert sn.find(text, Tokens(text), occupied) == []


def test_companies_listed_before_n_enterprises():
    got = [m.text for m in find_listed_companies(ENTERPRISES, Tokens(ENTERPRISES), [])]
    assert {"英思特", "北方稀土磁材", "天和磁材", "金蒙汇磁"} <= set(got)
    assert not any(t in ("工信部", "智能工厂", "行业标杆") for t in got)


def test_no_listed_companies_without_enterprise_count():
    assert find_listed_companies(LAYOUT, Tokens(LAYOUT), []) == []


# -------------------------------------------------------------------------------------- anaphora

def test_anaphor_stands_for_the_company_named_before():
    text = "天津合生生物科技有限公司董事长刘斌介绍,在基地建设方面,该公司将严格遵循国家标准,融合GMP管理规范打造高标准厂房。"
    in_seed("000", text)
    [a] = find_anaphora(text, names(text))
    assert (a.text, a.label, a.coref, a.name) == ("该公司", "Company", True, "天津合生生物科技有限公司")
    assert a.antecedent.text == "天津合生生物科技有限公司"


def test_anaphor_of_an_institution():
    text = ("记者从内蒙古自治区教育考试院获悉,2026年内蒙古自治区普通高等教育专升本报名工作将于3月2日至6日进行"
            "(每日9:00—17:00)。为方便考生报名,该院首次推出“语音识别智能填报+指尖办”服务。")
    in_seed("000", text)
    [a] = find_anaphora(text, names(text))
    assert (a.text, a.label, a.name) == ("该院", "Institution", "内蒙古自治区教育考试院")


def test_anaphor_without_a_fitting_antecedent_is_dropped():
    text = "“从开建到投产不到1年，转型效果远超预期。”该公司技术研发部经理李智翔说"
    in_seed("002", text)
    assert find_anaphora(text, names(text)) == []
    # an institution before is no antecedent for 该公司
    text2 = HOSPITAL + "。" + text
    assert find_anaphora(text2, names(text2)) == []


@pytest.mark.parametrize("found, tidied", [
    ("另有清远高新区管委会", ["清远高新区管委会"]),   # dev news: 另有清远高新区管委会、清远市直相关部门…
    ("江西省委省政府", ["江西省委", "省政府"]),       # dev news: 感谢江西省委省政府对项目落地建设的大力支持
    ("福建省委常委", ["福建省委"]),                   # dev news: 福建省委常委、厦门市委书记胡昌升
    ("和平区政府", ["和平区政府"]),                   # a name that opens with 和 keeps it
])
def test_names_are_tidied_whoever_found_them(found, tidied):
    from kg.extract.names import tidy
    m = Mention("Institution", found, 10, 10 + len(found), rule="tagger")
    out = [x for x in tidy([m], "") if x.label == "Institution"]   # (the park a body runs: below)
    assert [x.text for x in out] == tidied
    assert [(x.start, x.end) for x in out][-1][1] == 10 + len(found) - (2 if found.endswith("常委") else 0)


@pytest.mark.parametrize("label, found, tidied", [
    # the dev news: 园区企业奥能金属, 新能源龙头企业协鑫集团, 由公司与工业发展集团共同出资设立控股子公司中一科技陕西有限公司
    ("Company", "企业奥能金属", ["奥能金属"]),
    ("Company", "新能源龙头企业协鑫集团", ["协鑫集团"]),
    ("Company", "立控股子公司中一科技陕西有限公司", ["中一科技陕西有限公司"]),
    ("Company", "公司全资子公司", []),
    ("Company", "设控股子公司", []),   # a headline: 中一科技：拟设控股子公司投建…
    ("IndustrialPark", "暨长株潭新能源产业园", ["长株潭新能源产业园"]),
    # tallies and generic phrases name no project (…产业项目四大类共16个重点项目, 15个新开工项目已开工7个)
    ("Project", "产业项目四大类共16个重点项目", []),
    ("Project", "新开工项目", []),
    ("Project", "集成电路类项目", []),
    ("Project", "长株潭新能源产业园项目", ["长株潭新能源产业园项目"]),
    ("Company", "企业家服务集团", ["企业家服务集团"]),
    # 中国航空工业集团党组书记…, 中船重工四家上市公司“联姻”, a headline 中一科技：拟设控股子公司…
    ("Company", "中国航空工业集团党组", ["中国航空工业集团"]),
    ("Company", "中船重工四家上市公司", ["中船重工"]),
    ("Company", "中一科技：拟设控股子公司", ["中一科技"]),
    # a place, a year and generic words name no project (沧州市2018年重点项目集中开工, 铜梁区重大招商项目集中签约)
    ("Project", "沧州市2018年重点项目", []),
    ("Project", "铜梁区重大招商项目", []),
    ("Project", "哈尔滨新区健康食品产业园项目", ["哈尔滨新区健康食品产业园项目"]),
    # a verb joins two phrases: 合肥中南光电…与百色市签订…项目, 和润汽车工业园项目毗邻奥迪PPE新能源工厂
    ("Project", "崇左市签订大亚（崇左）林业全产业链基地项目", ["大亚（崇左）林业全产业链基地项目"]),
    ("Project", "汽车工业园项目毗邻奥迪PPE新能源工厂", ["汽车工业园项目", "奥迪PPE新能源工厂"]),
])
def test_names_lose_what_stands_before_them_and_generic_phrases_go(label, found, tidied):
    from kg.extract.names import tidy
    assert [x.text for x in tidy([Mention(label, found, 0, len(found), rule="tagger")], "")] == tidied


def test_a_park_opening_a_projects_name_is_split_off():
    """大柴旦工业园青海中天硼锂年产10000吨碳酸锂 (the dev news): the park, then the project (whose owner
    the extraction splits off next)."""
    from kg.extract.names import tidy
    text = "大柴旦工业园青海中天硼锂年产10000吨碳酸锂"
    out = tidy([Mention("Project", text, 5, 5 + len(text), rule="tagger")], "")
    assert [(m.label, m.text, m.start) for m in out] == [("IndustrialPark", "大柴旦工业园", 5),
                                                         ("Project", "青海中天硼锂年产10000吨碳酸锂", 11)]


def test_examples_after_a_comma_lose_their_opener():
    """园区内有一些航母级企业,如万丰奥特集团、三花集团 (the dev news): 万丰奥特集团, not 如万丰奥特集团."""
    from kg.extract.names import tidy
    text = "园区内有一些航母级企业,如万丰奥特集团、三花集团"
    start = text.index("如")
    out = tidy([Mention("Company", "如万丰奥特集团", start, start + 7, rule="tagger")], text)
    assert [m.text for m in out] == ["万丰奥特集团"]


def test_a_companys_project_needs_no_proper_word_of_its_own():
    """甲乙食品有限公司饮料生产线, 甲公司投资的测试仪器生产项目: right after its owner a project's plain
    name is a name; alone (重点项目) it is not."""
    text = ("甘肃达利食品有限公司饮料生产线、万吨小食品生产线建设已建成投产,"
            "无锡清风源环保科技有限公司投资的研发中心及公司总部建设项目和上海金岛信息科技有限公司投资的测试仪器生产项目")
    in_news(*text.split(","))
    got = {(m.label, m.text) for m in names(text)}
    assert {("Project", "饮料生产线"), ("Project", "测试仪器生产项目"), ("Company", "上海金岛信息科技有限公司")} <= got
    assert not [m for m in names("今年全市重点项目和饮料生产线") if m.label == "Project"]


def test_enterprise_inside_a_registered_name_stays():
    """甲乙企业管理有限公司: 企业 of the business (企业管理), not a word before the name (企业甲乙金属)."""
    text = "西安瑞硕企业管理有限公司、驭腾能源环保科技股份有限公司"
    in_news(text)
    got = [m.text for m in tidy(names(text), text)]
    assert got == ["西安瑞硕企业管理有限公司", "驭腾能源环保科技股份有限公司"]


def test_local_departments_and_bodies_by_their_short_names(gazetteer):
    """法制办, 旗政法委, 甲市发改委: a department's short name with its level or place; 旗委副书记,
    区政协主席: a bare body before a title (jieba glues 旗委副); 甲乙区区委: the region names the body."""
    from kg.extract.names import find_bare_bodies
    from kg.language.tokens import Tokens
    texts = ("鄂尔多斯市人民政府副秘书长、法制办主任李斌,旗委副书记、政府旗长王羽强出席签约仪式",
             "旗政法委、发改、经信、环保等相关部门负责人", "漯河市发改委有关负责人介绍",
             "相城区区委书记季晶", "区人大常委会主任朱华伦,区政协主席何建伟")
    in_news(*texts)
    got = set()
    for text in texts:
        toks = Tokens(text)
        regions = [m for m in gazetteer.find(text, toks) if m.label == "Region"]
        found = find_names(text, toks, regions)[0]
        got |= {m.text for m in found + find_bare_bodies(text, toks, found + regions) if m.label == "Institution"}
    assert {"法制办", "旗委", "旗政法委", "漯河市发改委", "相城区区委", "区政协"} <= got
    assert "区委" not in got and "发改委" not in got


def test_clause_opener_with_a_bare_head_and_business_names_the_tagger_calls_bodies():
    """这是政府…: an opener and a bare head is no name; a name the tagger calls a body without a
    body's ending (江苏新百超, before its project) is a business; 党组副 (of 党组副书记) is no person."""
    from kg.extract.people import find_people
    text = "“这是政府支持企业创业创新的结果"
    in_news(text)
    assert tidy([Mention("Institution", "这是政府", 1, 5, rule="suffix:政府")], text) == []
    text = "江苏新百超三维五轴激光加工机床博士工作站研发团队项目"
    in_news(text)
    [m] = tidy([Mention("Institution", "江苏新百超", 0, 5, rule="tagger", name_evidence=NameEvidence.TAGGER)], text)
    assert m.label == "Company"
    [m] = tidy([Mention("Institution", "西交大", 0, 3, rule="tagger", name_evidence=NameEvidence.TAGGER)], "西交大")
    assert m.label == "Institution"
    text = "市政协党组副书记、副主席田青云出席"
    in_news(text)
    assert [p.text for p in find_people(text)] == ["田青云"]


def test_a_name_after_a_title_ends_before_a_verb_or_an_adverb():
    """科长甲乙丙都要…, 副经理甲乙丙迅速…, 副总经理甲乙丙作为…, 创办人甲乙通过…: what follows the name
    is a verb, an adverb or a preposition; 郑力先生 ends the name before 先生."""
    from kg.extract.people import find_people
    texts = ("赣州经开区招商局内资科科长刘广森都要做回访", "贵州巨美环境科技有限公司安全环保部副经理李永林迅速换上工作服",
             "广东牧童实业有限公司副总经理杜小利作为十二家企业代", "小米集团创办人雷军通过社交媒体宣布", CHANGDIAN_CEO)
    in_news(*texts)
    assert [p.text for t in texts for p in find_people(t)] == ["刘广森", "李永林", "杜小利", "雷军", "郑力"]


def test_names_listed_after_a_title_share_it():
    """自治区人大常委会副主任甲乙丙、丁戊己分别…: the second name holds the same title."""
    from kg.extract.people import find_people
    text = "自治区人大常委会副主任段志强、丁绣峰分别在呼和浩特市、自"
    in_seed("002", text)
    assert [(p.text, p.title) for p in find_people(text)] == [("段志强", "副主任"), ("丁绣峰", "副主任")]


def test_a_products_size_opens_a_projects_name():
    """8英寸甲乙芯片制造生产线: the size of what is made stays (only a length built, 40公里, goes)."""
    text = "士兰微将在厦门建设国内第一条拥有完全自主知识产权的8英寸碳化硅功率器件芯片制造生产线"
    in_news(text)
    assert ("Project", "8英寸碳化硅功率器件芯片制造生产线") in {(m.label, m.text) for m in names(text)}


@pytest.mark.parametrize("label, found, tidied", [
    # a facility's manager after its name (兰西哈达…物流园总经理张文超说)
    ("Project", "兰西哈达农产品国际物流园总经理", ["兰西哈达农产品国际物流园"]),
    # a clause or an event before the project (公司正在实施二期扩建项目建设, …项目已开始楼宇内部装修工程,
    # 重点招商引资企业座谈会暨项目集中签约仪式)
    ("Project", "公司正在实施二期扩建项目", []),
    ("Project", "开始楼宇内部装修工程", []),   # (and the stage of work it names is no project)
    ("Project", "招商引资企业座谈会暨项目", []),
    # examples, then what they are (日本岛津液压、美国科尔摩根伺服电机等优质项目签约落户西青)
    ("Project", "美国科尔摩根伺服电机等优质项目", []),
    # generic phrases (既有补链强链项目, 二是大型生产基地, 西青区高端制造业重点项目集中签约仪式)
    ("Project", "补链强链项目", []),
    ("Project", "大型生产基地", []),
    ("Project", "西青区高端制造业重点项目", []),
    # a part of a park (落地大盂产业新城核心区)
    ("IndustrialPark", "大盂产业新城核心区", ["大盂产业新城"]),
    # a count of parks (上半年武威、黄羊两个工业园区共开工, 打造国内第一个绿色低碳示范园区)
    ("IndustrialPark", "黄羊两个工业园区", []),
    ("IndustrialPark", "第一个绿色低碳示范园区", []),
])
def test_clauses_counts_and_generic_words_are_no_names(label, found, tidied):
    in_news(found)
    assert [x.text for x in tidy([Mention(label, found, 0, len(found), rule="tagger")], "")] == tidied


def test_and_after_a_projects_head_joins_two_projects():
    """甲风电场、乙风电场和丙三期风电场项目: three projects; 和 after a project's head joins two, whoever
    found the span; a count before the second (72个…项目和6个…项目) makes no name of it."""
    text = "此次集中开工的项目还包括四川能投承建的美姑县风电场、雷波拉咪北风电场和盐边大面山三期风电场项目,华西集团承建的沐川县市民广场工程"
    tally = "中开工的78个项目包含72个亿元以上产业项目和6个城建基础设施项目"
    in_news(text, tally)
    got = {m.text for m in names(text) if m.label == "Project"}
    assert {"美姑县风电场", "雷波拉咪北风电场"} <= got   # (jieba knows 盐边大面山's words: the tagger finds it)
    joined = "雷波拉咪北风电场和盐边大面山三期风电场项目"
    assert [m.text for m in tidy([Mention("Project", joined, 0, len(joined), rule="tagger")], "")] == [
        "雷波拉咪北风电场", "盐边大面山三期风电场项目"]
    assert not [m for m in names(tally) if m.label == "Project"]


def test_a_park_followed_by_project_names_the_project():
    """甲乙产业园项目已开始…: the project of building the park, named after it."""
    text = "浙江颐高吴忠新经济产业园项目已开始楼宇内部装修工程"
    in_news(text)
    park = "浙江颐高吴忠新经济产业园"
    out = tidy([Mention("IndustrialPark", park, 0, len(park), rule="tagger")], text)
    assert [(m.label, m.text, m.end) for m in out] == [("Project", park + "项目", len(park) + 2)]


@pytest.mark.parametrize("body, park", [
    ("诸暨经济开发区管委会", "诸暨经济开发区"),   # 杭州港二期是诸暨经济开发区管委会与…共同投资
    ("沈抚示范区党工委", "沈抚示范区"),           # 沈抚示范区党工委委员、管委会副主任
    ("东莞水乡特色发展经济区党工委", "东莞水乡特色发展经济区"),
    ("高新区党工委", None),                       # a bare level word names no park
    ("经济开发区党工委", None),                   # (东营港|经济开发区党工委, cut by the tagger)
])
def test_a_parks_body_names_the_park(body, park):
    in_news(body)
    out = tidy([Mention("Institution", body, 3, 3 + len(body), rule="tagger")], "")
    got = [(m.text, m.start, m.end) for m in out if m.label == "IndustrialPark"]
    assert got == ([(park, 3, 3 + len(park))] if park else [])


def test_a_name_cut_short_takes_the_form_written_elsewhere():
    """和润…项目 opening a sentence, cut 和|润 by jieba: where the article writes the fuller form
    elsewhere, the shorter reading takes it (the characters before it are the same)."""
    first, later = "和润汽车工业园项目负责人王巍介绍。", "和润汽车工业园项目投资15亿元"
    in_news(first, later)
    text = first + later
    short = Mention("Project", "汽车工业园项目", 2, 9, rule="tagger")
    full_start = len(first)
    full = Mention("Project", "和润汽车工业园项目", full_start, full_start + 9, rule="tagger")
    assert [(m.text, m.start) for m in tidy([short, full], text)] == [("和润汽车工业园项目", 0),
                                                                     ("和润汽车工业园项目", full_start)]


def test_a_registered_name_read_whole_wins_over_the_taggers_shorter_reading():
    """专精特新“小巨人”企业合肥中南光电有限公司: the suffix rule reads the whole registered name (tidy
    drops 企业); the tagger's 中南光电有限公司 cuts the place off and loses."""
    from kg.extract.article import _arbitrate
    text = "专精特新“小巨人”企业合肥中南光电有限公司与百色市签订高效智能光伏组件、铝边框、储能运维产业项目"
    in_news(text)
    rule = [m for m in names(text) if m.label == "Company"]
    assert [m.text for m in rule] == ["企业合肥中南光电有限公司"]
    start = text.index("中南光电")
    tagged = [Mention("Company", "中南光电有限公司", start, start + 8, rule="tagger", name_evidence=NameEvidence.TAGGER)]
    assert [m.text for m in tidy(_arbitrate(rule, tagged), text)] == ["合肥中南光电有限公司"]


def test_a_verb_inside_a_name_splits_it_or_makes_it_a_clause():
    """甲新区委托乙集团建设: two names; 甲物流园进行加工: a clause, no name."""
    text = "产业园由哈尔滨新区委托哈尔滨水投集团建设"
    in_news(text, "兰西物流园进行加工")
    start = text.index("哈尔滨新区")
    m = Mention("Company", "哈尔滨新区委托哈尔滨水投集团", start, start + 14, rule="tagger")
    assert [(x.label, x.text) for x in tidy([m], text)] == [("IndustrialPark", "哈尔滨新区"), ("Company", "哈尔滨水投集团")]
    m = Mention("Project", "兰西物流园进行加工", 0, 9, rule="tagger")
    assert tidy([m], "兰西物流园进行加工") == []


def test_products_listed_after_a_verb_of_building_name_one_project():
    """建设年产20万吨甲、乙、10万吨丙基地项目: the products listed name the project; a clause
    (…项目正在进行土地征收工作、乙年产…项目) or names of their own (甲总部、乙基地) do not join;
    建设年产甲、乙等丙产业基地 is a project too."""
    listed = "建设年产20万吨铝棒、铝型材、10万吨再生铝产业园基地项目,建成后年实现产值56亿元"
    signed = "合肥中南光电有限公司与百色市签订高效智能光伏组件、铝边框、储能运维产业项目,签约金额达17亿元"
    clause = "羊绒衫深加工建设项目正在进行土地征收工作、江苏鸿业年产5万吨锂电池负极材料项目公司已注册"
    named = "签约项目包括腾讯智慧产业江苏总部、英飞源华东研发生产基地等"
    in_news(listed, signed, clause, named)
    for text, last, whole in [(listed, "10万吨再生铝产业园基地项目", "年产20万吨铝棒、铝型材、10万吨再生铝产业园基地项目"),
                              (signed, "储能运维产业项目", "高效智能光伏组件、铝边框、储能运维产业项目"),
                              (clause, "江苏鸿业年产5万吨锂电池负极材料项目", None),
                              (named, "英飞源华东研发生产基地", None)]:
        at = text.index(last)
        out = tidy([Mention("Project", last, at, at + len(last), rule="tagger")], text)
        assert [m.text for m in out] == [whole or last]
        assert out[0].end == at + len(last) and text[out[0].start:out[0].end] == out[0].text
    # 甲、乙等丙基地: a base built for the products listed, a project whoever read it as a park
    base = "投资10亿元建设年产200万千瓦风电叶片、主机等新能源高端装备制造产业基地,填补了"
    in_news(base)
    last = "新能源高端装备制造产业基地"
    at = base.index(last)
    out = tidy([Mention("IndustrialPark", last, at, at + len(last), rule="suffix")], base)
    assert [(m.label, m.text) for m in out] == [("Project", "年产200万千瓦风电叶片、主机等" + last)]


@pytest.mark.parametrize("text, park", [
    ("上海临港新片区12个重点产业项目的落地开工", "上海临港新片区"),
    ("吉利(赣州)42GWh动力电池项目坐落于赣州经开区新能源科技城,是近年来", "赣州经开区新能源科技城"),
    ("总投资90亿元,落地大盂产业新城核心区", "大盂产业新城"),
])
def test_new_areas_and_science_cities_are_parks(text, park):
    """新片区, 陆港区, 科学城, 科技城, 产业新城: zones run like parks."""
    in_news(text)
    assert ("IndustrialPark", park) in {(m.label, m.text) for m in names(text)}


def test_a_registered_name_holds_a_verb_after_a_verbal_noun():
    """甲（乙）融资担保有限公司: 担保 after 融资 is inside the name, and so is the bracketed place."""
    text = "西部（银川）融资担保有限公司、银川市城市建设投资控股有限公司"
    in_news(text.replace("（", "(").replace("）", ")"))
    assert [m.text for m in tidy(names(text), text)] == ["西部（银川）融资担保有限公司", "银川市城市建设投资控股有限公司"]


def test_a_town_body_takes_the_towns_name_that_opens_the_clause():
    """道滘镇党委书记…,镇党委副书记: the town's name (no division list holds towns) before 镇党委 names
    the body; the later bare 镇党委 stays bare (resolution joins it to the fuller name)."""
    from kg.extract.names import find_bare_bodies
    text = "道滘镇党委书记曾平治,镇党委副书记、镇长陈涛"
    in_news(text)
    assert [m.text for m in find_bare_bodies(text, Tokens(text), [])] == ["道滘镇党委", "镇党委"]
    assert [m.text for m in find_bare_bodies("全镇党委书记", Tokens("全镇党委书记"), [])] == []


def test_a_projects_name_runs_on_from_a_park_before_it():
    """甲陆港区国际粮油交易中心项目, 未来甲城机器人产业园项目: a common word after the park, and the
    project's name runs on from it (the park is an entity too); a place or brand after the park starts
    the name (甲开发区|石家庄乙集团…项目)."""
    text = "能钻井研发测试组装基地、昌平未来美城产业创新基地、未来科学城机器人产业园项目、中软国际"
    port = "乌鲁木齐国际陆港区集结中心金阳路(苏州路—北站公路)道路工程项目、乌鲁木齐铁路口岸快件中心项目"
    in_news(text, port)
    assert ("Project", "未来科学城机器人产业园项目") in {(m.label, m.text) for m in names(text)}
    got = {(m.label, m.text) for m in names(port)}
    assert {("Project", "乌鲁木齐国际陆港区集结中心金阳路(苏州路—北站公路)道路工程项目"),
            ("IndustrialPark", "乌鲁木齐国际陆港区")} <= got
    owner = "主会场活动在渤海新区临港经济技术开发区石家庄四药集团医药产业园项目现场举行"
    in_news(owner)
    got = {(m.label, m.text) for m in names(owner)}
    assert {("Project", "石家庄四药集团医药产业园项目"), ("IndustrialPark", "临港经济技术开发区")} <= got


def test_a_centre_followed_by_project_names_the_project():
    """甲国际粮油交易中心项目: the project of building the centre, not the centre (a body that governs,
    甲市政府项目, is no facility)."""
    text = "当天,乌鲁木齐国际陆港区国际粮油交易中心项目也拉开了开工序幕"
    in_news(text)
    centre = "乌鲁木齐国际陆港区国际粮油交易中心"
    at = text.index(centre)
    out = tidy([Mention("Institution", centre, at, at + len(centre), rule="suffix")], text)
    assert [(m.label, m.text) for m in out if m.label != "IndustrialPark"] == [("Project", centre + "项目")]


def test_a_park_opening_a_projects_name_stays_after_arbitration():
    """The tagger's project holding a park the rules found: the park stays where the project runs on
    from it, not where the project is the park's own (甲产业园二期项目, 甲产业园建设项目)."""
    from kg.extract.article import _arbitrate
    park = Mention("IndustrialPark", "乌鲁木齐国际陆港区", 0, 9, rule="suffix")
    project = Mention("Project", "乌鲁木齐国际陆港区国际粮油交易中心项目", 0, 19, rule="tagger")
    assert [m.label for m in _arbitrate([park], [project])] == ["Project", "IndustrialPark"]
    own = Mention("IndustrialPark", "液压科技产业园", 0, 7, rule="suffix")
    second = Mention("Project", "液压科技产业园二期项目", 0, 11, rule="tagger")
    in_news(own.text + "二期项目", project.text)
    assert [m.label for m in _arbitrate([own], [second])] == ["Project"]


def test_a_company_right_before_project_names_its_project():
    """主会场设在甲科技项目现场: 项目 after a company's name is the company's project; the company
    stays (its owner), and no short name cuts it off again (the rest, 项目 or 二期项目, names nothing)."""
    text = "主会场设在长电科技项目现场。长电科技项目是补齐新片区集成电路产"
    phase = "这次还集中开工了正和顺汽车部件有限公司二期项目"
    in_news(text, phase, "长电科技高密度系统级封装模组项目")
    at = text.index("长电科技")
    out = tidy([Mention("Company", "长电科技", at, at + 4, rule="short-name")], text)
    assert [(m.label, m.text) for m in out] == [("Company", "长电科技"), ("Project", "长电科技项目")]
    sn = ShortNames({"和顺汽车部件有限公司": set(), "长电科技股份有限公司": set()})
    for name in ("长电科技项目", "和顺汽车部件有限公司二期项目"):
        assert sn.split_owner(Mention("Project", name, 0, len(name), rule="company-project")) is None
    assert sn.split_owner(Mention("Project", "长电科技高密度系统级封装模组项目", 0, 16, rule="tagger")) is not None


def test_a_factory_is_a_project_unless_generic():
    """甲PPE新能源工厂, 甲红旗繁荣工厂: a named factory is a project; 黑灯工厂, 绿色工厂 name kinds."""
    text = "和润汽车工业园项目毗邻奥迪PPE新能源工厂、一汽红旗繁荣工厂、一汽中车电驱系统"
    in_news(text)
    got = {(m.label, m.text) for m in tidy(names(text), text)}
    assert {("Project", "奥迪PPE新能源工厂"), ("Project", "一汽红旗繁荣工厂")} <= got
    generic = "新认定绿色工厂90家"
    in_seed("000", generic)
    assert not [m for m in names(generic) if m.label == "Project"]


def test_the_longest_form_written_elsewhere_is_taken():
    """汽车工业园项目 after 和润, where the article holds both 润… and 和润…: the fuller one."""
    text = "”和润汽车工业园项目负责人"
    cut = Mention("Project", "汽车工业园项目", 3, 10, rule="tagger")
    known = [Mention("Project", "润汽车工业园项目", 20, 28, rule="tagger"),
             Mention("Project", "和润汽车工业园项目", 40, 49, rule="tagger")]
    in_news(text)
    assert tidy([cut, *known], text + " " * 50)[0].text == "和润汽车工业园项目"


@pytest.mark.parametrize("sentence, found", [
    ("海南自由贸易港建设项目2021年度第四批集中开工活动", "海南自由贸易港建设项目"),
    ("宁夏国资国企银川行项目合作洽谈签约会在银川市召开", "宁夏国资国企银川行项目"),
    ("东营港经济开发区举行新旧动能转换重大工程启动暨2018年重点项目春季集中开工", "新旧动能转换重大工程"),
])
def test_a_batch_or_an_event_is_no_project(sentence, found):
    """What is started or signed in a batch, or met about (…项目2021年度第四批集中开工, …项目合作洽谈签约会),
    is a programme or an event, not one project."""
    in_news(sentence)
    at = sentence.index(found)
    assert tidy([Mention("Project", found, at, at + len(found), rule="tagger")], sentence) == []


def test_items_listed_before_n_projects_are_projects():
    """乌兰工业园青海尚品驼奶加工、鼎诚工贸年产10万吨活性石灰等3个项目: each item no name covers is a
    project (the park opening it is where it is); firms standing for projects (甲实业、乙科技等12个
    项目) and a clause before the list are not."""
    from kg.extract.names import find_listed_projects
    text = "乌兰工业园青海尚品驼奶加工、鼎诚工贸年产10万吨活性石灰等3个项目已开复工建设"
    firms = "并集体为牧童实业、恩科科技、翔达交通、泛瑞磁电等12个项目落地奠基"
    in_news(text, firms)
    park = Mention("IndustrialPark", "乌兰工业园", 0, 5, rule="suffix")
    assert [m.text for m in find_listed_projects(text, [park])] == ["青海尚品驼奶加工", "鼎诚工贸年产10万吨活性石灰"]
    assert find_listed_projects(firms, []) == []


def test_a_place_then_zhong_opens_a_registered_name_and_a_company_ends_a_parks_walk():
    """甘肃|中|大…有限公司: 中 after a province opens the brand; 甲乙股份有限公司大宗物流产业园建设项目:
    the company is the owner, the park's name does not run over it."""
    text = "甘肃中大铝型材有限公司年产1万吨铝合金型材生产线、酒泉赛诺农业有限公司年产4万吨番茄酱加工生产线"
    other = "上亿国际汽车城项目、德邦物流股份有限公司大宗物流产业园建设项目等与主导产业相配套"
    in_news(text, other)
    assert "甘肃中大铝型材有限公司" in {m.text for m in tidy(names(text), text)}
    got = {(m.label, m.text) for m in tidy(names(other), other)}
    assert ("Company", "德邦物流股份有限公司") in got and ("Project", "大宗物流产业园建设项目") in got


def test_a_given_name_may_be_a_verb_between_its_title_and_a_comma():
    """副总经理杨自强、戚科骏等: 自强 is a verb, but nothing follows the name as a predicate; 王明表示 at a
    text's end is 王明."""
    from kg.extract.people import find_people
    text = "晋陵投资集团有限公司董事长王伟明、总经理高轶、纪委书记周峰、副总经理杨自强、戚科骏等出席签约仪式。"
    in_news(text)
    assert [p.text for p in find_people(text)] == ["王伟明", "高轶", "周峰", "杨自强", "戚科骏"]
    assert [p.text for p in find_people("董事长王明表示")] == ["王明"]


def test_the_leaders_of_an_industry_are_companies():
    """以甲乙为龙头的汽车产业: the leader is a company, whatever jieba's tag of its name, unless it is a
    common word (以企业为龙头) or an industry."""
    text = "以江淮为龙头的汽车及其配套产业、以TCL为龙头的家电及配套产业、以泰禾为龙头的智能制造产业"
    in_news(text)
    assert [m.text for m in find_listed_companies(text, Tokens(text), [])] == ["江淮", "TCL", "泰禾"]
    assert find_listed_companies("以企业为龙头", Tokens("以企业为龙头"), []) == []


def test_parties_to_a_deal_named_bare_are_companies():
    """甲乙循环与丙丁新能源签订…: both parties, named bare, are companies; 甲与乙代表双方签署 names people."""
    text = "此外,芳源循环与象屿新能源签订了《年度战略合作协议》"
    people = "蒋军成与高轶代表双方签署"
    in_news(text, people)
    assert sorted(m.text for m in find_listed_companies(text, Tokens(text), [])) == ["芳源循环", "象屿新能源"]
    assert find_listed_companies(people, Tokens(people), []) == []


def test_a_verb_of_building_before_what_is_built_is_no_part_of_the_project():
    """投建8万吨…项目, 新建年产…: the verb goes; 建设银行… is a name."""
    text = "中一科技:拟设控股子公司投建8万吨先进电子材料产业基地项目"
    in_news(text)
    start = text.index("投建")
    m = Mention("Project", text[start:], start, len(text), rule="tagger")
    assert [x.text for x in tidy([m], text)] == ["8万吨先进电子材料产业基地项目"]
    m = Mention("Project", "建设银行项目", 0, 6, rule="tagger")
    assert [x.text for x in tidy([m], "建设银行项目")] == ["建设银行项目"]


def test_a_departments_short_name_before_a_title_jieba_glued_on():
    """市经济信息委副主任: jieba cuts 委副, the title after the name ends it all the same."""
    text = "市政府副秘书长周青、市经济信息委副主任杨正华、市生态环境局副局长陈卫"
    in_news(text)
    assert "市经济信息委" in {m.text for m in names(text)}


def test_two_firms_read_as_one_are_split_at_yu():
    """甲乙与丙丁共建…: 与 is in no brand; a tagger's company spanning it is two."""
    text = "江苏嘉轩与北方稀土共建稀土永磁电机生产基地"
    in_seed("001", text)
    m = Mention("Company", "江苏嘉轩与北方稀土", 0, 9, rule="tagger", name_evidence=NameEvidence.TAGGER)
    assert [x.text for x in tidy([m], text)] == ["江苏嘉轩", "北方稀土"]


def test_a_head_with_nothing_before_it_is_no_name():
    """一是研发中心、产品建设项目: once the opener goes, 研发中心 is a kind of body, no name."""
    text = "项目建设主要内容有三个方面:一是研发中心、产品建设项目,二是大型生产基地"
    in_news(text)
    start = text.index("一是")
    m = Mention("Institution", "一是研发中心", start, start + 6, rule="suffix:研发中心")
    assert tidy([m], text) == []
