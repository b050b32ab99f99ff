"""Data flows one way: ingest → extract → resolve → graph → store/export, with the language layer
(kg/language/) below all of them. Checked on the imports each module's source makes (those inside
functions too)."""
import ast
from pathlib import Path

import pytest

KG = Path(__file__).resolve().parent.parent / "kg"


def _kg_imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        out |= {n for n in names if n == "kg" or n.startswith("kg.")}
    return out


def _modules(*parts: str) -> list[Path]:
    out = []
    for p in parts:
        path = KG / p
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return out


# module (file or package) → the kg modules it may import (prefixes)
ALLOWED = {
    "language": ("kg.language",),
    "model.py": (),
    "schema.py": (),
    "divisions.py": ("kg.schema",),
    "ingest": ("kg.ingest", "kg.language", "kg.model"),
    "gazetteer.py": ("kg.language", "kg.divisions", "kg.schema", "kg.model"),
}


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_lower_layers_import_nothing_above_them(part):
    allowed = ALLOWED[part]
    for path in _modules(part):
        bad = {m for m in _kg_imports(path)
               if not any(m == a or m.startswith(a + ".") for a in allowed)}
        assert not bad, f"{path.relative_to(KG.parent)} imports {sorted(bad)}"


def test_extract_reads_nothing_downstream():
    for path in _modules("extract"):
        bad = {m for m in _kg_imports(path)
               if m.startswith(("kg.resolve", "kg.graph", "kg.store", "kg.jsonl", "kg.rdf", "kg.pipeline",
                                "kg.passes", "kg.enrich"))}
        assert not bad, f"{path.relative_to(KG.parent)} imports {sorted(bad)}"
