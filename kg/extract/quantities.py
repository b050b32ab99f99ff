"""Quantities with units in Chinese text (2.5亿元, 68.8亩, 10万千瓦/40万千瓦时, 年产10万吨), normalised.

`find_quantities(text)` returns every money amount, area, power, energy, mass and percentage with its
character span, its value in a normalised unit and flags (`approx`, `per_year`).
`property_name(q)` and `quantity_props(q)` turn a quantity into the schema's node properties.

Normalisation (value, unit):
  money    元 → CNY, 美元 → USD, 欧元 → EUR, 港元 → HKD (万/亿 multipliers applied, no FX conversion)
  area     kept in the stated unit: mu (亩), m2, km2, ha (公顷); `Quantity.m2` gives square metres
  power    kW (兆瓦/MW ×1e3, 吉瓦/GW ×1e6)
  energy   kWh (千瓦时, 度 only as 万度/亿度 of electricity, 兆瓦时/MWh, 吉瓦时/GWh)
  mass     t (吨, 万吨 …); `per_year` when the clause says 年产, 每年, 吨/年 …
  percent  % (30% → 30), not an entity property

Ranges (3-5亿元, 5%—7%) take the upper bound as `value` and keep the lower bound in `low`.
Qualifiers 余/多 (800余万元), 约/近/超/逾… before and 以上/左右 after set `approx`; the span covers the
number and unit (and 余/多 inside them), not the qualifiers around them.
Orders of magnitude (千亿元级, 百吨级), vague numbers (数百万亩, 上万吨), dates and counts are not quantities.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Quantity", "find_quantities", "property_name", "quantity_props", "parse_number"]


@dataclass(frozen=True)
class Quantity:
    """A quantity at text[start:end]; `value` is in `unit` (see the module docstring)."""

    start: int
    end: int
    text: str
    kind: str                      # money | area | power | energy | mass | percent
    value: int | float
    unit: str                      # CNY USD EUR HKD | mu m2 km2 ha | kW | kWh | t | %
    approx: bool = False
    per_year: bool = False
    low: int | float | None = None  # lower bound of a range (same unit as value)
    context: str = ""              # the clause before the quantity (≤ 20 chars), for property_name
    shared: bool = False           # said of several things at once (338个项目…累计完成投资2268.9亿元)

    @property
    def m2(self) -> int | float | None:
        """An area in square metres (None for other kinds)."""
        if self.kind != "area":
            return None
        return _out(Decimal(str(self.value)) * _M2[self.unit])


# ---- numbers ---------------------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_MULT = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


def _cn_int(s: str) -> Decimal:
    """Parse an integer in Chinese numerals: 三千万 → 30000000, 十五 → 15, 一万亿 → 1e12."""
    total = section = number = 0
    for ch in s:
        if ch in _CN_DIGITS:
            number = number * 10 + _CN_DIGITS[ch] if number else _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (number or 1) * _CN_UNITS[ch]
            number = 0
        elif ch == "万":
            section = (section + number) * 10_000
            number = 0
        elif ch == "亿":
            total = (total + section + number) * 100_000_000
            section = number = 0
    return Decimal(total + section + number)


def parse_number(num: str, mult: str = "") -> Decimal:
    """The value of a number as written (2.5, 1,200, ５０, 三千万, 三点五) times its multiplier (万, 亿, 千万)."""
    num = num.translate(_FULLWIDTH).replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", num):
        value = Decimal(num)
    elif "点" in num:
        whole, frac = num.split("点", 1)
        tail = re.search(r"[万亿]+$", frac)
        digits = frac[: tail.start()] if tail else frac
        value = _cn_int(whole) + Decimal("0." + "".join(str(_CN_DIGITS[c]) for c in digits))
        if tail:
            mult = tail.group() + mult
    else:
        value = _cn_int(num)
    for ch in mult:
        value *= _MULT[ch]
    return value


def _out(d: Decimal) -> int | float:
    """An int when integral, else a float rounded to 2 decimals."""
    if d == d.to_integral_value():
        return int(d)
    return float(d.quantize(Decimal("0.01")))


# ---- units -----------------------------------------------------------------------------------

# surface form (lower-cased for Latin) → (kind, unit, factor to the unit)
_UNITS: dict[str, tuple[str, str, Decimal]] = {}
for _forms, _kind, _unit_name, _factor in [
    (("吉瓦时", "gwh"), "energy", "kWh", 1_000_000),
    (("兆瓦时", "mwh"), "energy", "kWh", 1000),
    (("千瓦时", "千瓦·时", "千瓦小时", "kwh", "度"), "energy", "kWh", 1),
    (("吉瓦", "gw"), "power", "kW", 1_000_000),
    (("兆瓦", "mw"), "power", "kW", 1000),
    (("千瓦", "kw"), "power", "kW", 1),
    (("平方公里", "平方千米", "km²", "km2"), "area", "km2", 1),
    (("平方米", "平米", "㎡", "m²", "m2"), "area", "m2", 1),
    (("公顷",), "area", "ha", 1),
    (("亩",), "area", "mu", 1),
    (("美元",), "money", "USD", 1),
    (("欧元",), "money", "EUR", 1),
    (("港元", "港币"), "money", "HKD", 1),
    (("元", "元人民币"), "money", "CNY", 1),
    (("吨",), "mass", "t", 1),
    (("%", "％"), "percent", "%", 1),
]:
    for _f in _forms:
        _UNITS[_f] = (_kind, _unit_name, Decimal(_factor))

_M2 = {"m2": Decimal(1), "km2": Decimal(1_000_000), "ha": Decimal(10_000), "mu": Decimal(10_000) / 15}

_UNIT_RE = r"""(?:
      (?:吉瓦时|兆瓦时|千瓦时|千瓦·时|千瓦小时)
    | \ ?(?i:gwh|mwh|kwh)(?![A-Za-z])
    | (?:吉瓦|兆瓦|千瓦)(?![时·小])
    | \ ?(?i:gw|mw|kw)(?![A-Za-z])
    | 平方公里|平方千米|平方米|平米|㎡|公顷|亩
    | \ ?(?:km²|km2|m²|m2)(?![A-Za-z0-9])
    | 美元|欧元|港元|港币|元人民币|元(?![素件器宵旦首老])
    | 吨(?!公里|千米)
    | 度
    | %|％
)(?!级)"""

_AR = r"(?:\d{1,3}(?:,\d{3})+(?![\d,])|[0-9０-９]+)(?:[.．][0-9０-９]+)?"
_CN = r"[零〇一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+[万亿]*)?"
_MULT_RE = r"(?:万亿|[百千]?[万亿]|[百千](?![瓦克米]))"
_NOT_BEFORE = r"(?<![0-9０-９.．A-Za-z数几上成好第零〇一二两三四五六七八九十百千万亿])"


def _numx(tag: str) -> str:
    """A number with its qualifiers and multiplier; group names end with `tag`."""
    return (rf"(?:(?P<ar{tag}>{_AR})(?P<q1{tag}>余|多)?(?P<m{tag}>{_MULT_RE})?"
            rf"|(?P<cn{tag}>{_CN}))(?P<q2{tag}>余|多)?")


_QUANTITY = re.compile(
    rf"{_NOT_BEFORE}(?:(?P<a>{_numx('a')})(?P<ua>{_UNIT_RE})?\s*[-—–~～－至到]\s*)?"
    rf"(?P<b>{_numx('b')})(?P<u>{_UNIT_RE})",
    re.X,
)
# What every quantity holds: a number's last character right before a unit's first (a Latin unit
# may stand a space off; (?i) as in _UNIT_RE). Most sentences hold none, and finding that out
# costs a fraction of trying _QUANTITY at every character.
_NUMBER_THEN_UNIT = re.compile(r"[\d余多零〇一二两三四五六七八九十百千万亿](?:[吉兆千平㎡公亩美欧港元吨度%％]|\ ?(?i:[gmk]))")
# Every character a _QUANTITY match can hold (a superset: numbers, separators, units)
_QUANTITY_CHAR = re.compile(r"[\d\sA-Za-z\u212a²,.．零〇一二两三四五六七八九十百千万亿点余多\-—–~～－至到"
                            r"吉兆瓦时·小平方公里米㎡顷亩美欧港元币人民吨度%％]")
_PERCENT_WORDS = re.compile(r"百分之(?P<cnb>[零〇一二两三四五六七八九十百]+(?:点[零〇一二三四五六七八九]+)?)")

_APPROX_BEFORE = re.compile(r"(?:约|近|超过|超|逾|将近|接近|大约|不到|不足|近乎)$")
_APPROX_AFTER = re.compile(r"^(?:以上|左右|上下|以下|之多)")
_PER_YEAR_BEFORE = re.compile(
    r"每年|(?<![0-9０-９])年(?:产|处理|加工|发电|供|制|节约|减|输|运输|均|消纳|吞吐|用|销|需|可|检测|生产)")
_PER_YEAR_AFTER = re.compile(r"^(?:/|每)年")
_CLAUSE_END = re.compile(r"[，,。；;！？!?：:\n]")
_SENTENCE_END = re.compile(r"[。；;！？!?\n]")
# A count of several things the sentence speaks of together (338个项目, 企业12家, 一批项目, 共签约…):
# a quantity after it is their total, or one of theirs the text does not say whose.
_COUNT = r"(?:[0-9０-９]+|[两三四五六七八九十百千万几数多]+[十百千万]?)"
_THINGS = r"(?:项目|企业|公司|园区|工程|基地|产业园|单位|家企业)"
_SEVERAL = re.compile(
    rf"{_COUNT}\s*(?:余|多)?\s*(?:个|家|项|批|座|宗)(?:[\u4e00-\u9fff]{{0,6}}?){_THINGS}"
    rf"|{_THINGS}\s*(?:共|合计|总计|累计)?\s*{_COUNT}\s*(?:余|多)?\s*(?:个|家|项|批|座|宗)"
    rf"|一批|多个|多家|多项|若干|各类|分别")
_ONE = re.compile(r"^(?:[1１]|一)\s*(?:个|家|项|座|宗)")


def _several_before(text: str, start: int) -> bool:
    """Whether the sentence before `start` counts several projects, companies, parks… (a quantity
    after such a count is not one entity's unless the text says so)."""
    cut = list(_SENTENCE_END.finditer(text, 0, start))
    sentence = text[cut[-1].end() if cut else 0:start]
    return any(not _ONE.match(m.group()) for m in _SEVERAL.finditer(sentence))


def _context(text: str, start: int) -> str:
    """The clause before `start`, at most 20 characters."""
    window = text[max(0, start - 20):start]
    cut = list(_CLAUSE_END.finditer(window))
    return window[cut[-1].end():] if cut else window


def _part(m: re.Match, tag: str) -> tuple[Decimal, bool] | None:
    """The value and approx flag of number `tag` in the match, or None when it is not a number."""
    if m.group(f"ar{tag}"):
        value = parse_number(m.group(f"ar{tag}"), m.group(f"m{tag}") or "")
        return value, bool(m.group(f"q1{tag}") or m.group(f"q2{tag}"))
    cn = m.group(f"cn{tag}")
    if not cn or not re.search(r"[零〇一二两三四五六七八九十百千点]", cn):
        return None                # bare 万/亿 (万元GDP能耗) is not a number
    return parse_number(cn), bool(m.group(f"q2{tag}"))


def _has_myriad(m: re.Match, tag: str) -> bool:
    """Whether number `tag` has a 万 or 亿 multiplier (for 度 of electricity)."""
    return bool(re.search("[万亿]", (m.group(f"m{tag}") or "") + (m.group(f"cn{tag}") or "")))


def _trailing_mult(m: re.Match, tag: str) -> str:
    """The 万/亿 multiplier closing number `tag` (亿 of 5亿, 万 of 五万)."""
    if m.group(f"ar{tag}"):
        return m.group(f"m{tag}") or ""
    tail = re.search("[万亿]+$", m.group(f"cn{tag}") or "")
    return tail.group() if tail else ""


def _make(text: str, start: int, end: int, kind: str, unit: str, value: Decimal,
          approx: bool, low: Decimal | None = None) -> Quantity:
    context = _context(text, start)
    approx = approx or bool(_APPROX_BEFORE.search(context)) or bool(_APPROX_AFTER.match(text[end:end + 2]))
    per_year = bool(_PER_YEAR_BEFORE.search(context))
    if (after := _PER_YEAR_AFTER.match(text[end:end + 4])) is not None:
        per_year, end = True, end + after.end()              # 10万吨/年: the unit is t/year
    return Quantity(start, end, text[start:end], kind, _out(value), unit, approx, per_year,
                    None if low is None else _out(low), context, _several_before(text, start))


def _unit(surface: str) -> tuple[str, str, Decimal]:
    return _UNITS[surface.strip().lower()]


def _search(text: str, pos: int) -> re.Match | None:
    """_QUANTITY.search(text, pos), started near where a match can be.

    A match holds a number right before a unit (_NUMBER_THEN_UNIT) and is made of quantity
    characters, so none starts before the run of them that reaches the next such pair: the search
    starts there instead of trying _QUANTITY at every character on the way (and, with no pair
    left, not at all).
    """
    pair = _NUMBER_THEN_UNIT.search(text, pos)
    if pair is None:
        return None
    start = pair.start()
    while start > pos and _QUANTITY_CHAR.match(text, start - 1):
        start -= 1
    return _QUANTITY.search(text, start)


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity with a unit in `text`, in order of position."""
    found: list[Quantity] = []
    pos = 0
    while (m := _search(text, pos)) is not None:
        pos = m.end()
        kind, unit, factor = _unit(m.group("u"))
        b = _part(m, "b")
        a = _part(m, "a") if m.group("a") else None
        if m.group("ua") and _unit(m.group("ua")) != (kind, unit, factor):
            # two different quantities around a dash: keep the first, rescan from the second
            if a is not None:
                ka, ua, fa = _unit(m.group("ua"))
                found.append(_make(text, m.start("a"), m.end("ua"), ka, ua, a[0] * fa, a[1]))
            pos = m.start("b")
            continue
        if b is None and re.search(r"(?:近|超|逾|约)$", text[max(0, m.start("b") - 1):m.start("b")]) and not m.group("a"):
            b = parse_number("一" + m.group("cnb")), True         # 近亿吨
        if b is None:
            continue
        if m.group("u") == "度":
            # 度 is electricity only as 万度/亿度 next to 电
            if not (_has_myriad(m, "b") and ("电" in _context(text, m.start()) or text[m.end():m.end() + 1] == "电")):
                continue
        if a is not None:
            low, value = a[0], b[0]
            if not m.group("ua") and not _has_myriad(m, "a"):
                low *= parse_number("1", _trailing_mult(m, "b"))   # 3-5亿元: 3 is 3亿
            if low > value:        # not a range: take the second number alone
                found.append(_make(text, m.start("b"), m.end(), kind, unit, value * factor, b[1]))
                continue
            found.append(_make(text, m.start(), m.end(), kind, unit, value * factor, True, low * factor))
        else:
            found.append(_make(text, m.start("b"), m.end(), kind, unit, b[0] * factor, b[1]))
    for m in _PERCENT_WORDS.finditer(text):
        found.append(_make(text, m.start(), m.end(), "percent", "%", parse_number(m.group("cnb")), False))
    return sorted(found, key=lambda q: q.start)


# ---- schema properties -----------------------------------------------------------------------

_INVESTMENT = re.compile(r"投资|出资|注资|(?<!研发)(?<!科技)投入")
_PRODUCTION = re.compile(r"产能|年产|年生产|生产能力|年处理|年加工")
_NOT_STORAGE = re.compile(r"电量|外送|发电|用电|输送|消纳|节约|节省|减少")


def property_name(q: Quantity) -> str | None:
    """The schema property a quantity gives, or None when it is not an entity property.

    money near 投资/出资/投入 → investment_cny (investment_usd …); area → area_m2; power → capacity_kw;
    energy → capacity_kwh unless it is a yearly or transmitted amount; mass → capacity_t_per_year
    when the clause states a yearly production capacity (年产, 产能); percent → None.
    """
    if q.kind == "money":
        return f"investment_{q.unit.lower()}" if _INVESTMENT.search(q.context) else None
    if q.kind == "area":
        return "area_m2"
    if q.kind == "power":
        return "capacity_kw"
    if q.kind == "energy":
        return None if q.per_year or _NOT_STORAGE.search(q.context) else "capacity_kwh"
    if q.kind == "mass":
        capacity = _PRODUCTION.search(q.context) or q.text.endswith("年")
        return "capacity_t_per_year" if q.per_year and capacity else None
    return None


def quantity_props(q: Quantity) -> dict:
    """Node properties for a quantity, each with the original text beside it.

    2.5亿元 (投资) → {"investment_cny": 250000000, "investment_cny_text": "2.5亿元"};
    68.8亩 → {"area_m2": 45866.67, "area_m2_text": "68.8亩", "area_mu": 68.8, "area_mu_text": "68.8亩"}.
    Approximate values add "<name>_approx": True. Empty when property_name(q) is None, and when the
    quantity is said of several things at once (`shared`: 338个项目…完成投资2268.9亿元 is no one
    project's investment).
    """
    name = property_name(q)
    if name is None or q.shared:
        return {}
    props: dict = {name: q.m2 if q.kind == "area" else q.value, f"{name}_text": q.text}
    if q.kind == "area" and q.unit == "mu":
        props.update({"area_mu": q.value, "area_mu_text": q.text})
    if q.approx:
        props[f"{name}_approx"] = True
    return props
