"""Anaphora such as 该公司, 该院, 该区: each stands for the nearest earlier entity of a fitting label."""
from __future__ import annotations

import bisect
import re
from collections import Counter
from operator import attrgetter

from kg.extract.spans import Spans
from kg.model import Mention

END = attrgetter("end")   # a sort key, made once (a lambda is called per element)

# anaphor head → the labels it may refer to, nearest first
ANAPHORS = {
    "公司": ("Company",), "企业": ("Company",), "集团": ("Company",),
    "院": ("Institution",), "医院": ("Institution",), "中心": ("Institution",), "局": ("Institution",),
    "校": ("Institution",), "所": ("Institution",), "机构": ("Institution",), "协会": ("Institution",),
    "园区": ("IndustrialPark",), "开发区": ("IndustrialPark",), "高新区": ("IndustrialPark",),
    "区": ("IndustrialPark", "Region"), "市": ("Region",), "县": ("Region",), "旗": ("Region",),
    "项目": ("Project",), "基地": ("Project",), "工程": ("Project",),
}
CLAUSE_OPENERS = "，。；：！？\n"
# 公司 at the text's start or after one of these characters (the check stands after 公司, a
# lookbehind over it, so that the search looks for 公司 alone rather than trying every character)
BARE = re.compile(r"公司(?<![^，。；：！？\n“”]公司)(?=[将已还也正均在于与和的目今近]|董事长|总经理|副总经理|负责人|党委书记|总裁|经理|总工程师)")
PATTERN = re.compile(r"(?:该|本|此)(" + "|".join(sorted(ANAPHORS, key=len, reverse=True)) + ")")


def find_anaphora(text: str, mentions: list[Mention]) -> list[Mention]:
    """Anaphor mentions, each with `antecedent` the Mention it stands for."""
    matches = sorted([*PATTERN.finditer(text), *BARE.finditer(text)], key=lambda m: m.start())
    if not matches:
        return []
    named = sorted((m for m in mentions if not m.coref), key=END)
    # asked for every anaphor, so looked up by bisection rather than by a scan of every mention:
    # whether a name spans its position, and the names of a label that end before it (each
    # label's names, by end)
    in_name = Spans.of(named)
    of_label: dict[str, list[Mention]] = {}
    for m in named:
        of_label.setdefault(m.label, []).append(m)
    ends = {label: [m.end for m in ms] for label, ms in of_label.items()}
    found = []
    # a bare 公司 opening a clause (公司将…) is the company being talked about
    for match in matches:
        at = match.start()
        if in_name.covers(at):
            continue  # part of a name
        head = match.group(1) if match.re is PATTERN else "公司"
        labels = ANAPHORS[head]
        for label in labels:
            before = of_label.get(label, [])[:bisect.bisect_right(ends.get(label, []), at)]
            # 该院 is a 院 (医院, 研究院), not a 大学, when the article names one
            fitting = [m for m in before if m.name.endswith(head)] or before
            if fitting:
                # the last subject (a name opening its clause) it can be; else the entity the
                # article keeps talking about beats a passing mention
                subjects = [m for m in fitting if m.start == 0 or text[m.start - 1] in CLAUSE_OPENERS]
                counts = Counter(m.name for m in fitting)
                antecedent = subjects[-1] if subjects else max(reversed(fitting), key=lambda m: counts[m.name])
                found.append(Mention(label, match.group(), match.start(), match.end(), rule="anaphora",
                                     confidence=0.7, name=antecedent.name, coref=True,
                                     antecedent=antecedent))
                break
    return found
