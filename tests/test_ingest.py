"""Ingest: reading, repair with offsets, article splitting, duplicates, sentences, bad input."""
from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from conftest import read_corpus as ingest
from kg.ingest import (SKETCH, Duplicates, SourceError, doc_names, estimated_similarity, iter_source_files,
                       read_source, shingles, similarity, sketch, split_articles, split_sentences)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
S0, S1, S2, S3, S4 = (sorted(SEEDS.glob("*.txt"))[i].name for i in range(5))
FULL = {"，": ",", "：": ":", "；": ";", "？": "?", "！": "!", "（": "(", "）": ")"}


@pytest.fixture(scope="module")
def seeds():
    articles, errors = ingest([SEEDS])
    assert errors == []
    by_doc: dict[str, list] = {}
    for a in articles:
        by_doc.setdefault(a.doc, []).append(a)
    return articles, by_doc


@pytest.fixture(scope="module")
def originals():
    return {p.name: read_source(p) for p in SEEDS.glob("*.txt")}


# ---------------------------------------------------------------- articles found in the seeds

EXPECTED_TITLES = {
    S0: ["内蒙古加快建设以先进制造业为骨干的现代化产业体系",
         "内蒙古自治区普通高等教育专升本报名首次推出“语音识别智能填报+指尖办”服务",
         "我市市场监管部门开展元宵节食品安全专项检查",
         "合生生物母乳低聚糖（HMOs）研发及生产基地项目开工",
         "呼和浩特市第一医院“人工智能+医学影像”交叉领域接连取得重要突破",
         "一条生命热线 串起万家平安",
         "城市“净”卫者：用汗水守住一方洁净",
         "政府工作报告"],
    S1: ["王彩云代表：以技术“突围”护国民“奶瓶”",
         "内蒙古加快建设以先进制造业为骨干的现代化产业体系",   # headline printed apart, matched
         "巴彦淖尔市成立农推官工作室",
         "提升青少年科学素养",
         "奈曼旗举办“春风行动”专场招聘会",
         "", "",                                                # 上接 continuations, no headline
         "智慧教室为国通语教学注入新动能",
         ""],
    S2: ["自治区领导深入各地区各部门宣讲党的二十大精神",
         "内蒙古持续推进重点路段优化提升工作",
         "鄂尔多斯综保区首票保税租赁业务落地",
         "内蒙古让银发生活更有品质",
         "以数字化转型为引擎 包头市稀土产业乘“云”直上",       # headline displaced into the body
         "探索生物奥秘",
         "“钢铁动脉”畅内外 赋能发展新跨越"],
    S3: ["全力建设区域科技创新中心 创新生态持续优化",
         "《内蒙古自治区防沙治沙条例》 将于明年1月1日起施行",
         "首府财政强化资金保障 守护群众“舌尖上的安全”",
         "两个项目获评内蒙古二星级绿色建筑标识",
         "“娜荷芽·从心出发”项目启动 为流动儿童免费提供心理支持",
         "大手牵小手 非遗载“清风”",
         "福苑社区：“五福五服”精准治理 构建“十全十美”生活圈"],
    S4: ["和林格尔人才科创中心植入“新质生产力芯片”",
         "呼和浩特市城市轨道交通2号线顺利通过正式运营前安全评估",
         "锚定目标笃行实干 夯基蓄能向新而行",
         "开启“买买买” 商圈消费热",
         "建强“四个机关” 提升履职效能",
         "喜迎新年“童”享快乐",
         "着力构建以先进制造业为骨干的首府特色现代化产业体系",
         ""],
}


@pytest.mark.parametrize("doc", sorted(EXPECTED_TITLES))
def test_seed_articles_and_titles(seeds, doc):
    _, by_doc = seeds
    assert [a.title for a in by_doc[doc]] == EXPECTED_TITLES[doc]
    assert [a.index for a in by_doc[doc]] == list(range(len(by_doc[doc])))


def test_bylines_places_dates(seeds):
    _, d = seeds
    assert (d[S2][2].place, d[S2][2].date, d[S2][2].byline) == ("鄂尔多斯", "12月27日", "记者 郝雪莲")
    assert (d[S1][4].place, d[S1][4].date) == ("通辽", "2月27日")
    assert (d[S2][0].place, d[S2][0].date) == ("", "12月27日")
    assert d[S0][0].byline == "记者 祁晓燕" and d[S0][0].date == ""
    assert d[S0][5].byline == "本报记者 张秋燕"
    assert d[S3][0].byline == "本报实习记者 赵宇昕"
    assert d[S2][5].byline == "本报记者 王磊 摄"           # photo credit
    assert d[S2][4].byline == "本报记者 刘向平 通讯员 贾婷婷"


def test_section_headings_stay_in_their_article(seeds):
    _, d = seeds
    first = d[S3][0]
    for head in ("核心指标跨越增长 创新能级显著提升", "高能级平台实现突破 战略支撑力量夯实",
                 "科技体制改革深化 创新活力充分释放"):
        assert f"\n{head}\n" in first.text                   # markdown marks gone, line kept
    assert "#" not in "".join(a.text for a in seeds[0])
    assert "加强机制建设 在内统外联中提升工作质效" in d[S4][4].text


def test_headline_not_joined_to_lead(seeds):
    _, d = seeds
    assert d[S0][0].text.startswith("内蒙古加快建设以先进制造业为骨干的现代化产业体系\n本报讯（记者 祁晓燕）")
    assert d[S0][5].text.startswith("新春走基层\n一条生命热线 串起万家平安\n●本报记者 张秋燕\n")


# ---------------------------------------------------------------- repairs and offsets


def _half(text: str) -> str:
    return "".join(FULL.get(c, c) for c in re.sub(r"\s", "", text))


def test_split_words_are_joined(seeds):
    _, d = seeds
    assert "金名信息技术股份有限公司已成功助力" in d[S2][4].text
    assert "生物制造等领域" in d[S0][0].text and "传统行业能效" in d[S0][0].text
    assert "呼和浩特市高度重视建筑领域" in d[S3][3].text
    assert "关键要把干部队伍建好" in d[S4][4].text
    # a sentence cut by headline lines printed inside it is joined over them
    assert "有条不紊地完成永磁电机" in d[S2][4].text
    assert "以数字化转型为引擎\n" not in d[S2][4].text
    assert "发酵产量提升5%" in d[S1][6].text
    # a short heading with a comma is not glued to the next paragraph
    assert "让委员履职更加精准有效\n一年来" in d[S4][6].text


def test_offsets_map_back_to_the_file(seeds, originals):
    for a in seeds[0]:
        orig = originals[a.doc]
        assert len(a.offsets) == len(a.text) + 1
        assert all(x < y for x, y in zip(a.offsets, a.offsets[1:]))
        for ch, off in zip(a.text, a.offsets):
            assert ch == orig[off] or FULL.get(ch) == orig[off], (a.key, ch, off)


def test_joined_word_span_reads_the_original(seeds, originals):
    _, d = seeds
    a = d[S2][4]
    start = a.text.index("有限公司已成功")
    s, e = a.file_span(start, start + 4)
    original = originals[S2][s:e]
    assert "\n\n" in original                                # it was split in the file
    assert re.sub(r"\s", "", original) == "有限公司"
    # every paragraph of every article reads the same in the file, minus removed whitespace
    for art in seeds[0]:
        for m in re.finditer(r"[^\n]+", art.text):
            s, e = art.file_span(m.start(), m.end())
            orig = _half(originals[art.doc][s:e])
            norm = _half(m.group())
            if "上接" not in orig and "#" not in orig and orig != norm:
                # only displaced headline lines may have been dropped from the middle
                assert art.key in (f"{S2}#4", f"{S1}#6"), art.key


def test_edition_markers_removed(seeds):
    for a in seeds[0]:
        assert not re.search(r"[上下]接第|下转第|上接第", a.text), a.key
    _, d = seeds
    assert d[S0][7].text.startswith("政府工作报告\n五年来，")
    assert d[S0][7].text.endswith("组织有了新作为。")


def test_punctuation_normalised_one_for_one():
    text = "合生远景(内蒙古)生物科技有限公司,每日9:00开放;Hello, world (v2).真的吗?好!"
    [a] = split_articles(text, "x.txt")
    assert a.text == "合生远景（内蒙古）生物科技有限公司，每日9:00开放；Hello, world (v2).真的吗？好！"
    assert a.offsets == list(range(len(text) + 1))


@pytest.mark.parametrize("text, expected", [
    ("中,,a", "中，，a"),                 # a mark after one made full-width follows it
    ("a,,中", "a,，中"),
    ("时间０:０,", "时间０:０，"),          # full-width digits still read as a time
    ("中:", "中："),
    ("((x))中", "（(x)）中"),            # the inner pair is decided first, by its own neighbours
    ("(中", "（中"), ("x)中)", "x）中）"),  # lone brackets go by their own neighbours
    ("((x)中", "（（x）中"),
])
def test_punctuation_cases(text, expected):
    [a] = split_articles(text, "x.txt")
    assert a.text == expected


@pytest.mark.parametrize("marker", ["■上接第1版", "(上接第1版)", "（上接第二版）", "【上接第3版】"])
def test_edition_marker_variants(marker):
    text = f"第一篇标题\n\n本报讯（记者 甲乙）正文一。\n\n另一标题\n\n{marker}正文二继续。(下转第4版)\n"
    arts = split_articles(text, "m.txt")
    assert [a.title for a in arts] == ["第一篇标题", "另一标题"]
    assert arts[1].text == "另一标题\n正文二继续。"


def test_single_article_file_title_is_first_line():
    text = "# 某某公司年产十万吨项目开工\n\n近日，某某公司在包头市开工建设项目。\n\n项目总投资2.5亿元。\n"
    [a] = split_articles(text, "one.md")
    assert a.title == "某某公司年产十万吨项目开工"
    assert a.text == "某某公司年产十万吨项目开工\n近日，某某公司在包头市开工建设项目。\n项目总投资2.5亿元。"
    assert a.offsets[0] == 2
    [b] = split_articles("近日，某某公司在包头市开工。\n\n项目总投资2.5亿元。", "two.txt")
    assert b.title == "近日，某某公司在包头市开工。"


def test_dateline_generalises():
    text = "某市新签约项目百个\n\n新华社呼和浩特3月5日电（记者 张三）记者从有关部门获悉。\n"
    [a] = split_articles(text, "x.txt")
    assert (a.place, a.date, a.byline, a.title) == ("呼和浩特", "3月5日", "记者 张三", "某市新签约项目百个")


# ---------------------------------------------------------------- duplicates


def reprints(articles) -> list[tuple[str, tuple[str, int]]]:
    """(article, the first print it reprints), as the build finds them: in (doc, index) order."""
    dups = Duplicates()
    found = ((a.key, dups.add((a.doc, a.index), sketch(a.text))) for a in sorted(articles, key=lambda a: (a.doc, a.index)))
    return [(key, first) for key, first in found if first]


def test_seed_duplicate_found_and_no_false_duplicates(seeds):
    articles, d = seeds
    assert reprints(articles) == [(f"{S1}#1", (S0, 0))]


def test_duplicate_similarity_margin(seeds):
    """Measured on the seeds: the true pair scores ~0.90 (5-gram containment), every other pair
    ≤ 0.05; the threshold 0.5 sits far from both."""
    articles, d = seeds
    sets = {a.key: shingles(a.text) for a in articles}
    true = similarity(sets[f"{S0}#0"], sets[f"{S1}#1"])
    others = [similarity(sets[x.key], sets[y.key]) for i, x in enumerate(articles)
              for y in articles[i + 1:] if {x.key, y.key} != {f"{S0}#0", f"{S1}#1"}]
    assert true > 0.85 and max(others) < 0.1


def test_sketch_estimate_keeps_the_margin(seeds):
    """Reprints are found from bounded sketches, not whole shingle sets: on the seeds the estimate
    stays within 0.15 of the exact containment for every pair, so the 0.5 threshold still
    separates the true pair from all others."""
    articles, d = seeds
    sets = {a.key: shingles(a.text) for a in articles}
    sketches = {a.key: sketch(a.text) for a in articles}
    assert all(len(s.hashes) <= SKETCH for s in sketches.values())
    for i, x in enumerate(articles):
        for y in articles[i + 1:]:
            exact = similarity(sets[x.key], sets[y.key])
            estimate = estimated_similarity(sketches[x.key], sketches[y.key])
            assert abs(exact - estimate) < 0.15, (x.key, y.key, exact, estimate)
            assert (estimate >= 0.5) == ({x.key, y.key} == {f"{S0}#0", f"{S1}#1"})


def test_a_cut_reprint_is_still_a_duplicate(seeds):
    """A reprint that keeps only the first half of a long article is found, through the index."""
    articles, d = seeds
    long = max(articles, key=lambda a: len(a.text))
    half = long.text[:len(long.text) // 2]
    assert sketch(long.text).sampled > SKETCH          # the estimated path, not the exact one
    dups = Duplicates()
    assert dups.add(("a.txt", 0), sketch(long.text)) is None
    assert dups.add(("b.txt", 0), sketch(half)) == ("a.txt", 0)
    assert dups.add(("c.txt", 0), sketch(articles[0].text if articles[0] is not long else articles[1].text)) is None


def test_reprints_do_not_depend_on_the_order_files_are_listed_in(seeds):
    shuffled = list(seeds[0])
    random.Random(7).shuffle(shuffled)
    assert reprints(shuffled) == [(f"{S1}#1", (S0, 0))]


# ---------------------------------------------------------------- sentences


def test_split_sentences(seeds):
    _, d = seeds
    a = d[S0][6]
    sents = split_sentences(a)
    assert all(a.text[s.start:s.end] == s.text for s in sents)
    assert sents[0].text == "城市“净”卫者：用汗水守住一方洁净"
    assert sents[2].text == "“外面越热闹，咱站里越得净。”"         # closing quote stays
    assert all("\n" not in s.text for s in sents)
    assert any(s.text.endswith("值了！”") for s in sents)


def _sentences_by_character(text: str) -> list[tuple[int, int]]:
    """The sentence rule spelled out one character at a time (the reference for the regex)."""
    ends, closers, ws = "。！？；!?;", "”’」』）)》】\"'", " \t\r\f\v\u3000\xa0\ufeff"
    spans, start, i = [], 0, 0

    def emit(s: int, e: int) -> None:
        while s < e and text[s] in ws:
            s += 1
        while e > s and text[e - 1] in ws:
            e -= 1
        if s < e:
            spans.append((s, e))

    while i < len(text):
        if text[i] == "\n":
            emit(start, i)
            start = i + 1
        elif text[i] in ends:
            j = i + 1
            while j < len(text) and (text[j] in ends or text[j] in closers):
                j += 1
            emit(start, j)
            start = i = j
            continue
        i += 1
    emit(start, len(text))
    return spans


def test_split_sentences_follows_the_character_rule():
    rng = random.Random(7)
    alphabet = "中文字。！？；!?;”’」』）)》】\"'\n \t\u3000ab"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        a = split_articles("标题\n\n正文。", "x.txt")[0]
        a.text = text
        got = split_sentences(a)
        assert [(s.start, s.end) for s in got] == _sentences_by_character(text), repr(text)
        assert all(s.text == text[s.start:s.end] for s in got)


def test_sketch_samples_the_shingles_at_anchor_characters():
    """The sampled 5-grams are those starting at a character whose code point is a multiple
    of 4, hashed with CRC-32 (any character, astral ones included)."""
    import zlib
    rng = random.Random(3)
    alphabet = "内蒙古自治区呼和浩特市abcXYZ0123４５\U00020000\U00020001\U00020004é，。 \n_"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        s = re.sub(r"[\W_]+", "", text)
        want = {zlib.crc32(s[i:i + 5].encode()) for i in range(len(s) - 4) if ord(s[i]) % 4 == 0}
        sk = sketch(text)
        assert (sk.shingles, sk.sampled, sk.hashes) == (max(0, len(s) - 4), len(want),
                                                        tuple(sorted(want)[:SKETCH]))


# ---------------------------------------------------------------- reading and bad input


def test_gbk_copy_gives_the_same_articles(tmp_path):
    src = SEEDS / S0
    gbk = tmp_path / "gbk" / S0
    gbk.parent.mkdir()
    gbk.write_bytes(src.read_text(encoding="utf-8").encode("gbk"))
    assert read_source(gbk) == read_source(src)
    a = split_articles(read_source(gbk), S0)
    b = split_articles(read_source(src), S0)
    assert [(x.text, x.offsets, x.title) for x in a] == [(x.text, x.offsets, x.title) for x in b]


def test_utf8_bom_is_dropped_and_offsets_count_after_it(tmp_path):
    src = SEEDS / S3
    bom = tmp_path / S3
    bom.write_bytes(b"\xef\xbb\xbf" + src.read_bytes())
    text = read_source(bom)
    assert not text.startswith("\ufeff") and text == read_source(src)
    a, b = split_articles(text, S3), split_articles(read_source(src), S3)
    assert [x.offsets for x in a] == [x.offsets for x in b]


@pytest.mark.parametrize("content,reason", [
    (b"", "empty"),
    (b"  \n\n\t \r\n", "whitespace"),
    ("\u3000\u3000\n".encode("utf-8"), "whitespace"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    (bytes(range(1, 32)) * 20 + "中文".encode("utf-8"), "garbage"),
    (bytes(range(0x81, 0xFF)) * 5, "garbage"),
])
def test_bad_files_raise_source_error(tmp_path, content, reason):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(SourceError) as e:
        read_source(p)
    assert reason in e.value.reason and str(p) in str(e.value)


def test_vanished_file(tmp_path):
    p = tmp_path / "gone.txt"
    p.write_text("标题\n\n正文。", encoding="utf-8")
    files = iter_source_files([tmp_path])
    p.unlink()
    with pytest.raises(SourceError, match="gone.txt.*not found"):
        read_source(files[0])


def test_unreadable_file(tmp_path):
    p = tmp_path / "locked.txt"
    p.write_text("标题\n\n正文。", encoding="utf-8")
    p.chmod(0)
    try:
        if os.geteuid() == 0:
            # root reads anything: drop the capabilities that let it (as CI runs as root)
            import subprocess
            import sys

            code = ("import sys\nfrom kg.ingest import read_source, SourceError\n"
                    "try:\n    read_source(sys.argv[1])\nexcept SourceError as e:\n    print(e)\n")
            run = subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--",
                                  sys.executable, "-c", code, str(p)], capture_output=True, text=True)
            assert run.returncode == 0, run.stderr
            assert "locked.txt" in run.stdout and "permission" in run.stdout
        else:
            with pytest.raises(SourceError, match="locked.txt.*permission"):
                read_source(p)
    finally:
        p.chmod(0o644)


def test_folder_without_article_files(tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "notes.json").write_text("{}", encoding="utf-8")
    assert iter_source_files([tmp_path]) == []
    assert ingest([tmp_path]) == ([], [])


def test_bad_files_are_reported_and_skipped(tmp_path):
    (tmp_path / "a_empty.txt").write_bytes(b"")
    (tmp_path / "b_binary.md").write_bytes(b"\x00\x01\x02")
    (tmp_path / S4).write_bytes((SEEDS / S4).read_bytes())
    articles, errors = ingest([tmp_path])
    assert [Path(e.path).name for e in errors] == ["a_empty.txt", "b_binary.md"]
    assert len(articles) == 8 and {a.doc for a in articles} == {S4}


def test_iter_source_files_sorted_and_filtered(tmp_path):
    for rel in ("b/2.txt", "a/1.md", "a/3.TXT", "a/skip.csv", ".hidden/x.txt", "c.txt"):
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("标题", encoding="utf-8")
    got = [f.relative_to(tmp_path).as_posix() for f in iter_source_files([tmp_path / "c.txt", tmp_path])]
    assert got == ["a/1.md", "a/3.TXT", "b/2.txt", "c.txt"]


def test_doc_names_disambiguate_shared_base_names(tmp_path):
    files = [tmp_path / "x" / "p.txt", tmp_path / "y" / "p.txt", tmp_path / "y" / "q.txt"]
    names = doc_names(files)
    assert [names[f] for f in files] == ["x/p.txt", "y/p.txt", "q.txt"]
    assert doc_names(list(reversed(files))) == names


def test_crlf_and_indented_pages_split_the_same():
    """Other papers' dumps: CRLF line ends, one line per paragraph with full-width indents."""
    text = read_source(SEEDS / S2)
    base = [(a.title, a.text) for a in split_articles(text, S2)]
    assert [(a.title, a.text) for a in split_articles(text.replace("\n", "\r\n"), S2)] == base
    indented = re.sub(r"\n\n(?=[^\n#])", "\n\u3000\u3000", text)
    assert [(a.title, a.text) for a in split_articles(indented, S2)] == base
