"""Relation rules (kg.extract.relations, through kg.extract.article.recognise + extract) on seed
passages and whole seed articles, each rule with a case where it must fire and one where it must not."""
from __future__ import annotations


from conftest import facts_of, rules_of, seed

HESHENG = ("本报讯(记者 武子暄)近日,合生远景(内蒙古)生物科技有限公司母乳低聚糖(HMOs)研发及生产基地项目"
           "在呼和浩特市经济技术开发区举行了开工仪式,标志着天津合生生物科技有限公司在母乳低聚糖(HMOs)"
           "领域的全国战略布局迈出关键一步。")
HESHENG_COMPANY = "合生远景(内蒙古)生物科技有限公司"
HESHENG_PROJECT = "母乳低聚糖(HMOs)研发及生产基地项目"
HESHENG_PARK = "呼和浩特市经济技术开发区"
TIANJIN = "天津合生生物科技有限公司"
LIU_BIN = "天津合生生物科技有限公司董事长刘斌介绍,在基地建设方面,该公司将严格遵循国家标准,融合GMP管理规范打造高标准厂房。"
EXAM = "语音识别智能填报:内蒙古自治区教育考试院与内蒙古大学合作,将智能语音识别技术引入普通高等教育专升本报名系统。"
HYDROGEN_CO = ("现代装备制造产业集群方面，重点推动包头市氢通工业制造有限公司年产5000套氢燃料电池系统制造基地、"
               "包钢集团螺旋管道生产及管道配套生产等135个项目，前11个月累计完成投资696.1亿元，完成率96.9%。")
CLUSTERS = "积极参与国家世界级先进制造业集群培育工程,加快推动呼和浩特乳制品、包头稀土新材料、鄂尔多斯现代煤化工3个国家级集群向世界迈进。"
BUREAU = "克什克腾旗教育局局长孙晓飞说。"
FOUNDED = "天津合生生物科技有限公司自2023年8月成立以来,始终专注于母乳低聚糖的研发与产业化,目前已开发了多款具备商业化前景的合成生物学产品。"
TEAM = ("本报讯(实习记者 杜拉罕)2月28日,记者从呼和浩特市卫生健康委员会获悉,呼和浩特市第一医院近期在"
        "“人工智能+医学影像”交叉领域接连取得重要突破。其中,由该院张俊昌教授与夏龙教授团队牵头,"
        "联合中山大学、南方医科大学、广州医科大学等多所高校共同完成的研究成果")


def test_passages_are_from_the_seeds():
    text000 = seed("000").read_text("utf-8")
    for s in (HESHENG, LIU_BIN, CLUSTERS):
        assert s in text000, s
    assert EXAM.rstrip("。") .split("报名系统")[0] in text000
    assert HYDROGEN_CO in seed("002").read_text("utf-8")
    assert BUREAU in seed("001").read_text("utf-8")
    first, second = TEAM.split("。其中")
    assert first in text000 and "其中" + second in text000


def fire(extraction, predicate, subject, obj) -> bool:
    return (subject, predicate, obj) in facts_of(extraction, predicate)


# ----------------------------------------------------------------------------- LOCATED_IN

def test_region_inside_a_company_name(extract_text):
    ex = extract_text(HYDROGEN_CO)
    assert ("包头市氢通工业制造有限公司", "包头市", "name-contains-region") in rules_of(ex, "LOCATED_IN")


def test_company_without_a_region_in_its_name_is_not_located_by_a_region_elsewhere(extract_seed):
    ex = extract_seed("002", "才匠智能")
    located = {(s, o) for s, p, o in facts_of(ex, "LOCATED_IN")}
    # 作为内蒙古制造业数字化转型核心服务商，金名信息技术股份有限公司…: 内蒙古 describes the trade, not a seat
    assert not any(s == "金名信息技术股份有限公司" for s, _ in located)
    assert ("才匠智能（内蒙古）科技有限公司", "内蒙古自治区") in located


def test_site_of_event(extract_text):
    ex = extract_text(HESHENG)
    assert (HESHENG_PROJECT, HESHENG_PARK, "site-of-event") in rules_of(ex, "LOCATED_IN")
    assert (HESHENG_PARK, "呼和浩特市", "name-contains-region") in rules_of(ex, "LOCATED_IN")


def test_no_site_when_zai_introduces_a_field(extract_text):
    # …天津合生生物科技有限公司在母乳低聚糖(HMOs)领域…: 在 is followed by a field, not a place
    ex = extract_text(HESHENG)
    assert {o for s, p, o in facts_of(ex, "LOCATED_IN") if s == TIANJIN} == {"天津市"}


def test_park_within_park(extract_seed):
    # 在呼和浩特经济技术开发区沙尔沁工业园区，…: the second park is part of the first
    ex = extract_seed("001", "沙尔沁")
    assert ("沙尔沁工业园区", "呼和浩特经济技术开发区", "park-within-park") in rules_of(ex, "PART_OF")
    assert ("呼和浩特经济技术开发区", "PART_OF", "沙尔沁工业园区") not in facts_of(ex)


def test_companies_after_a_park_opening(extract_seed):
    ex = extract_seed("001", "沙尔沁")
    located = {(s, o) for s, p, o in facts_of(ex, "LOCATED_IN")}
    assert any(s == "金宇保灵生物药品有限公司" and "沙尔沁工业园区" in o for s, o in located)


# ------------------------------------------------------------------------------- DEVELOPS

def test_owner_prefix_develops(extract_text):
    ex = extract_text(HESHENG)
    assert (HESHENG_COMPANY, HESHENG_PROJECT, "owner-prefix") in rules_of(ex, "DEVELOPS")


def test_developer_is_only_the_adjacent_owner(extract_text):
    ex = extract_text(HESHENG)
    developers = {s for s, p, o in facts_of(ex, "DEVELOPS")}
    assert developers == {HESHENG_COMPANY}


def test_capacity_names_the_owner_s_project(extract_text):
    # 年产5000套…制造基地: what is built and how much make a project name, owned by the company before it
    assert ("包头市氢通工业制造有限公司", "DEVELOPS", "年产5000套氢燃料电池系统制造基地") in facts_of(
        extract_text(HYDROGEN_CO), "DEVELOPS")


def test_no_developer_without_a_project(extract_text):
    assert facts_of(extract_text(FOUNDED), "DEVELOPS") == set()


# ------------------------------------------------------------------------ COOPERATES_WITH

def test_with_cooperate(extract_text):
    ex = extract_text(EXAM)
    assert ("内蒙古自治区教育考试院", "内蒙古大学", "with-cooperate") in rules_of(ex, "COOPERATES_WITH")


def test_with_but_no_cooperation_word(extract_seed):
    # 电力集团与蒙马智联分别攻克高比例新能源并网与调度难题: two companies, 与, but each on its own
    ex = extract_seed("003", "蒙马智联")
    pairs = {frozenset((s, o)) for s, p, o in facts_of(ex, "COOPERATES_WITH")}
    assert not any("蒙马智联" in p for p in pairs)


def test_jointly_with_a_list(extract_text):
    ex = extract_text(TEAM)
    partners = {o for s, p, o in facts_of(ex, "COOPERATES_WITH") if s == "呼和浩特市第一医院"} | \
               {s for s, p, o in facts_of(ex, "COOPERATES_WITH") if o == "呼和浩特市第一医院"}
    assert "中山大学" in partners
    # the reporting source 呼和浩特市卫生健康委员会 is no partner
    assert not any("卫生健康委员会" in a or "卫生健康委员会" in b for a, _, b in facts_of(ex, "COOPERATES_WITH"))


# --------------------------------------------------------------------------------- SERVES

def test_helps_serves_listed_clients(extract_seed):
    ex = extract_seed("002", "才匠智能")
    clients = {o for s, p, o in facts_of(ex, "SERVES") if s == "金名信息技术股份有限公司"}
    assert {"安泰北方", "英思特", "北方磁材"} <= clients


def test_provides_for_client(extract_seed):
    ex = extract_seed("002", "才匠智能")
    assert ("才匠智能（内蒙古）科技有限公司", "天和磁材", "provides-for") in rules_of(ex, "SERVES")


def test_helps_an_industry_is_no_service(extract_seed):
    # 金宇保灵总经理赵丽霞说，…助力养殖业迈向更健康…: 助力 a trade, not a client
    ex = extract_seed("001", "金宇保灵总经理")
    assert not any(s in ("金宇保灵", "金宇保灵生物药品有限公司") for s, p, o in facts_of(ex, "SERVES"))


# -------------------------------------------------------------------------- SUBSIDIARY_OF

def test_bracketed_region_company_alone_is_no_branch(extract_seed):
    ex = extract_seed("002", "才匠智能")
    assert not any(s.startswith("才匠智能") for s, p, o in facts_of(ex, "SUBSIDIARY_OF"))
    assert not any(s.startswith("卧龙电驱") for s, p, o in facts_of(ex, "SUBSIDIARY_OF"))


# ------------------------------------------------------------------------- HOLDS_POSITION

def test_title_of_a_company(extract_text):
    ex = extract_text(LIU_BIN)
    [f] = [f for f in ex.facts if f.predicate == "HOLDS_POSITION"]
    assert (f.subject.name, f.object.name, f.subject.title) == ("刘斌", TIANJIN, "董事长")


def test_title_of_a_bureau(extract_text):
    ex = extract_text(BUREAU)
    assert ("孙晓飞", "HOLDS_POSITION", "克什克腾旗教育局") in facts_of(ex)


def test_coordinated_people_hold_position_at_the_institution_before_not_after(extract_text):
    ex = extract_text(TEAM)
    held = facts_of(ex, "HOLDS_POSITION")
    assert ("张俊昌", "HOLDS_POSITION", "呼和浩特市第一医院") in held
    assert ("夏龙", "HOLDS_POSITION", "呼和浩特市第一医院") in held
    assert not any(o in ("中山大学", "南方医科大学", "广州医科大学", "呼和浩特市卫生健康委员会") for _, _, o in held)


def test_no_position_without_a_person(extract_text):
    assert facts_of(extract_text(EXAM), "HOLDS_POSITION") == set()


# ---------------------------------------------------------------------------- IN_INDUSTRY

def test_region_then_industry(extract_text):
    ex = extract_text(CLUSTERS)
    got = rules_of(ex, "IN_INDUSTRY")
    assert {("呼和浩特市", "乳制品", "region-industry"), ("包头市", "稀土新材料", "region-industry"),
            ("鄂尔多斯市", "现代煤化工", "region-industry")} <= got


def test_region_is_only_in_the_industry_next_to_it(extract_text):
    ex = extract_text(CLUSTERS)
    got = facts_of(ex, "IN_INDUSTRY")
    assert ("呼和浩特市", "IN_INDUSTRY", "稀土新材料") not in got
    assert ("包头市", "IN_INDUSTRY", "乳制品") not in got
    assert ("鄂尔多斯市", "IN_INDUSTRY", "稀土新材料") not in got


def test_field_of_a_company(extract_text):
    ex = extract_text(HESHENG)
    assert (TIANJIN, "母乳低聚糖", "field-of") in rules_of(ex, "IN_INDUSTRY")


def test_facts_name_only_mentions_of_their_own_sentence(extract_text):
    # except the place the article is about, which rules about the whole article read
    ex = extract_text(TEAM)
    assert ex.facts
    for f in ex.facts:
        if f.rule in ("fields-of-topic-place", "project-in-topic-place", "head-of-government"):
            continue
        for m in (f.subject, f.object):
            if not m.coref:
                assert f.sentence.start <= m.start and m.end <= f.sentence.end, (f.predicate, m.text)


# ------------------------------------------------------------------ anaphora as subjects

def test_bare_company_opening_a_clause_is_the_article_s_company(extract_seed):
    # “…攻克了行业痛点！”公司总经理助理裴植介绍说: 公司 is the company the article is about
    ex = extract_seed("002", "裴植")
    assert ("裴植", "HOLDS_POSITION", "卧龙电驱（包头）永磁电机有限公司") in facts_of(ex, "HOLDS_POSITION")


def test_bare_company_inside_a_word_is_no_anaphor(extract_text):
    # 子公司 and 分公司 hold 公司 without standing for anything
    ex = extract_text("有序推广“管委会+公司”改革,打造一批园区管理制度改革示范区。")
    assert [m for m in ex.mentions if m.coref and m.label == "Company"] == []


def test_policy_sentence_of_a_named_region(extract_seed):
    # 包头市以稀土产业为核心突破口: a sentence about a region gives it its industries, not the province
    ex = extract_seed("002", "包头市以稀土产业为核心突破口")
    here = {(f.subject.name, f.object.name) for f in ex.facts
            if f.predicate == "IN_INDUSTRY" and "核心突破口" in f.sentence.text}
    assert ("包头市", "稀土") in here
    assert {subject for subject, _ in here} == {"包头市"}
