"""Queries for scripts and for `kg query`: the `cypher/` library, parameters, output formats.

    from kg.query import run_query
    cols, rows = run_query("parks_companies", graph="out")                  # a cypher/ file by name
    cols, rows = run_query("company_profile", {"company": "甲生物"}, graph="out")
    cols, rows = run_query("MATCH (n:Industry) RETURN n.name AS industry", graph="out")  # inline
    print(format_rows(cols, rows, "table"))

A query file starts with a header of `//` comment lines: what it answers, a `Parameters:` list
(`//   $name = default  what it is`; no `= default` means required) and an `Example:` call.
`kg query` fills the defaults and checks that every required parameter was given.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.store.base import StoreError, open_store

_PARAM_LINE = re.compile(r"^//\s+\$(\w+)(?:\s*=\s*(\S+))?\s*(.*)$")
_PARAM_USE = re.compile(r"\$(\w+)")
# `x.name = $p OR x.id = $p …`: $p names an entity, the node x (kg query says when there is none)
_ENTITY_MATCH = re.compile(r"\b(\w+)\.name\s*=\s*\$(\w+)\s+OR\s+\1\.id\s*=\s*\$\2\b")


class QueryError(ValueError):
    """The query or its parameters are not usable (unknown name, missing parameter…)."""


def cypher_dir() -> Path:
    """The query library: $KG_CYPHER_DIR, else `cypher/` beside the kg package (a source checkout or
    editable install), else `./cypher`."""
    env = os.environ.get("KG_CYPHER_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent / "cypher"
    return here if here.is_dir() else Path("cypher")


@dataclass
class QueryFile:
    """A Cypher query with its header: `name`, `title` (first header line), `params` (name →
    default or None when required), `example`, and `cypher` (the statement, comments removed)."""

    name: str
    cypher: str
    title: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    example: str = ""
    header: list[str] = field(default_factory=list)
    path: Path | None = None

    @classmethod
    def parse(cls, text: str, name: str = "inline", path: Path | None = None) -> "QueryFile":
        header: list[str] = []
        body: list[str] = []
        in_params = False
        q = cls(name=name, cypher="", path=path)
        for line in text.splitlines():
            s = line.strip()
            if s.startswith("//"):
                if not body:
                    header.append(s)
                    if s.lower().startswith("// parameters"):
                        in_params = True
                        continue
                    if s.lower().startswith("// example"):
                        in_params = False
                        q.example = s.split(":", 1)[1].strip() if ":" in s else ""
                        continue
                    m = _PARAM_LINE.match(s) if in_params else None
                    if m:
                        q.params[m.group(1)] = parse_value(m.group(2)) if m.group(2) else None
                        q.descriptions[m.group(1)] = m.group(3).strip()
                continue  # comment lines are not sent (not every store reads comments)
            if s:
                body.append(line.rstrip())
        q.header = header
        q.title = header[0][2:].strip() if header else ""
        q.cypher = "\n".join(body).strip().rstrip(";").strip()
        if not q.params:  # an inline query: its parameters are whatever it uses, all required
            q.params = {p: None for p in dict.fromkeys(_PARAM_USE.findall(q.cypher))}
        return q

    def used_params(self) -> list[str]:
        return list(dict.fromkeys(_PARAM_USE.findall(self.cypher)))

    def bind(self, given: dict[str, Any] | None) -> dict[str, Any]:
        """The parameters to send: defaults, overridden by `given`; QueryError if one is missing
        or unknown."""
        given = dict(given or {})
        unknown = [k for k in given if k not in self.params]
        if unknown:
            raise QueryError(f"query {self.name} takes no parameter {', '.join('$' + k for k in unknown)}"
                             + (f" (it takes {', '.join('$' + k for k in self.params)})" if self.params
                                else " (it takes none)"))
        out = {k: v for k, v in self.params.items() if v is not None}
        out.update(given)
        missing = [k for k in self.used_params() if k not in out]
        if missing:
            raise QueryError(f"query {self.name} needs " + ", ".join(f"--param {k}=…" for k in missing)
                             + (f"; e.g. {self.example}" if self.example else ""))
        empty = [k for k in self.used_params() if self.params.get(k) is None
                 and isinstance(out.get(k), str) and not out[k].strip()]
        if empty:
            k = empty[0]
            what = self.descriptions.get(k) or "a value"
            raise QueryError(f"query {self.name}: parameter ${k} is empty; it needs {what}")
        return out

    def entity_params(self) -> dict[str, list[str]]:
        """The parameters that name an entity (matched on its name, id or aliases), each with the
        labels the query allows for it ([] for any)."""
        out: dict[str, list[str]] = {}
        for var, param in _ENTITY_MATCH.findall(self.cypher):
            labels = re.findall(rf"\(\s*{var}\s*:\s*(\w+)|(?<![\[\w]){var}:(\w+)", self.cypher)
            out[param] = sorted({a or b for a, b in labels})
        return out


def missing_entities(q: QueryFile, params: dict[str, Any], store, nearest: int = 5) -> list[str]:
    """For each entity parameter of `q` (`QueryFile.entity_params`) whose value names nothing in
    the graph of `store`: a line saying so, with the `nearest` names that come closest."""
    import difflib

    lines = []
    for param, labels in q.entity_params().items():
        value = params.get(param)
        if not isinstance(value, str):
            continue
        where = "(" + " OR ".join(f"n:{label}" for label in labels) + ")" if labels else "NOT n:Document"
        _, rows = store.query(f"MATCH (n) WHERE {where} AND (n.name = $v OR n.id = $v OR $v IN n.aliases) "
                              "RETURN count(n)", {"v": value})
        if rows and rows[0][0]:
            continue
        _, rows = store.query(f"MATCH (n) WHERE {where} RETURN n.name, n.aliases", {})
        scored: dict[str, float] = {}
        for name, aliases in rows:
            for form in [name, *(aliases or [])]:
                if not isinstance(form, str) or not form:
                    continue
                score = difflib.SequenceMatcher(None, value, form).ratio()
                if value in form or form in value:
                    score += 0.5
                scored[name] = max(scored.get(name, 0.0), score)
        close = [n for n, sc in sorted(scored.items(), key=lambda x: (-x[1], len(x[0]), x[0])) if sc >= 0.5][:nearest]
        kind = " or ".join(labels) if labels else "entity"
        lines.append(f"no {kind} named {value!r} (${param}) in the graph; "
                     + (f"nearest names: {', '.join(close)}" if close else "nothing with a similar name")
                     + " (kg query find_entity --param text=… searches by part of a name)")
    return lines


def library() -> dict[str, Path]:
    """Every query file of the library by name."""
    d = cypher_dir()
    return {p.stem: p for p in sorted(d.glob("*.cypher"))} if d.is_dir() else {}


def resolve(query: str) -> QueryFile:
    """QUERY as `kg query` reads it: a .cypher file's path, a library name, or inline Cypher."""
    p = Path(query)
    if query.endswith(".cypher") or (p.suffix and p.is_file()):
        if not p.is_file():
            raise QueryError(f"no query file {query}")
        return QueryFile.parse(p.read_text("utf-8"), p.stem, p)
    lib = library()
    if query in lib:
        return QueryFile.parse(lib[query].read_text("utf-8"), query, lib[query])
    if re.fullmatch(r"[\w-]+", query):
        raise QueryError(f"no query named {query!r} in {cypher_dir()} (there are: {', '.join(lib) or 'none'})")
    return QueryFile.parse(query)


def parse_value(text: str) -> Any:
    """A --param value: integers, floats, true/false/null and JSON lists, maps and "strings" are
    typed; anything else is a string as written (so 甲生物 needs no quotes, "150100" stays text)."""
    t = text.strip()
    if re.fullmatch(r"-?\d+", t):
        return int(t)
    if re.fullmatch(r"-?\d+\.\d*(e-?\d+)?|-?\d+e-?\d+", t, re.I):
        return float(t)
    if t in ("true", "false", "null") or t[:1] in '["{':
        try:
            return json.loads(t)
        except ValueError:
            pass
    return text


def parse_params(items: list[str] | None) -> dict[str, Any]:
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        name = name.strip().lstrip("$")
        if not sep or not re.fullmatch(r"\w+", name):
            raise QueryError(f"--param takes name=value, not {item!r}")
        out[name] = parse_value(value)
    return out


def run_query(query: str | QueryFile, params: dict | None = None, *, store=None, graph=None,
              neo4j_uri=None, **store_options) -> tuple[list[str], list[list]]:
    """Run a library query (by name or path) or inline Cypher with `params`; returns (columns,
    rows). Uses `store` if given (an open Store), else opens the embedded store of `graph` or the
    Neo4j server at `neo4j_uri` for this one query."""
    q = query if isinstance(query, QueryFile) else resolve(query)
    bound = q.bind(params)
    if store is not None:
        return store.query(q.cypher, bound)
    with open_store(graph=graph, neo4j_uri=neo4j_uri, **store_options) as db:
        return db.query(q.cypher, bound)


# ---- output --------------------------------------------------------------------------------------

def display_width(s: str) -> int:
    """Terminal columns: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
               for c in s)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, list) and all(isinstance(x, (str, int, float)) and not isinstance(x, bool) for x in v):
        return "、".join(_cell(x) for x in v)
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return " ".join(str(v).split())


def _clip(s: str, width: int) -> str:
    if display_width(s) <= width:
        return s
    out, w = [], 0
    for c in s:
        cw = display_width(c)
        if w + cw > width - 1:
            break
        out.append(c)
        w += cw
    return "".join(out) + "…"


def _pad(s: str, width: int, right: bool = False) -> str:
    gap = " " * (width - display_width(s))
    return gap + s if right else s + gap


def format_rows(columns: list[str], rows: list[list], fmt: str = "table", max_width: int = 60) -> str:
    """Rows as `table` (aligned, wide characters counted as two columns, cells clipped at
    `max_width`), `json` (a list of objects) or `csv` (lists as JSON)."""
    if fmt == "json":
        return json.dumps([dict(zip(columns, r)) for r in rows], ensure_ascii=False, indent=1)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if v is None else json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict))
                        else v for v in r])
        return buf.getvalue().rstrip("\n")
    if fmt != "table":
        raise QueryError(f"unknown format {fmt!r} (table, json or csv)")
    cells = [[_clip(_cell(v), max_width) for v in r] for r in rows]
    numeric = [all(isinstance(r[i], (int, float)) and not isinstance(r[i], bool) for r in rows if r[i] is not None)
               and any(r[i] is not None for r in rows) for i in range(len(columns))]
    widths = [max([display_width(c)] + [display_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(_pad(c, w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for r in cells:
        lines.append("  ".join(_pad(c, w, numeric[i]) for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


__all__ = ["QueryError", "QueryFile", "StoreError", "cypher_dir", "format_rows", "library", "missing_entities",
           "parse_params",
           "parse_value", "resolve", "run_query"]
