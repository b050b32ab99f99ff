"""The learned name tagger (kg.extract.tagger) and the relation rules on sentences of the
development articles, the tagger's training script, and `kg eval`.

The sentences are copied from the development news (../shared/eval/news/texts), which the first
test checks where that folder is present (CI has it beside the checkout).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import facts_of, seed, text_article
from kg.extract import tagger
from kg.extract.article import recognise
from kg.pipeline import build_graph_from

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "news"

XINCHANG = ("园区内有一些航母级企业,如万丰奥特集团、三花集团、新和成等均碰到过外地高层领导多次上门招商和优厚条件的诱惑,"
            "最后仍然把总部和最好的项目放在了新昌。")
XIANGCHENG = ("5月19日,中建六局党委副书记、总经理郭建军带队参加“2021苏州市相城区建设企业签约进驻仪式暨‘青苔中日工业设计村’"
              "国际竞赛成果发布活动”,活动上,郭建军代表工程局与苏州市相城区人民政府签订战略合作协议,苏州市副市长吴晓东、"
              "中建集团企划部总经理刘立新等见证签约。")
XIAMEN = "新希望六和股份有限公司此次和夏商集团签署战略合作协议,董事长刘畅对发展前景表示“长期高度看好”。"
XIANYANG = ("咸阳市委书记夏晓中,咸阳市委副书记、咸阳高新区党工委书记贾珉亮,中国石油集团工程材料研究院有限公司党委书记、"
            "执行董事刘亚旭,陕西氢能产业发展有限公司党委书记、董事长黄晔出席并见证签约。")
SITEWEI = ("公司拟与上海市浦东新区北蔡镇人民政府签署《项目合作意向书》,以子公司上海思特威实业发展有限公司(以下简称“思特威实业”)"
           "为项目实施主体,于上海市浦东新区北蔡镇投资建设“思特威全球总部园区项目”(以下简称“总部园区项目”)。")
SICHUAN = "其中,由四川发展和中国五冶投资建设的彭州市航空博览孵化园及军民融合科技中心项目计划总投资22.5亿元,预计工期两年。"
FANGYUAN = ("11月19日,芳源股份发布公告称,近日,公司全资子公司芳源循环与中拓新能源签订了《碳酸锂年度供货合同》,"
            "约定由芳源循环向中拓新能源提供不低于1万吨的电池级碳酸锂,合同履行期限为2025年1月1日至2025年12月31日。")

XIANGTAN = "10月8日上午,湘潭经开区2022年四季度重点项目集中开工暨长株潭新能源产业园开工仪式举行。"
HAERBIN = "在哈尔滨新区健康食品产业园,15栋单体楼主体结构全部封顶,正在进行砌筑工程和内部装修施工。"
QINGYUAN = "2015年11月27日,清远石角镇广清产业园迎来了第二批集中动工项目奠基仪式,"
XIAMEN_SIGNING = "厦门举行现代农业招商项目网络签约活动。福建省委常委、厦门市委书记胡昌升,市长庄稼汉见证签约活动,市委副书记陈秋雄主持。"
XIANGTAN_BODIES = "这次重点项目集中开工既是湘潭经开区贯彻落实市委、市政府决策部署"
HANGJIN = "据了解,鄂尔多斯市人民政府、杭锦旗人民政府与北京昊华能源股份有限公司签订年产60万吨煤制烯烃项目合作框架协议,总投资约160亿元。"
TAIHE = "目前园区的四家企业,大华科技、长江金属、安徽陶庄湖、奥能金属分别与理士国际、天能集团、超威集团、中船重工四家上市公司“联姻”,"
QUJING = ("近日,在云南曲靖经济开发区,德方纳米年产11万吨磷酸锰铁锂正极材料项目正式投产,亿纬锂能动力储能电池项目一期顺利开工。"
          "”曲靖亿纬锂能有限公司总经理彭爱成说。")
MINGSHUI = "中粮可口可乐饮料(济南)有限公司位于明水经济技术开发区,2005年底签约成立,2007年加入中粮可口可乐饮料有限公司。"
WUZHONG = "浙江湖州帕罗300万件羊绒衫深加工建设项目正在进行土地征收工作"
WUZHONG_BUILDING = "苏沪新材料年产9.8万吨醋酸衍生产品项目、江苏润泽年产2000吨二甲氧基甲磺酰基嘧啶项目、中集安瑞科6万立方米液化天然气应急储气调峰站及气化项目正在进行土建施工"
FEIXI = ("安徽肥西经济开发区走过了一段波澜壮阔的艰苦创业之旅。"
         "肥西县委常委、肥西经开区党工委第一书记吕戈带队到现场参加活动。")
TAIHE_VISIT = "6月11日下午,阜阳市经济和信息化局党组书记、局长高文军一行,在太和县经济和信息化局局长洪保荣、"
HONGHU = ("会上,洪湖市委副书记、市长沈先武代表洪湖市政府与武汉拓材科技有限公司、"
          "广州丰上自动化科技有限公司和苏州晟钜新材料有限公司进行现场签约。")
HUBEI = "省委副书记、省长王晓东出席签约仪式"
CHANGDIAN = "长电科技CEO郑力先生出席活动并发表讲话"
TAIYUAN = "华为矿山军团全球总部暨山西区域总部项目,总投资15亿元,落地晋源区,建设总部大楼、研发中心、全球矿山维护及运营中心和实验室等。"
ZHONGYI = "公告显示,中一陕西拟在宝鸡市金台区建设8万吨先进电子材料产业基地项目。"
XIANYANG_FIELDS = "签约项目深度契合咸阳高新区“四大优势产业”,电子显示、高端装备制造、生物医药、新材料等核心支柱产业领域项目占比达70%。"
WUZHONG_PREPARING = "浙江湖州帕罗300万件羊绒衫深加工建设项目正在进行土地征收工作、江苏鸿业年产5万吨锂电池负极材料项目公司已注册"
WEILAI = ("聚焦先进能源、先进制造等主导产业,未来科学城新引入中科联绿、易蔚新能源、前景云等10家创新企业。"
          "推动紫光、中公教育、慧聪网、中软国际等一批数字经济龙头企业相继落户。")
HERUN = "同时,园区还引进了资产管理公司、物业管理公司、工业互联网平台等服务企业,旨在为入驻企业提供全方位服务。"
HANGJIN_HOST = "鄂尔多斯市人民政府、杭锦旗人民政府与北京昊华能源股份有限公司签订年产60万吨煤制烯烃项目合作框架协议。政府副旗长王高炜主持签约仪式。"
XIANYANG_HOST = "陕西氢能产业发展有限公司党委书记、董事长黄晔出席并见证签约。副市长钟伟主持。"
WUZHONG_OWNERS = (("浙江颐高", "吴忠新经济产业园项目"), ("上海纽艾斯", "风力、光伏发电设备运营维护及制造项目"),
                  ("江苏新百超", "三维五轴激光加工机床博士工作站研发团队项目"))
XIANGTAN_CREDIT = "(湘潭日报社全媒体记者 丁白玉 实习生 张捷)"
HUBEI_TITLE = "湖北省政府与9家央企签订战略合作协议 王晓东出席"
HUBEI_FIELDS = ("初步统计,此次签约的9家央企“十四五”期间在鄂战略协议投资额超7000亿元,涉及航空产业、高端制造、现代农业、"
                "节能环保、新材料产业化、能源保障、重大基础设施等领域。")
CHANGZHOU = "校党委书记陈群、校长蒋军成、纪委书记邱正祥、副校长徐树法,晋陵投资集团有限公司董事长王伟明、总经理高轶"
JIANGNING_TITLE = "江宁经济技术开发区重大项目签约活动举行"
JIANGNING_FIELDS = ("签约项目包括腾讯智慧产业江苏总部、英飞源华东研发生产基地等,其中综合性总部类项目2个、数字经济类项目4个、"
                    "高端研发制造类项目4个、集成电路类项目4个,涵盖数字经济、自动驾驶、工业互联网、智能电网、生物医药、"
                    "集成电路等多个领域,")


def test_sentences_are_from_the_dev_articles():
    if not DEV.is_dir():
        pytest.skip("the development articles are not beside this checkout")
    text = "".join(p.read_text("utf-8") for p in sorted((DEV / "texts").glob("*.txt")))
    for s in (XINCHANG, XIANGCHENG, XIAMEN, XIANYANG, SITEWEI, SICHUAN, FANGYUAN, XIANGTAN, HAERBIN, QINGYUAN,
              XIAMEN_SIGNING, XIANGTAN_BODIES, JIANGNING_TITLE, JIANGNING_FIELDS, HANGJIN, TAIHE,
              QUJING.split("”")[1], MINGSHUI.split(",")[0], WUZHONG, WUZHONG_BUILDING,
              *FEIXI.split("。")[:2], TAIHE_VISIT, HONGHU, HUBEI, CHANGDIAN, TAIYUAN,
              "在宝鸡市金台区建设8万吨先进电子材料产业基地项目", XIANYANG_FIELDS, HUBEI_TITLE, HUBEI_FIELDS,
              CHANGZHOU, WUZHONG_PREPARING, "政府副旗长王高炜主持签约仪式", XIANYANG_HOST, XIANGTAN_CREDIT, "信息来源:广西日报",
              *(o + p for o, p in WUZHONG_OWNERS), *WEILAI.split("。")[:2], HERUN):
        assert s in text


def names_of(text: str, gazetteer) -> dict[str, str]:
    fp = recognise(text_article(text), gazetteer)
    return {m.text: m.label for m in fp.names + fp.tagged}


def test_the_models_ship_with_the_package():
    assert tagger.available()
    assert Path(tagger.model_path()).stat().st_size < 5_000_000   # "small: a few MB"


def test_companies_without_a_suffix_and_nothing_glued_on(gazetteer):
    names = names_of(XINCHANG, gazetteer)
    assert names.get("万丰奥特集团") == "Company" and names.get("三花集团") == "Company"
    assert names.get("新和成") == "Company"              # a short name with no suffix at all
    assert "如万丰奥特集团" not in names                  # 如 (for example) is not part of the name


def test_people_with_chained_titles_and_their_organisations(extract_text):
    ex = extract_text(XIANGCHENG)
    people = {m.name for m in ex.mentions if m.label == "Person"}
    assert {"郭建军", "吴晓东", "刘立新"} <= people
    assert "市长沈先武代表洪湖市政府" not in {m.name for m in ex.mentions}
    held = facts_of(ex, "HOLDS_POSITION")
    assert ("郭建军", "HOLDS_POSITION", "中建六局") in held


def test_a_chain_of_titles_gives_a_position_in_each_organisation(extract_text):
    held = facts_of(extract_text(XIANYANG), "HOLDS_POSITION")
    assert ("夏晓中", "HOLDS_POSITION", "咸阳市委") in held
    assert {("贾珉亮", "HOLDS_POSITION", "咸阳市委"), ("贾珉亮", "HOLDS_POSITION", "咸阳高新区党工委")} <= held
    assert ("黄晔", "HOLDS_POSITION", "陕西氢能产业发展有限公司") in held
    assert not any(p == "黄晔" and o != "陕西氢能产业发展有限公司" for p, _, o in held)


def test_who_develops_a_project(extract_text):
    developers = {s for s, _, o in facts_of(extract_text(SITEWEI), "DEVELOPS") if "总部园区项目" in o}
    assert developers == {"上海思特威实业发展有限公司"}          # 以子公司X为项目实施主体
    developers = {s for s, _, o in facts_of(extract_text(SICHUAN), "DEVELOPS")}
    assert {"四川发展", "中国五冶"} <= developers               # 由X和Y投资建设的Z: both


def test_cooperation_between_two_companies(extract_text):
    ex = extract_text(XIAMEN)
    coop = {frozenset((s, o)) for s, _, o in facts_of(ex, "COOPERATES_WITH")}
    assert frozenset(("新希望六和股份有限公司", "夏商集团")) in coop


def test_a_supplier_and_its_client(extract_text):
    ex = extract_text(FANGYUAN)
    names = {m.name: m.label for m in ex.mentions}
    assert names.get("芳源循环") == "Company" and names.get("中拓新能源") == "Company"
    assert ("芳源循环", "SERVES", "中拓新能源") in facts_of(ex, "SERVES")


def test_a_park_named_after_an_industry_is_in_that_industry(extract_text):
    """The guide: a park named X产业园 is IN_INDUSTRY X, without the place or park it starts with
    (湘潭's 长株潭, 哈尔滨新区); a park named after places (广清) is in no industry."""
    assert ("长株潭新能源产业园", "IN_INDUSTRY", "新能源") in facts_of(extract_text(XIANGTAN), "IN_INDUSTRY")
    assert ("哈尔滨新区健康食品产业园", "IN_INDUSTRY", "健康食品") in facts_of(extract_text(HAERBIN), "IN_INDUSTRY")
    assert not facts_of(extract_text(QINGYUAN), "IN_INDUSTRY")


def test_every_fact_is_a_relation_its_ends_allow(extract_text):
    from kg.schema import RELATION_ENDS

    for text in (XINCHANG, XIANGCHENG, XIAMEN, FANGYUAN):
        for f in extract_text(text).facts:
            subj, obj = RELATION_ENDS[f.predicate]
            assert f.subject.label in subj and f.object.label in obj, (f.subject.name, f.predicate, f.object.name)


def _train(pairs: list[str], out: Path) -> bytes:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "train_tagger.py"), *pairs, "--out", str(out)],
                   check=True, capture_output=True)
    return out.read_bytes()


def test_training_is_deterministic_and_the_model_it_writes_tags(tmp_path, gazetteer, monkeypatch):
    """The training script on a small annotated set (two of the seeds, gold made here by hand from
    their text): the same data gives the same model, and that model finds names."""
    gold = tmp_path / "gold"
    texts = tmp_path / "texts"
    gold.mkdir()
    texts.mkdir()
    for prefix, entities in (("000", [("Company", "合生远景（内蒙古）生物科技有限公司", ["合生远景"]),
                                      ("Company", "天津合生生物科技有限公司", []),
                                      ("IndustrialPark", "呼和浩特经济技术开发区", []),
                                      ("Region", "呼和浩特市", ["呼和浩特"])]),
                             ("003", [("Region", "内蒙古自治区", ["内蒙古"])])):
        path = seed(prefix)
        (texts / path.name).write_bytes(path.read_bytes())
        (gold / (path.stem + ".json")).write_text(json.dumps({
            "doc": path.name, "relations": [],
            "entities": [{"type": t, "name": n, "aliases": a} for t, n, a in entities]}, ensure_ascii=False), "utf-8")
    pair = f"{gold}:{texts}"
    first = _train([pair], tmp_path / "a.npz")
    assert first == _train([pair], tmp_path / "b.npz")
    monkeypatch.setenv("KG_TAGGER_MODEL", str(tmp_path / "a.npz"))
    found = names_of("近日,合生远景(内蒙古)生物科技有限公司在呼和浩特经济技术开发区举行开工仪式。", gazetteer)
    assert found.get("合生远景(内蒙古)生物科技有限公司") == "Company"


def _keys_and_texts(data):
    """The feature keys of `train_tagger.load`'s articles laid end to end, and the articles' texts
    (read back from the character feature)."""
    import numpy as np

    columns = [c for _, x, _ in data for c in x]
    keys = np.full((len(tagger.TEMPLATES), len(columns)), -1, dtype=np.int64)
    for j, feats in enumerate(columns):
        for f in map(lambda v: int(v, 16), feats):
            keys[f >> tagger._SHIFT, j] = f
    chars = "".join(map(chr, (keys[tagger.TEMPLATES.index("c")] & 0x1FFFFF).tolist()))
    texts, at = [], 0
    for _, x, _ in data:
        texts.append(chars[at:at + len(x)])
        at += len(x)
    return keys, texts


def _articles():
    sys.path.insert(0, str(ROOT / "scripts"))
    import train_tagger

    data = train_tagger.load([f"{ROOT.parent / 'shared' / 'eval' / 'gold'}:{ROOT / 'seeds'}"], set())
    if DEV.is_dir():
        data += train_tagger.load([f"{DEV / 'gold'}:{DEV / 'texts'}"], set())
    return train_tagger, data


def test_the_numpy_decoder_gives_crfsuites_labels(tmp_path):
    """The tagger decodes with its own numpy Viterbi; CRFsuite, which trains the model, must agree
    on every character: a model trained on the seed gold and converted, every article of the
    seeds and of the dev articles decoded by both."""
    import pycrfsuite

    train_tagger, data = _articles()
    seeds_only = [d for d in data if not d[0].startswith("d")] if DEV.is_dir() else data
    train_tagger.train_crfsuite(seeds_only, str(tmp_path / "m.crfsuite"))
    tagger.convert(str(tmp_path / "m.crfsuite"), str(tmp_path / "m.npz"))
    reference = pycrfsuite.Tagger()
    reference.open(str(tmp_path / "m.crfsuite"))
    expected = [y for _, x, _ in data for y in reference.tag(x)]
    keys, texts = _keys_and_texts(data)
    got = tagger.Model.load(str(tmp_path / "m.npz")).tag(keys, tagger.Clauses.whole(list(map(len, texts))))
    assert len(got) > 60_000 and got == expected
    assert set(expected) > {"O", "B-Company", "I-Company", "B-Person"}


def test_clause_by_clause_decoding_gives_the_whole_articles_labels():
    """What the build runs: the shipped model, articles cut into clauses at 。，；\\n and decoded
    side by side, gives the labels of decoding each article whole (on the seeds and dev news)."""
    _, data = _articles()
    keys, texts = _keys_and_texts(data)
    model = tagger.Model.load(str(tagger.MODEL))
    clauses = tagger.Clauses(texts)
    assert len(clauses.starts) > 10 * len(texts)
    whole = model.tag(keys, tagger.Clauses.whole(list(map(len, texts))))
    assert model.tag(keys, clauses) == whole
    assert sum(y != "O" for y in whole) > 5_000


def test_a_damaged_model_is_named_in_the_error(tmp_path, monkeypatch):
    bad = tmp_path / "model.npz"
    bad.write_bytes(b"not a model")
    monkeypatch.setenv("KG_TAGGER_MODEL", str(bad))
    with pytest.raises(ValueError, match="model.npz: not a tagger model"):
        tagger.Model.load(tagger.model_path())


def _kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True)


def test_kg_eval_scores_a_build_against_a_users_gold(built, tmp_path):
    """A user's gold for one seed: two regions the article names and one company it does not."""
    doc = seed("000").name
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "a.json").write_text(json.dumps({"doc": doc, "entities": [
        {"type": "Region", "name": "呼和浩特市", "aliases": ["呼和浩特"]},
        {"type": "Region", "name": "内蒙古自治区", "aliases": []},
        {"type": "Company", "name": "不存在的某某有限公司", "aliases": []}],
        "relations": [{"subject": "不存在的某某有限公司", "predicate": "LOCATED_IN", "object": "呼和浩特市"}]},
        ensure_ascii=False), "utf-8")
    run = _kg("eval", str(gold), "--graph", str(built.out), "--json", "--errors", "50")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    report, errors = out["report"], out["errors"]
    assert report["entities"]["Region"]["r"] == 1.0
    assert report["entities"]["Company"]["r"] == 0.0 and report["entities"]["Company"]["gold"] == 1
    assert report["relations"]["LOCATED_IN"]["r"] == 0.0
    assert "Company\t不存在的某某有限公司" in errors["entity misses"]
    # the build's other companies of that article are false positives against this small gold
    assert report["entities"]["Company"]["predicted"] > 0 and report["entities"]["Company"]["p"] == 0.0


def test_kg_eval_names_a_bad_gold_file(built, tmp_path):
    (tmp_path / "broken.json").write_text("{\"doc\": \"x.txt\", \"entities\": [", "utf-8")
    run = _kg("eval", str(tmp_path), "--graph", str(built.out))
    assert run.returncode == 2
    assert "broken.json" in run.stderr and "not JSON" in run.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    run = _kg("eval", str(empty), "--graph", str(built.out))
    assert run.returncode == 2 and "no gold file" in run.stderr


def test_a_bare_body_is_its_articles_fuller_body_or_its_own(tmp_path):
    """市委 in an article that names 厦门市委 is that body (and no alias of it); a bare 市政府 with no
    fuller name is a node of its own article, not one every article's 市政府 joins."""
    (tmp_path / "a.txt").write_text("厦门签约\n\n" + XIAMEN_SIGNING + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("湘潭开工\n\n" + XIANGTAN_BODIES + "。\n", encoding="utf-8")
    (tmp_path / "c.txt").write_text("又一开工\n\n" + XIANGTAN_BODIES + "。\n", encoding="utf-8")
    g = build_graph_from([tmp_path])
    by_name = {}
    for n, d in g.nodes(data=True):
        by_name.setdefault(d["name"], []).append((n, d))
    [(committee, d)] = by_name["厦门市委"]
    assert d["aliases"] == [] and len(d["mentions"]) == 2
    [(person, _)] = by_name["陈秋雄"]
    assert g.has_edge(person, committee, key="HOLDS_POSITION")
    assert not [n for n, d in by_name.get("市委", []) if any(m[0] == "a.txt" for m in d["mentions"])]
    governments = by_name["市政府"]
    assert len(governments) == 2 and {m[0] for _, d in governments for m in d["mentions"]} == {"b.txt", "c.txt"}


def test_the_fields_a_list_clause_names_are_the_topic_parks(extract_text):
    """涵盖X、Y等多个领域 in a clause of its own: the park the article is about, though the sentence
    names companies before it; and an X类项目 tally is no industry of any company."""
    facts = facts_of(extract_text(JIANGNING_TITLE + "\n" + JIANGNING_FIELDS), "IN_INDUSTRY")
    park = "江宁经济技术开发区"
    assert {(park, "IN_INDUSTRY", f) for f in ("数字经济", "自动驾驶", "工业互联网", "智能电网", "生物医药", "集成电路")} <= facts
    assert all(s == park for s, _, _ in facts)


def test_every_party_listed_before_with_signs_with_the_other_side(extract_text):
    facts = facts_of(extract_text(HANGJIN), "COOPERATES_WITH")
    assert {(gov, "COOPERATES_WITH", "北京昊华能源股份有限公司") for gov in ("鄂尔多斯市人民政府", "杭锦旗人民政府")} <= facts
    assert ("鄂尔多斯市人民政府", "COOPERATES_WITH", "杭锦旗人民政府") not in facts


def test_two_equal_lists_joined_by_respectively_pair_in_order(extract_text):
    facts = facts_of(extract_text(TAIHE), "COOPERATES_WITH")
    assert facts == {("大华科技", "COOPERATES_WITH", "理士国际"), ("长江金属", "COOPERATES_WITH", "天能集团"),
                     ("安徽陶庄湖", "COOPERATES_WITH", "超威集团"), ("奥能金属", "COOPERATES_WITH", "中船重工")}


def test_a_company_named_by_another_and_a_place_is_its_subsidiary(extract_text):
    """The guide: a company named parent + unit is the parent's. 曲靖亿纬锂能有限公司 beside 亿纬锂能,
    中粮可口可乐饮料（济南）有限公司 beside 中粮可口可乐饮料有限公司; but a company written with and
    without its place (X有限公司) is one company, and no listed company is its own subsidiary."""
    facts = facts_of(extract_text(QUJING), "SUBSIDIARY_OF")
    assert ("曲靖亿纬锂能有限公司", "SUBSIDIARY_OF", "亿纬锂能") in facts
    facts = facts_of(extract_text(MINGSHUI), "SUBSIDIARY_OF")
    assert ("中粮可口可乐饮料(济南)有限公司", "SUBSIDIARY_OF", "中粮可口可乐饮料有限公司") in facts
    assert not facts_of(extract_text("内蒙古诚润能源科技有限公司成立于2019年,诚润能源科技有限公司将在当地投资。"), "SUBSIDIARY_OF")


def test_a_project_named_by_its_owner_and_its_output_is_the_owners(gazetteer):
    """江苏鸿业年产5万吨…项目: a place and a brand before the output are the owner; the output alone
    (一期年产…) or common words before it (扩建厂房, 高端新材料) make no company."""
    from kg.extract.shortnames import owner_before_output
    from kg.model import Mention
    for text, owner, project in ((WUZHONG, "浙江湖州帕罗", "300万件羊绒衫深加工建设项目"),
                                 (WUZHONG_BUILDING, "江苏润泽", "年产2000吨二甲氧基甲磺酰基嘧啶项目")):
        start = text.index(owner)
        m = Mention("Project", owner + project, start, start + len(owner + project), rule="tagger")
        company, rest = owner_before_output(m, text, gazetteer.find(text))
        assert (company.label, company.text, rest.text) == ("Company", owner, project)
    # a province read on the characters (jieba cuts 江|苏鸿业), a brand with a business descriptor
    for text, owner, project in ((WUZHONG_PREPARING, "江苏鸿业", "年产5万吨锂电池负极材料项目"),
                                 (WUZHONG_BUILDING, "苏沪新材料", "年产9.8万吨醋酸衍生产品项目")):
        start = text.index(owner)
        m = Mention("Project", owner + project, start, start + len(owner + project), rule="tagger")
        company, rest = owner_before_output(m, text, [])
        assert (company.text, rest.text) == (owner, project)
    # a brand ending in a word jieba does not know names itself; a park before the output does not
    owner, project = "中集安瑞科", "6万立方米液化天然气应急储气调峰站及气化项目"
    m = Mention("Project", owner + project, 0, len(owner + project), rule="tagger")
    company, rest = owner_before_output(m, WUZHONG_BUILDING, [])
    assert (company.text, rest.text) == (owner, project)
    text = "化工区康乃尔30万吨煤制乙二醇停建项目"
    assert owner_before_output(Mention("Project", text, 0, len(text), rule="tagger"), text, []) is None
    for text in ("一期年产5万吨锂电池负极材料项目", "扩建厂房年产5万吨锂电池负极材料项目", "高端新材料年产5万吨锂电池负极材料项目"):
        m = Mention("Project", text, 0, len(text), rule="tagger")
        assert owner_before_output(m, text, gazetteer.find(text)) is None


def test_companies_listed_before_a_kind_of_enterprise():
    """甲、乙等10家创新企业, 甲、乙等一批数字经济龙头企业: what stands between 等 and 企业 does not
    end the list; the clause's verb is no part of its first name (引入|中科联绿); a generic
    company (物业管理公司) is no name."""
    from kg.extract.shortnames import find_listed_companies
    from kg.language.tokens import Tokens
    got = [m.text for m in find_listed_companies(WEILAI, Tokens(WEILAI), [])]
    assert got == ["中科联绿", "易蔚新能源", "前景云", "紫光", "中公教育", "慧聪网", "中软国际"]
    assert not {"资产管理公司", "物业管理公司", "公司"} & {m.text for m in find_listed_companies(HERUN, Tokens(HERUN), [])}


def test_a_body_named_after_a_park_is_in_that_park_one_node_whatever_the_form(tmp_path):
    """肥西经开区党工委 is LOCATED_IN the park the article names in full (安徽肥西经济开发区): the body's
    most specific place; 肥西经开区 and 安徽肥西经济开发区 are one park node."""
    (tmp_path / "a.txt").write_text("肥西签约\n\n" + FEIXI + "\n", encoding="utf-8")
    g = build_graph_from([tmp_path])
    by_name = {d["name"]: n for n, d in g.nodes(data=True)}
    park, body = by_name["安徽肥西经济开发区"], by_name["肥西经开区党工委"]
    assert g.has_edge(body, park, key="LOCATED_IN")
    assert [d["name"] for _, d in g.nodes(data=True) if d["label"] == "IndustrialPark"] == ["安徽肥西经济开发区"]


def test_a_departments_name_holds_and_and_a_title_ends_an_organisations(gazetteer):
    """经济和信息化局 is one name (和 between two fields of a department), and a name does not run
    left over a title and a person (市长沈先武代表洪湖市政府 is 洪湖市政府)."""
    from kg.extract.names import find_names
    from kg.language.tokens import Tokens
    for text, expected in ((TAIHE_VISIT, {"阜阳市经济和信息化局", "太和县经济和信息化局"}), (HONGHU, {"洪湖市委", "洪湖市政府"})):
        toks = Tokens(text)
        names, _ = find_names(text, toks, gazetteer.find(text, toks))
        assert expected <= {m.text for m in names if m.label == "Institution"}
        assert not [m.text for m in names if "市长" in m.text or "局长" in m.text]
    text = "市政府和发改委联合发文"   # two bodies joined by 和 stay two
    toks = Tokens(text)
    assert {m.text for m in find_names(text, toks, gazetteer.find(text, toks))[0]} == {"市政府", "发改委"}


def test_parties_on_the_far_side_of_with_do_not_sign_with_each_other(extract_text):
    facts = facts_of(extract_text(HONGHU), "COOPERATES_WITH")
    firms = {"武汉拓材科技有限公司", "广州丰上自动化科技有限公司", "苏州晟钜新材料有限公司"}
    assert {("洪湖市政府", "COOPERATES_WITH", f) for f in firms} <= facts
    assert not [f for f in facts if f[0] in firms and f[2] in firms]


def test_people_after_titles_of_government_and_business():
    """省长王晓东出席, CEO郑力先生, 局长洪保荣 (a surname beyond the hundred commonest), 镇长徐中秀
    (中 in a given name)."""
    from kg.extract.people import find_people
    found = {(m.text, m.title) for t in (HUBEI, CHANGDIAN, TAIHE_VISIT + "肖口镇党委副书记镇长徐中秀等陪同下")
             for m in find_people(t)}
    assert {("王晓东", "省长"), ("郑力", "CEO"), ("洪保荣", "局长"), ("徐中秀", "镇长"), ("高文军", "局长")} <= found


def test_the_companies_a_park_lists_are_in_the_park(extract_text):
    """园区内有一些航母级企业,如A、B、C: the listed companies are in the park the article is about."""
    facts = facts_of(extract_text("新昌高新园区:企业扎根的沃土\n" + XINCHANG), "LOCATED_IN")
    assert {(c, "LOCATED_IN", "新昌高新园区") for c in ("万丰奥特集团", "三花集团")} <= facts


def test_where_a_project_is_built_or_lands(extract_text):
    """在宝鸡市金台区建设…项目: built there; …项目,总投资15亿元,落地晋源区: the project the sentence
    opens with lands there; 于上海市浦东新区北蔡镇投资建设: 上海市浦东新区 is a district, no park."""
    assert ("8万吨先进电子材料产业基地项目", "LOCATED_IN", "金台区") in facts_of(extract_text(ZHONGYI), "LOCATED_IN")
    assert [f for f in facts_of(extract_text(TAIYUAN), "LOCATED_IN")
            if f[0].endswith("矿山军团全球总部暨山西区域总部项目") and f[2] == "晋源区"]
    ex = extract_text(SITEWEI)
    assert ("思特威全球总部园区项目", "LOCATED_IN", "浦东新区") in facts_of(ex, "LOCATED_IN")
    assert not [m for m in ex.mentions if m.label == "IndustrialPark"]


def test_the_industries_a_place_leads_in_and_the_fields_of_a_heading_names_place(extract_text):
    """咸阳高新区“四大优势产业”,电子显示、…: the park's; 涉及…等领域 in an article whose heading names
    湖北省 only inside 湖北省政府: the province's (能源保障, 基础设施 are no industries)."""
    facts = facts_of(extract_text(XIANYANG_FIELDS), "IN_INDUSTRY")
    assert {("咸阳高新区", "IN_INDUSTRY", i) for i in ("电子显示", "高端装备制造", "生物医药", "新材料")} <= facts
    facts = facts_of(extract_text(HUBEI_TITLE + "\n" + HUBEI_FIELDS), "IN_INDUSTRY")
    assert {("湖北省", "IN_INDUSTRY", i) for i in ("航空", "高端制造", "现代农业", "节能环保")} <= facts
    assert not [f for f in facts if f[2] in ("能源保障", "重大基础设施", "基础设施")]


def test_after_in_a_park_the_sentences_projects_are_there_not_their_builders(extract_text):
    """近日,在云南曲靖经济开发区,德方纳米年产11万吨…项目正式投产: the project is in the park; the
    company building it may be from anywhere."""
    facts = facts_of(extract_text(QUJING.split("”")[0]), "LOCATED_IN")
    assert [f for f in facts if f[0].endswith("磷酸锰铁锂正极材料项目") and f[2] == "云南曲靖经济开发区"]
    assert not [f for f in facts if f[0] in ("德方纳米", "亿纬锂能")]


def test_companies_listed_for_projects_that_land_are_where_the_article_is(extract_text):
    """…并集体为牧童实业、恩科科技、翔达交通、泛瑞磁电等12个项目落地奠基: four companies (their names
    end like companies'), in the park the article is about."""
    ex = extract_text(QINGYUAN + "并集体为牧童实业、恩科科技、翔达交通、泛瑞磁电等12个项目落地奠基;")
    firms = ("牧童实业", "恩科科技", "翔达交通", "泛瑞磁电")
    assert set(firms) <= {m.text for m in ex.mentions if m.label == "Company"}
    assert {(f, "LOCATED_IN", "广清产业园") for f in firms} <= facts_of(ex, "LOCATED_IN")


def test_a_title_only_one_kind_of_body_has_goes_to_the_articles_body_of_that_kind(extract_text):
    """校长蒋军成 in an article naming 常州大学 (and one of its schools): the university's; 纪委书记
    says no kind of body, so it gets none here."""
    ex = extract_text("常州大学与晋陵投资集团签约,常州大学环境与安全工程学院参加。" + CHANGZHOU + "等出席签约仪式。")
    facts = facts_of(ex, "HOLDS_POSITION")
    assert {(p, "HOLDS_POSITION", "常州大学") for p in ("陈群", "蒋军成", "徐树法")} <= facts
    assert not [f for f in facts if f[0] == "邱正祥"]


def test_given_names_that_are_words_are_names_after_a_title():
    """总经理郭建军带队, 总经理刘立新等 (建军 and 立新 are dictionary words); a verb is no given name
    (局长王表示，)."""
    from kg.extract.people import find_people
    found = {(m.text, m.title) for m in find_people(XIANGCHENG + "局长王表示，要加快。")}
    assert {("郭建军", "总经理"), ("刘立新", "总经理"), ("吴晓东", "副市长")} <= found
    assert not [p for p, _ in found if p.startswith("王")]


def test_a_head_of_government_is_a_person_only_with_the_government_named(extract_text):
    """政府副旗长王高炜 holds a position in the 旗's government the article names; 副市长钟伟, in an
    article naming no 市政府, holds none, and the guide keeps no Person without a position."""
    ex = extract_text(HANGJIN_HOST)
    assert ("王高炜", "HOLDS_POSITION", "杭锦旗人民政府") in facts_of(ex, "HOLDS_POSITION")
    ex = extract_text(XIANYANG_HOST)
    people = {m.text for m in ex.mentions if m.label == "Person"}
    assert "黄晔" in people and "钟伟" not in people


def test_a_project_opening_with_a_place_and_a_brand_is_the_brands(gazetteer):
    """浙江甲乙吴忠新经济产业园项目, 上海丙丁风力…项目: a province or city, then a word jieba does not
    know, open the name of the company whose project it is; a place alone (河北雄安新区…), a
    county's (文昌甲乙…: named after its place) or a joint venture's name (甲乙-丙丁…) opens none."""
    from kg.extract.shortnames import owner_before_product
    from kg.model import Mention
    for owner, project in WUZHONG_OWNERS:
        text = owner + project
        m = Mention("Project", text, 0, len(text), rule="tagger")
        company, rest = owner_before_product(m, gazetteer.find(text))
        assert (company.text, rest.text) == (owner, project)
    for text in ("河北雄安新区建设项目", "厦门百利-龙程海洋科技孵化园项目", "文昌鲲诚现代海水养殖创新产业园项目"):
        m = Mention("Project", text, 0, len(text), rule="tagger")
        regions = gazetteer.find(text + "。文昌市")   # (the county named in full makes 文昌 count)
        assert owner_before_product(m, [r for r in regions if r.end <= len(text)]) is None


def test_an_outlet_in_a_credit_or_source_line_is_no_mention(extract_text):
    """（甲日报社全媒体记者 …）, 信息来源:乙日报: the outlet does not act in the article (the guide);
    the same outlet in the body does."""
    ex = extract_text("10月8日上午,湘潭经开区重点项目集中开工。\n" + XIANGTAN_CREDIT + "\n信息来源:广西日报\n")
    assert not [m.text for m in ex.mentions if "日报" in m.text]
    ex = extract_text("湘潭日报社与湘潭经开区签订战略合作协议。")
    assert "湘潭日报社" in {m.text for m in ex.mentions}


def test_no_region_inside_an_outlet_or_named_like_another_citys_county(extract_text):
    """来源:河北新闻网 and 河南日报讯 name no province (the guide: a name only inside a longer one);
    苏州古城区 is an area of 苏州, not the county 古城区 of another city."""
    text = "西衔太湖,北接无锡和常熟,南临苏州古城区、工业园区和高新区"
    assert text in "".join(p.read_text("utf-8") for p in sorted((DEV / "texts").glob("*.txt")))
    regions = {m.name for m in extract_text(text).mentions if m.label == "Region"}
    assert "苏州市" in regions and "古城区" not in regions
    regions = {m.name for m in extract_text("河南日报讯:7月12日上午,漯河市79个大项目集中开工。").mentions
               if m.label == "Region"}
    assert regions == {"漯河市"}


def test_firms_listed_as_of_an_industry_are_in_it(extract_text):
    """甲、乙、丙等一批数字经济龙头企业: each listed company IN_INDUSTRY 数字经济."""
    text = WEILAI.split("。")[1] + "。"
    facts = facts_of(extract_text(text), "IN_INDUSTRY")
    assert {(c, "IN_INDUSTRY", "数字经济") for c in ("紫光", "中公教育", "慧聪网", "中软国际")} <= facts


def test_listed_projects_are_where_they_start(extract_text):
    """甲项目、乙项目等11个项目在丙县集中开工: each listed project LOCATED_IN 丙县."""
    text = "7月12日上午,舞莲面粉20万吨小麦深加工智能化改造项目、维森生物医药生物保健品项目等11个项目在舞阳县集中开工"
    assert text in "".join(p.read_text("utf-8") for p in sorted((DEV / "texts").glob("*.txt")))
    located = {(a, b) for a, _, b in facts_of(extract_text(text), "LOCATED_IN")}
    assert ("维森生物医药生物保健品项目", "舞阳县") in located


def test_the_manager_of_a_park_or_project_is_no_person(extract_text):
    """甲物流园总经理乙丙丁说: a park is no organisation, and the guide keeps people with a position in
    one; 甲公司总经理 is."""
    text = "兰西哈达农产品国际物流园总经理张文超说,物流园会把国内以及俄罗斯远东深海海鲜集中到兰西物流园进行加工、仓储"
    assert text in "".join(p.read_text("utf-8") for p in sorted((DEV / "texts").glob("*.txt")))
    assert not [m for m in extract_text(text).mentions if m.label == "Person"]
    assert [m.text for m in extract_text(XIANYANG_HOST).mentions if m.label == "Person"] == ["黄晔"]


def test_a_chain_of_titles_does_not_reach_past_another_person_with_a_body_of_its_own(extract_text):
    """甲局副局长张三、乙局局长李四: 李四 holds no position in 甲局; 甲公司董事长张三、纪委书记李四: the
    officers listed after the company's chairman are the company's."""
    dev = "".join(p.read_text("utf-8") for p in sorted((DEV / "texts").glob("*.txt")))
    officials = "市政府副秘书长周青、市经济信息委副主任杨正华、市生态环境局副局长陈卫、市能源局局长王祖勋出席。"
    officers = "晋陵投资集团有限公司董事长王伟明、总经理高轶、纪委书记周峰、副总经理杨自强、戚科骏等出席签约仪式。"
    assert officials in dev and officers in dev
    held = facts_of(extract_text(officials), "HOLDS_POSITION")
    assert ("王祖勋", "HOLDS_POSITION", "市能源局") in held and ("王祖勋", "HOLDS_POSITION", "市生态环境局") not in held
    held = facts_of(extract_text(officers), "HOLDS_POSITION")
    assert ("周峰", "HOLDS_POSITION", "晋陵投资集团有限公司") in held


def test_a_brand_before_a_place_in_a_projects_name_is_its_owner(gazetteer):
    """甲乙太原旗舰康养社区项目, 丙丁(赣州)42GWh动力电池项目: the brand before the place the name holds
    is the owner (a bracketed place goes with it); 甲乙（丙市）数据中心 keeps its brand (a bare facility
    type names no project alone), and a verb before a place is no brand."""
    from kg.extract.shortnames import owner_before_place
    from kg.model import Mention
    dev = "".join(p.read_text("utf-8") for p in sorted((DEV / "texts").glob("*.txt")))

    def split(text):
        regions = [r for r in gazetteer.find(text) if r.label == "Region" and r.start > 0]
        got = owner_before_place(Mention("Project", text, 0, len(text), rule="tagger"), regions)
        return got and (got[0].text, got[1].text)

    assert "泰康太原旗舰康养社区项目" in dev and "吉利(赣州)42GWh动力电池项目" in dev
    assert split("泰康太原旗舰康养社区项目") == ("泰康", "太原旗舰康养社区项目")
    assert split("吉利(赣州)42GWh动力电池项目") == ("吉利", "42GWh动力电池项目")
    assert "悦科（乌兰察布）数据中心" in seed("002").read_text("utf-8")
    assert not split("悦科（乌兰察布）数据中心") and not split("新建太原旗舰康养社区项目")


def test_a_group_opening_a_companys_name_is_its_parent(extract_text):
    """甲乙集团工程材料研究院有限公司: 甲乙集团 is an entity and the company SUBSIDIARY_OF it; a group
    in brackets (甲（集团）有限责任公司) or registered at a place (甲集团（深圳）有限公司) is itself."""
    ex = extract_text(XIANYANG)
    assert ("中国石油集团工程材料研究院有限公司", "SUBSIDIARY_OF", "中国石油集团") in facts_of(ex, "SUBSIDIARY_OF")
    assert "中国石油集团" in {m.text for m in ex.mentions if m.label == "Company"}
    dev = "".join(p.read_text("utf-8") for p in sorted((DEV / "texts").glob("*.txt")))
    seeds = "".join(seed(k).read_text("utf-8") for k in ("000", "001", "002", "003", "004"))
    power = "内蒙古电力(集团)有限责任公司A级大数据中心、国家重点实验室和科技报告厅项目获评二星级绿色建筑标识"
    cloud = "主要有中云科技集团(深圳)有限公司投资30亿元的智能制造产业项目"
    assert power in seeds and cloud in dev
    for text in (power, cloud):
        assert not facts_of(extract_text(text), "SUBSIDIARY_OF")


def test_a_region_in_brackets_says_where_a_park_or_project_is(extract_text):
    """甲经济技术开发区(乙区)28个…项目: the park is in the region bracketed after it."""
    text = "3月23日,乌鲁木齐经济技术开发区(头屯河区)28个市级重点建设项目集中开工"
    assert text in "".join(p.read_text("utf-8") for p in sorted((DEV / "texts").glob("*.txt")))
    assert ("乌鲁木齐经济技术开发区", "LOCATED_IN", "头屯河区") in facts_of(extract_text(text), "LOCATED_IN")


def test_the_firms_a_project_is_built_by_are_companies(extract_text):
    """由甲乙和丙丁投资建设的…项目, 甲乙承建的…风电场: the builders, named bare, are companies and
    DEVELOPS the project; 自由贸易港建设 holds no 由."""
    dev = "".join(p.read_text("utf-8") for p in sorted((DEV / "texts").glob("*.txt")))
    built = "此次集中开工的项目还包括四川能投承建的美姑县风电场"
    assert built in dev
    companies = {m.text for m in extract_text(SICHUAN).mentions if m.label == "Company"}
    assert {"四川发展", "中国五冶"} <= companies
    assert ("四川发展", "DEVELOPS", "彭州市航空博览孵化园及军民融合科技中心项目") in facts_of(extract_text(SICHUAN), "DEVELOPS")
    assert "四川能投" in {m.text for m in extract_text(built).mentions if m.label == "Company"}
    assert not [m for m in extract_text("7月13日,海南自由贸易港建设项目2021年度第四批集中开工活动在全省同步举行。").mentions
                if m.label == "Company"]
