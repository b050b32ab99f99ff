"""Tests for kg.extract.quantities: real sentences from the seeds, synthetic edge cases, negatives."""
from pathlib import Path

import pytest

from kg.extract.quantities import Quantity, find_quantities, parse_number, property_name, quantity_props

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def one(text: str, kind: str | None = None) -> Quantity:
    """The only quantity (of `kind`) in `text`."""
    qs = [q for q in find_quantities(text) if kind is None or q.kind == kind]
    assert len(qs) == 1, qs
    return qs[0]


def texts(text: str, kind: str | None = None) -> list[str]:
    return [q.text for q in find_quantities(text) if kind is None or q.kind == kind]


# ---- real sentences from the seeds -------------------------------------------------------------

HMO = ("此次在内蒙古成立的合生远景(内蒙古)生物科技有限公司,将建设成为集HMOs研发、生产、应用于一体的"
       "综合性基地,总投资2.5亿元,占地面积68.8亩,致力于打造中")


def test_seed_investment_and_area():
    money, area = find_quantities(HMO)
    assert (money.kind, money.value, money.unit, money.text) == ("money", 250_000_000, "CNY", "2.5亿元")
    assert HMO[money.start:money.end] == "2.5亿元"
    assert property_name(money) == "investment_cny"
    assert quantity_props(money) == {"investment_cny": 250_000_000, "investment_cny_text": "2.5亿元"}
    assert (area.kind, area.value, area.unit) == ("area", 68.8, "mu")
    assert area.m2 == pytest.approx(45866.67)
    assert quantity_props(area) == {"area_m2": 45866.67, "area_m2_text": "68.8亩",
                                    "area_mu": 68.8, "area_mu_text": "68.8亩"}


def test_seed_company_investment_in_wan():
    q = one("12月24日，记者在金龙稀土新材料（包头）有限公司看到，企业投资2384万元打造的高性能稀土永磁材料智能工厂")
    assert (q.value, q.unit, property_name(q)) == (23_840_000, "CNY", "investment_cny")


def test_seed_chinese_numeral_money():
    q = one("企业投资千万元打造的“机器换人”应用项目正平稳试运行")
    assert (q.text, q.value, property_name(q)) == ("千万元", 10_000_000, "investment_cny")


def test_seed_storage_station_slash_form():
    s = ("新能源产业集群方面，重点推动包头百灵10万千瓦/40万千瓦时电网侧储能电站、兴安盟金风200万千瓦风电制绿氢"
         "示范项目（风电部分）一期25万千瓦等338个项目，前11个月累计完成投资2268.9亿元，完成率96.1%")
    qs = find_quantities(s)
    assert [(q.text, q.kind, q.value, q.unit) for q in qs] == [
        ("10万千瓦", "power", 100_000, "kW"),
        ("40万千瓦时", "energy", 400_000, "kWh"),
        ("200万千瓦", "power", 2_000_000, "kW"),
        ("25万千瓦", "power", 250_000, "kW"),
        ("2268.9亿元", "money", 226_890_000_000, "CNY"),
        ("96.1%", "percent", 96.1, "%"),
    ]
    assert [property_name(q) for q in qs] == ["capacity_kw", "capacity_kwh", "capacity_kw", "capacity_kw",
                                              "investment_cny", None]
    assert "338" not in "".join(q.text for q in qs)          # 338个项目 is a count


def test_seed_production_capacity():
    q = one("重点推动内蒙古鑫环硅能科技有限公司年产10万吨颗粒硅、中芯年产15万片半导体用大尺寸CVD单晶金刚石散热片等")
    assert (q.text, q.value, q.unit, q.per_year) == ("10万吨", 100_000, "t", True)
    assert quantity_props(q) == {"capacity_t_per_year": 100_000, "capacity_t_per_year_text": "10万吨"}


def test_seed_production_line_and_order_of_magnitude():
    s = ("在产能规划方面,计划于2026年6月建成年产20吨的产业化研发及生产示范线,2029年前实现千吨级产能全面达产,"
         "形成规模化、集约化的核心生产产能")
    q = one(s)                                               # not 千吨级, not the dates
    assert (q.text, q.value, property_name(q)) == ("20吨", 20, "capacity_t_per_year")


def test_seed_installed_capacity_and_electricity():
    assert one("截至目前,内蒙古已获批6个“沙戈荒”大型风电光伏基地,规划新能源总装机7200万千瓦。").value == 72_000_000
    q = one("2025年,内蒙古外送绿电达900亿度,同比增长40%以上。", "energy")
    assert (q.text, q.value, q.unit) == ("900亿度", 90_000_000_000, "kWh")
    assert property_name(q) is None                          # transmitted electricity, not a storage capacity
    pct = one("2025年,内蒙古外送绿电达900亿度,同比增长40%以上。", "percent")
    assert (pct.value, pct.approx, property_name(pct)) == (40, True, None)


def test_seed_money_without_investment_word():
    s = "技术合同成交额大幅跃升,2024年达27.41亿元,较2020年增长约1.7倍,提前完成“十四五”目标;2025年技术合同成交额已达35.9亿元"
    assert [(q.text, q.value) for q in find_quantities(s)] == [("27.41亿元", 2_741_000_000), ("35.9亿元", 3_590_000_000)]
    assert all(property_name(q) is None and quantity_props(q) == {} for q in find_quantities(s))


def test_seed_area_square_metres_approx():
    q = one("园、101公园等公共空间总面积超12万平方米,配有足球场、健身步道等全龄段设施。")
    assert (q.text, q.value, q.unit, q.m2, q.approx) == ("12万平方米", 120_000, "m2", 120_000, True)
    assert quantity_props(q)["area_m2_approx"] is True


def test_seed_negatives_counts_rankings_dates():
    s = ("建立了“科技型中小企业—高新技术企业—科技标杆企业”链式培育体系,培育科技标杆企业23家,推荐认定国家高新技术企业"
         "609家、科技型中小企业1115家,国家高新技术企业和科技型中小企业较2020年分别增长77%和332%。")
    assert texts(s) == ["77%", "332%"]                        # 23家, 609家, 1115家, 2020年 are not quantities
    assert find_quantities("呼和浩特金山国家高新技术产业开发区全国综合排名提升至108位") == []
    assert find_quantities("本报12月27日讯（记者 王皓 薛来）") == []
    assert find_quantities("据介绍,围绕落实自治区党委“1571”工作部署和全区推进高质量发展大会精神") == []
    assert find_quantities("2026年奈曼旗“春风行动”专场招聘会举行,50家企业携2200余个就业岗位现场招贤纳士。") == []


def test_seed_orders_of_magnitude_and_vague_numbers():
    assert find_quantities("打造新材料、新型化工、数字经济3大万亿级产业集群和稀土、有色、现代煤化工等9条千亿元级产业链") == []
    assert find_quantities("推动煤炭绿色智能开采,全区千万吨级以上煤矿全部实现") == []
    assert find_quantities("还将有效治理沙化土地数百万亩,实现能源转型与生态") == []
    assert find_quantities("货物周转量达3147.8亿吨公里") == []       # ton-kilometres


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_seed_files_spans_consistent(name):
    text = (SEEDS / name).read_text(encoding="utf-8")
    qs = find_quantities(text)
    assert [q.start for q in qs] == sorted(q.start for q in qs)
    for q in qs:
        assert text[q.start:q.end] == q.text
        assert q.kind in {"money", "area", "power", "energy", "mass", "percent"}
        assert not q.text.endswith(("家", "位", "日", "个"))


# ---- synthetic edge cases --------------------------------------------------------------------

@pytest.mark.parametrize("text,kind,value,unit", [
    ("1.2万亿元", "money", 1_200_000_000_000, "CNY"),
    ("3000万元", "money", 30_000_000, "CNY"),
    ("50亿元", "money", 5_000_000_000, "CNY"),
    ("1,200万元", "money", 12_000_000, "CNY"),
    ("5000万美元", "money", 50_000_000, "USD"),
    ("三千万元", "money", 30_000_000, "CNY"),
    ("十亿元", "money", 1_000_000_000, "CNY"),
    ("三点五亿元", "money", 350_000_000, "CNY"),
    ("２．５亿元", "money", 250_000_000, "CNY"),
    ("两万吨", "mass", 20_000, "t"),
    ("1.2万平方米", "area", 12_000, "m2"),
    ("150平方公里", "area", 150, "km2"),
    ("20公顷", "area", 20, "ha"),
    ("15万千瓦", "power", 150_000, "kW"),
    ("100兆瓦", "power", 100_000, "kW"),
    ("2吉瓦", "power", 2_000_000, "kW"),
    ("300MW", "power", 300_000, "kW"),
    ("1.5 GW", "power", 1_500_000, "kW"),
    ("三千瓦", "power", 3, "kW"),
    ("200MWh", "energy", 200_000, "kWh"),
    ("720亿千瓦时", "energy", 72_000_000_000, "kWh"),
    ("百分之三十", "percent", 30, "%"),
])
def test_units_and_numerals(text, kind, value, unit):
    q = one(text)
    assert (q.text, q.kind, q.value, q.unit) == (text, kind, value, unit)


def test_approx_qualifiers():
    q = one("800余万元")
    assert (q.value, q.approx) == (8_000_000, True)
    assert one("300多万元").approx and one("3万余吨").value == 30_000
    assert one("近1亿元").approx and one("总投资约5亿元").approx and one("12亿吨以上").approx
    assert not one("总投资5亿元").approx
    near = one("二氧化碳排放近亿吨")
    assert (near.value, near.approx) == (100_000_000, True)


def test_ranges_take_upper_bound():
    for text in ("3-5亿元", "3～5亿元", "三至五亿元", "3亿-5亿元"):
        q = one(text)
        assert (q.value, q.low, q.approx) == (500_000_000, 300_000_000, True), text
    q = one("酸碱消耗降低5%—7%")
    assert (q.value, q.low) == (7, 5)


def test_different_units_around_dash_are_two_quantities():
    assert texts("3亿元-5万吨") == ["3亿元", "5万吨"]


def test_electricity_du_is_conservative():
    assert find_quantities("零下20度") == []
    assert find_quantities("转动360度") == []
    assert one("年发电量1.5亿度电").value == 150_000_000


def test_per_year_suffix_and_power_energy_props():
    q = one("10万吨/年多晶硅")
    assert (q.text, q.per_year, property_name(q)) == ("10万吨/年", True, "capacity_t_per_year")
    assert property_name(one("年节约粮食20万吨")) is None          # yearly, but not a capacity
    assert property_name(one("可减少二氧化碳排放13.88万吨")) is None
    assert quantity_props(one("储能电站容量200MWh")) == {"capacity_kwh": 200_000, "capacity_kwh_text": "200MWh"}
    assert property_name(one("每年可向华东地区输送电量约720亿千瓦时")) is None
    assert property_name(one("项目出资1000万美元")) == "investment_usd"


def test_not_quantities():
    for text in ("万元GDP能耗下降", "C80重型货车", "上万吨", "5千家企业", "2026年1月1日起施行", "第五场", "千家万户"):
        assert find_quantities(text) == [], text


def test_parse_number():
    assert parse_number("1,200", "万") == 12_000_000
    assert parse_number("一亿二千万") == 120_000_000
    assert parse_number("十五", "万") == 150_000
    assert parse_number("一万亿") == 10**12


# ---- totals said of several things are no one entity's (issue 13, item 5) ----------------------

SEED_TOTAL = ("新能源产业集群方面，重点推动包头百灵10万千瓦/40万千瓦时电网侧储能电站、兴安盟金风200万千瓦风电"
              "制绿氢示范项目（风电部分）一期25万千瓦等338个项目，前11个月累计完成投资2268.9亿元，完成率96.1%。")


@pytest.mark.parametrize("text, total", [
    (SEED_TOTAL, "2268.9亿元"),
    ("全市共签约项目25个，总投资300亿元。", "300亿元"),
    ("集中开工项目12项，总投资86亿元。", "86亿元"),
    ("此次签约的一批项目总投资120亿元。", "120亿元"),
])
def test_a_total_of_several_projects_is_no_ones_property(text, total):
    [q] = [q for q in find_quantities(text) if q.text == total]
    assert q.shared and quantity_props(q) == {}


def test_one_entitys_quantities_still_attach():
    by_text = {q.text: quantity_props(q) for q in find_quantities(SEED_TOTAL)}
    assert by_text["10万千瓦"] == {"capacity_kw": 100000, "capacity_kw_text": "10万千瓦"}  # before the count
    assert quantity_props(find_quantities("该项目总投资2.5亿元，占地68.8亩。")[0])["investment_cny"] == 250_000_000
    assert quantity_props(find_quantities("1个项目总投资5亿元")[0])["investment_cny"] == 500_000_000
    assert quantity_props(find_quantities("某公司投资10亿元建设3条生产线")[0])["investment_cny"] == 1_000_000_000


def test_no_seed_project_is_credited_with_a_cluster_total(built):
    """The seeds' five cluster totals (2268.9, 722.1, 696.1, 137.6, 243.3亿元) are no project's."""
    totals = {226_890_000_000, 72_210_000_000, 69_610_000_000, 13_760_000_000, 24_330_000_000}
    credited = [(e["name"], e["properties"]["investment_cny"]) for e in built.entities
                if e.get("properties", {}).get("investment_cny") in totals]
    assert credited == []
