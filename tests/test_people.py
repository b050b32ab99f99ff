"""People with a role (kg.extract.people.find_people) on sentences copied from the seeds."""
from __future__ import annotations

import pytest

from conftest import seed
from kg.extract.people import find_people

LIU_BIN = "天津合生生物科技有限公司董事长刘斌介绍,在基地建设方面,该公司将严格遵循国家标准,融合GMP管理规范打造高标准厂房。"
ZHAO_LIXIA = "“我们历经10余年潜心钻研牛支原体肺炎防控技术,研制出这款具有里程碑意义的疫苗。”金宇保灵总经理赵丽霞说,金牛支的问世"
TEAM = "其中,由该院张俊昌教授与夏龙教授团队牵头,联合中山大学、南方医科大学、广州医科大学等多所高校共同完成的研究成果"
BUREAU = "克什克腾旗教育局局长孙晓飞说。"
TWO_TITLES = "呼和浩特市文旅广电局党组书记、局长金磊说。"
BYLINE = "本报讯(记者 祁晓燕)2月27日,内蒙古自治区政府新闻办召开"
BYLINE_2 = "本报12月27日讯（记者 王皓 薛来）近日，自治区人大常委会党组书记、副主任张韶春"
NO_TITLE = "“外面越热闹,咱站里越得净。”这句被张俊林和工友们挂在嘴边的话,藏着鄂尔多斯西街垃圾转运站春节值守的核心密码。"
NO_TITLE_2 = "“我在转运站干了快9年了,闭着眼睛都能摸清站内每台设备的‘脾气’。”张俊林擦了把额头的汗,橙色工作服后背已浸出汗渍。"
DISCIPLINE = "2月27日，大连医科大学解剖学教授、“生命奥秘博物馆”创始人隋鸿锦为中小学生进行现场科普讲解"


def test_sentences_are_from_the_seeds():
    for prefix, sentences in (("000", (LIU_BIN, TEAM, BYLINE, NO_TITLE, NO_TITLE_2)), ("001", (ZHAO_LIXIA, BUREAU)),
                              ("002", (BYLINE_2,)), ("004", (TWO_TITLES,))):
        text = seed(prefix).read_text("utf-8")
        for s in sentences:
            assert s in text, s
    assert DISCIPLINE in seed("001").read_text("utf-8").replace(",", "，")


def people(text: str) -> dict[str, str]:
    found = find_people(text)
    for p in found:
        assert text[p.start:p.end] == p.text and p.label == "Person"
        assert text[p.title_start:p.title_end] == p.title
    return {p.text: p.title for p in found}


def test_title_then_name():
    assert people(LIU_BIN) == {"刘斌": "董事长"}


def test_title_then_name_before_reporting_verb():
    assert people(ZHAO_LIXIA) == {"赵丽霞": "总经理"}


def test_name_then_title_coordinated_pair():
    assert people(TEAM) == {"张俊昌": "教授", "夏龙": "教授"}


def test_title_of_a_bureau_head():
    assert people(BUREAU) == {"孙晓飞": "局长"}


def test_second_of_two_titles_is_the_one_next_to_the_name():
    got = people(TWO_TITLES)
    assert got == {"金磊": "局长"}
    assert "党组" not in got  # 党 is a surname, but 党组书记 is a title, no person


def test_bylines_are_not_people_with_a_role():
    assert "祁晓燕" not in people(BYLINE)
    got = people(BYLINE_2)
    assert "王皓" not in got and "薛来" not in got
    assert got == {"张韶春": "副主任"}


@pytest.mark.parametrize("text", [NO_TITLE, NO_TITLE_2], ids=["和工友们", "擦了把汗"])
def test_name_without_title_is_not_a_person(text):
    assert people(text) == {}


def test_discipline_before_professor_is_not_a_name():
    text = DISCIPLINE
    got = people(text)
    assert "解剖学" not in got
    assert got.get("隋鸿锦") == "创始人"
