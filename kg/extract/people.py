"""People with a role: a title word next to a Chinese personal name (董事长王建国, 李明教授).

Only people with a title are kept: the schema's Person is someone with a role in an organisation,
and a title is what the text gives for it. Names are a common surname and one or two characters,
bounded by the title on one side and a reporting verb, punctuation or a conjunction on the other.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from operator import attrgetter

from kg.language import lexicon as lx
from kg.language.tokens import PUNCT
from kg.model import Mention

START = attrgetter("start")   # sort keys, made once (a lambda is called per element)

_BEFORE = re.compile("|".join(sorted(lx.TITLES_BEFORE_NAME, key=len, reverse=True)))
_AFTER = re.compile("|".join(sorted(lx.TITLES_AFTER_NAME, key=len, reverse=True)))
# What may follow a name written after its title (…王建国介绍, …李明说, …张华。)
_FOLLOW = ("说", "表示", "介绍", "指出", "认为", "称", "告诉", "坦言", "强调", "透露", "谈到", "提到", "带领",
           "率领", "一行", "等", "在", "和", "与", "及", "的", "也", "就", "对", "向", "为", "同志", "先生", "女士",
           "出席", "主持", "致辞", "讲话", "参加", "见证", "会见", "调研", "代表", "宣布", "陪同", "率队", "带队",
           "发言", "分别", "一同", "共同", "亲自", "实地", "前往", "赴", "到")
# What may stand before a name written before its title (该院张三教授, 与李四教授)
_PRECEDE = ("该院", "该校", "该公司", "该中心", "该所", "与", "和", "及", "由", "、", "同", "以及", "院", "校",
            "中心", "公司", "团队", "学院", "大学", "医院", "研究所")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NOT_NAME_CHARS = set("的了是在和与及等为将对从向把被说我你他她们这那个位名家级市区县旗盟省局厅院所部委会心副组")


def _surname_len(name: str) -> int:
    if name[:2] in lx.COMPOUND_SURNAMES:
        return 2
    return 1 if name[:1] in lx.SURNAMES else 0


@lru_cache(maxsize=1 << 14)
def _valid(name: str) -> bool:
    """Whether `name` can be a personal name (memoised: the same candidates recur)."""
    n = _surname_len(name)
    given = name[n:]
    if not (n and 1 <= len(given) <= 2 and all(_CJK.match(c) for c in name)):
        return False
    if any(c in _NOT_NAME_CHARS for c in given) or given in _FORMS_OF_ADDRESS:
        return False
    # 党组, 司法: an ordinary word is not a name, though 党 and 和 are surnames; a given name may be
    # a word (张建军, 李立新: 建军 and 立新 are words) but not a verb (王表示)
    return not (_is_common_word(name) or (len(given) == 2 and _is_verb(given)) or given in _FOLLOW)


def _valid_before_a_stop(name: str) -> bool:
    """_valid, but a two-character given name may be a verb (甲自强, 乙向东) where the name stands
    between its title and a comma, 等 or a reporting verb (出席, 表示…): the name's end is sure."""
    n = _surname_len(name)
    given = name[n:]
    return _valid(name) or (n > 0 and len(given) == 2 and all(_CJK.match(c) for c in name)
                            and not any(c in _NOT_NAME_CHARS for c in given) and not _is_common_word(name)
                            and given not in _FOLLOW and given not in _FORMS_OF_ADDRESS)


def _is_verb(word: str) -> bool:
    from kg.language.tokens import _tags

    tag = _tags().get(word)
    return tag is not None and (tag.startswith("v") or tag in ("p", "c", "u", "r", "m", "q", "f", "t"))


_FORMS_OF_ADDRESS = {"先生", "女士", "老师", "同志", "师傅", "大爷", "大妈", "阿姨", "小姐", "某某", "某"}


def _is_common_word(word: str) -> bool:
    from kg.language.tokens import _tags

    tag = _tags().get(word)
    return tag is not None and not tag.startswith("nr")


def _followed(text: str, pos: int) -> bool:
    """Whether a name may end at `pos`: punctuation, a word of _FOLLOW, an adverb (都, 已…) or a
    two-character verb, adverb or preposition (充满, 迅速, 作为, 通过) follows."""
    if text[pos - 1:pos + 1] in _FORMS_OF_ADDRESS:
        return False   # 甲乙先|生出席: the name ends before 先生
    if pos >= len(text) or text[pos] in PUNCT or text.startswith(_FOLLOW, pos) or text[pos] in _ADVERBS:
        return True
    from kg.language.tokens import _tags

    two = text[pos:pos + 2]
    return len(two) == 2 and _tags().get(two, "x").startswith(("v", "ad", "d", "p"))


_ADVERBS = frozenset("都也还就又正已将曾")


def _preceded(text: str, pos: int, org_ends: set[int]) -> bool:
    return pos == 0 or text[pos - 1] in PUNCT or pos in org_ends or text.endswith(_PRECEDE, 0, pos)


_BEFORE_HERE = re.compile("(?:" + _BEFORE.pattern + ")$")


def titled(text: str, person: Mention) -> Mention:
    """A person found otherwise (by the tagger) with the title written just before the name
    (董事长王建国), in the fields find_people sets, so the position rules read it alike."""
    m = _BEFORE_HERE.search(text, max(0, person.start - 8), person.start)
    if m:
        person.title, person.title_start, person.title_end = m.group(), m.start(), m.end()
    return person


def _sharing_the_title(text: str, title: re.Match, pos: int, add) -> None:
    """副总经理甲乙丙、丁戊己等: the names listed after the first share its title."""
    while pos < len(text) and text[pos] == "、":
        for n in (3, 2):
            name = text[pos + 1:pos + 1 + n]
            after = pos + 1 + n
            if len(name) == n and _valid(name) and (text[after:after + 1] == "、" or _followed(text, after)):
                add(pos + 1, after, title.group(), title.start(), title.end(), "sharing-a-title")
                pos = after
                break
        else:
            return


def find_people(text: str, orgs: Sequence[Mention] = ()) -> list[Mention]:
    """Person mentions, with the title and where it stands, for HOLDS_POSITION."""
    org_ends = {m.end for m in orgs}
    taken: list[tuple[int, int]] = []
    found: list[Mention] = []

    def add(start, end, title, t_start, t_end, rule):
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(Mention("Person", text[start:end], start, end, rule=rule, confidence=0.85,
                             title=title, title_start=t_start, title_end=t_end))

    for m in _BEFORE.finditer(text):
        for n in (3, 2, 4):
            name = text[m.end():m.end() + n]
            after = text[m.end() + n:m.end() + n + 1]
            stop = after and (after in "、，,。；等" or text.startswith(_FOLLOW, m.end() + n))
            if len(name) == n and (_valid(name) or (n == 3 and stop and _valid_before_a_stop(name))) \
                    and _followed(text, m.end() + n):
                add(m.end(), m.end() + n, m.group(), m.start(), m.end(), "title-then-name")
                _sharing_the_title(text, m, m.end() + n, add)
                break
    for m in _AFTER.finditer(text):
        for n in (3, 2, 4):
            start = m.start() - n
            name = text[max(0, start):m.start()]
            if start >= 0 and _valid(name) and _preceded(text, start, org_ends):
                add(start, m.start(), m.group(), m.start(), m.end(), "name-then-title")
                break
    found.sort(key=START)
    return found
