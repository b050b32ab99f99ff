"""`kg query`: library names, files and inline Cypher on the seeds' graph, output formats, and
errors as one line (the embedded store of conftest's `built`, opened per command)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.query import QueryError, display_width, format_rows, parse_params, resolve

CYPHER = Path(__file__).resolve().parent.parent / "cypher"
HESHENG = "合生远景（内蒙古）生物科技有限公司"
PARENT = "天津合生生物科技有限公司"


# ---- kg query -----------------------------------------------------------------------------------

def test_kg_query_cli(built, capsys):
    from kg.cli import main

    graph = str(built.out)
    assert main(["query", "parks_companies", "--graph", graph]) == 0
    out = capsys.readouterr().out
    assert HESHENG in out and out.rstrip().endswith("rows)")
    assert main(["query", "company_profile", "-p", f"company={HESHENG}", "--graph", graph, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert any(r["aspect"] == "parent" and r["name"] == PARENT for r in rows)
    assert main(["query", str(CYPHER / "most_connected.cypher"), "-p", "limit=2", "--graph", graph, "-f", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "entity,label,degree,id" and len(lines) == 3
    assert main(["query", "MATCH (n:Industry) RETURN count(n) AS n", "--graph", graph, "-f", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["n", str(sum(1 for e in built.entities if e["type"] == "Industry"))]
    assert main(["query", "--graph", graph]) == 0  # lists the library
    assert "parks_companies" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["query", "company_profile"], "needs --param company="),
    (["query", "no_such_query"], "no query named 'no_such_query'"),
    (["query", "most_connected", "-p", "limitt=3"], "takes no parameter $limitt"),
    (["query", "most_connected", "-p", "limit"], "name=value"),
    (["query", "MATCH (n RETURN n"], "rejected the query"),
])
def test_kg_query_errors_are_one_line(built, capsys, argv, message):
    from kg.cli import main

    assert main(argv + ["--graph", str(built.out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_kg_query_without_a_graph(tmp_path, capsys):
    from kg.cli import main

    assert main(["query", "parks_companies", "--graph", str(tmp_path)]) == 2
    assert "holds no embedded store" in capsys.readouterr().err


def test_table_aligns_wide_characters():
    text = format_rows(["名称", "n"], [["呼和浩特经济技术开发区", 3], ["ab", 12], [None, None]])
    lines = text.splitlines()
    widths = {display_width(l) for l in lines[:-1]}
    assert display_width(lines[2]) == display_width(lines[1]) and lines[3].endswith("12")
    assert lines[-1] == "(3 rows)" and len(widths) <= 3
    assert format_rows(["a"], [[["x", "y"]]], "csv") == 'a\n"[""x"", ""y""]"'


def test_parse_params():
    assert parse_params(["a=1", "b=金宇保灵", "c=1.5", "d=true", 'e="150100"', "f=[1,2]", "$g=x=y"]) == {
        "a": 1, "b": "金宇保灵", "c": 1.5, "d": True, "e": "150100", "f": [1, 2], "g": "x=y"}
    with pytest.raises(QueryError):
        parse_params(["=1"])
    assert resolve("MATCH (n) WHERE n.id = $id RETURN n.name").params == {"id": None}


def test_example_query_api_runs(built):
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in __import__("os").environ.items() if k != "NEO4J_URI"}
    proc = subprocess.run([sys.executable, str(root / "examples" / "query_api.py"), str(built.out)],
                          capture_output=True, text=True, timeout=120, cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    assert HESHENG in proc.stdout and "parks" not in proc.stderr
