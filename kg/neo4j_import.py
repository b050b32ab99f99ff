"""`kg export neo4j-import DIR`: the built graph as the CSV and header files of Neo4j's bulk
importer, `neo4j-admin database import full`, the way Neo4j recommends for a large first load
into a new, empty database (the server stopped; it writes the store files directly, no
transactions).

The graph is the one `kg load` makes, property for property: the rows are planned by the
loader's own code (`kg.store.statements`), so labels (a Region's level as a second label), `id`,
`name`, `aliases`, the flattened properties, the documents, MENTIONED_IN with `starts`/`ends`
and every fact with its confidence, source, rule and evidence lists are the same. Files written:

    DIR/nodes_<Label>.header.csv, DIR/nodes_<Label>.csv            one pair per label
    DIR/rels_<TYPE>.header.csv, DIR/rels_<TYPE>.csv                one pair per relationship type
    DIR/import.sh     the neo4j-admin command line for these files (run it with the server stopped)
    DIR/after-import.cypher  to run once the server is up: kg's constraints and indexes, and the
                      empty lists (aliases, a reference fact's evidence) the importer leaves out

Node ids are one ID space (`id:ID(kg)`), stored as the `id` property. Arrays (aliases, labels,
offsets, evidence) are separated by U+001F, which no text holds; fields are quoted with `"`
(doubled inside) and may span lines (`--multiline-fields=true`). A property whose values differ
in type across nodes of one label (never in kg's own graphs) takes the widest: long < double <
string.
"""
from __future__ import annotations

import csv
import os
import shlex
import sys
from collections import defaultdict
from pathlib import Path

from kg.store import statements
from kg.documents import node_properties
from kg.store.base import StoreError, read_export

ARRAY = "\x1f"
ARRAY_OPTION = "U+001F"


def _type_of(v) -> str | None:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "long"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        inner = {t for x in v if (t := _type_of(x)) is not None}
        if not inner:
            return "[]"          # empty: typed by the other rows
        return _widest(inner) + "[]"
    return None


def _widest(types: set[str]) -> str:
    for t in ("string", "double", "long", "boolean"):
        if t in types:
            if t == "long" and "boolean" in types:
                return "string"
            return t
    return "string"


def _column_types(rows: list[dict]) -> dict[str, str]:
    seen: dict[str, set[str]] = defaultdict(set)
    for props in rows:
        for k, v in props.items():
            t = _type_of(v)
            if t:
                seen[k].add(t)
    out = {}
    for k, ts in seen.items():
        arrays = {t[:-2] for t in ts if t.endswith("[]") and t != "[]"}
        if arrays or "[]" in ts:
            out[k] = (_widest(arrays) if arrays else "string") + "[]"
        else:
            out[k] = _widest(ts)
    return out


def _cell(v, typ: str) -> str | None:
    if v is None:
        return None
    if typ.endswith("[]"):
        return ARRAY.join("true" if x is True else "false" if x is False else str(x) for x in v)
    if v is True or v is False:
        return "true" if v else "false"
    return str(v)


def _header(name: str, typ: str) -> str:
    base = typ[:-2] if typ.endswith("[]") else typ
    return name + ("" if typ == "string" else f":{base}" + ("[]" if typ.endswith("[]") else ""))


def _write(folder: Path, stem: str, header: list[str], rows) -> tuple[str, str]:
    h, d = folder / f"{stem}.header.csv", folder / f"{stem}.csv"
    with open(h, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow(header)
    with open(d, "w", encoding="utf-8", newline="") as f:
        # every value quoted (an empty string stays one); an absent property is an empty field
        for row in rows:
            f.write(",".join("" if v is None else '"' + v.replace('"', '""') + '"' for v in row))
            f.write("\n")
    return h.name, d.name


def export(entities, relations, documents, folder: str | os.PathLike, database: str = "neo4j") -> dict[str, int]:
    """Write the import files of the graph (export records, as `Store.load` takes them) into
    `folder`; returns the rows written per kind."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    doc_rows, doc_id_by_file = statements._document_rows(node_properties(d) for d in documents)
    node_rows, label_of = statements._entity_rows(entities, doc_id_by_file, doc_rows)
    nodes_args, rels_args = [], []
    written = {"nodes": 0, "relationships": 0}

    def node_group(stem: str, label_cells: str, rows: list[dict], aliases: bool):
        props = [r["props"] for r in rows]
        types = _column_types(props)
        types.pop("id", None)
        keys = sorted(types)
        header = ["id:ID(kg)"] + ([_header("aliases", "string[]")] if aliases else []) \
            + [_header(k, types[k]) for k in keys] + [":LABEL"]

        def cells():
            for r in rows:
                yield ([r["id"]] + ([_cell(r["aliases"], "string[]")] if aliases else [])
                       + [_cell(r["props"].get(k), types[k]) for k in keys] + [label_cells])
        nodes_args.append(_write(folder, stem, header, cells()))
        written["nodes"] += len(rows)

    mentions: list[tuple[str, str, list, list]] = []
    for (label, extra), rows in sorted(node_rows.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        for r in rows:
            for doc_id, starts, ends in r["mentions"]:
                mentions.append((r["id"], doc_id, starts, ends))
        node_group(f"nodes_{label}" + (f"_{extra}" if extra else ""), ARRAY.join([label] + ([extra] if extra else [])),
                   rows, aliases=True)
    node_group("nodes_Document", "Document", doc_rows, aliases=False)

    header = [":START_ID(kg)", ":END_ID(kg)", "starts:long[]", "ends:long[]", ":TYPE"]
    rels_args.append(_write(folder, "rels_MENTIONED_IN", header,
                            ([s, o, _cell(st, "long[]"), _cell(en, "long[]"), statements.MENTIONED_IN]
                             for s, o, st, en in mentions)))
    written["relationships"] += len(mentions)

    by_type: dict[str, list[dict]] = defaultdict(list)
    for (s, p, o), recs in statements._group_relations(relations).items():
        if s not in label_of or o not in label_of:
            continue                       # kg load's MATCH skips facts whose ends are missing
        props, spans = statements._relation_props(recs)
        by_type[p].append({"s": s, "o": o, "props": {**props, **spans}})
    for p, rows in sorted(by_type.items()):
        statements.ident(p)
        types = _column_types([r["props"] for r in rows])
        for k in statements.EVIDENCE_LISTS:   # typed even when every list is empty (gazetteer facts)
            types.setdefault(k, "long[]" if k in ("evidence_starts", "evidence_ends") else "string[]")
            if types[k] == "string[]" and k in ("evidence_starts", "evidence_ends"):
                types[k] = "long[]"
        keys = sorted(types)
        header = [":START_ID(kg)", ":END_ID(kg)"] + [_header(k, types[k]) for k in keys] + [":TYPE"]
        rels_args.append(_write(folder, f"rels_{p}", header,
                                ([r["s"], r["o"]] + [_cell(r["props"].get(k), types[k]) for k in keys] + [p]
                                 for r in rows)))
        written["relationships"] += len(rows)

    args = import_arguments(nodes_args, rels_args, database)
    (folder / "import.sh").write_text(
        "#!/bin/sh\n# Bulk import of a kg graph into a new, empty Neo4j database (the server stopped).\n"
        "# Then start Neo4j and run after-import.cypher (kg's constraints and indexes, empty lists).\n"
        "cd \"$(dirname \"$0\")\" && exec neo4j-admin " + " ".join(shlex.quote(a) for a in args) + " \"$@\"\n",
        encoding="utf-8")
    os.chmod(folder / "import.sh", 0o755)
    (folder / "after-import.cypher").write_text(after_import_cypher(), encoding="utf-8")
    return written


# The importer drops empty arrays (an empty field is no property); kg load sets them.
EMPTY_LISTS = [
    "MATCH (n) WHERE NOT n:Document AND n.aliases IS NULL SET n.aliases = []",
    "MATCH ()-[r]->() WHERE type(r) <> 'MENTIONED_IN' AND r.evidence_docs IS NULL "
    "SET r.evidence_docs = [], r.evidence_starts = [], r.evidence_ends = [], r.evidence_texts = []",
]


def after_import_statements() -> list[str]:
    """What to run once the server is up on the imported database: kg's constraints and indexes,
    then the empty lists the importer cannot write."""
    from kg.store.neo4j import Neo4jStore

    return Neo4jStore.schema_statements() + EMPTY_LISTS


def after_import_cypher() -> str:
    return ("// Run once Neo4j is up on the imported database (e.g. cypher-shell -f after-import.cypher):\n"
            "// kg's constraints and indexes, then the empty lists the importer cannot write.\n"
            + "".join(s + ";\n" for s in after_import_statements()))


def import_arguments(nodes: list[tuple[str, str]], rels: list[tuple[str, str]], database: str = "neo4j",
                     folder: str | os.PathLike | None = None) -> list[str]:
    """neo4j-admin's arguments for the files (paths relative to `folder`, or as given)."""
    def at(name):
        return str(Path(folder) / name) if folder else name
    return (["database", "import", "full", database, f"--array-delimiter={ARRAY_OPTION}", "--multiline-fields=true",
             "--id-type=string"]
            + [f"--nodes={at(h)},{at(d)}" for h, d in nodes]
            + [f"--relationships={at(h)},{at(d)}" for h, d in rels])


def files_of(folder: str | os.PathLike) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (header, data) file pairs an export left in `folder`: nodes, relationships."""
    folder = Path(folder)
    def pairs(prefix: str) -> list[tuple[str, str]]:
        return [(h.name, h.name.replace(".header.csv", ".csv")) for h in sorted(folder.glob(f"{prefix}_*.header.csv"))]
    return pairs("nodes"), pairs("rels")


def write_build(g, folder: str | os.PathLike, database: str = "neo4j") -> dict[str, int]:
    """`kg build … --neo4j-import DIR`: the import files of a graph just built, from the rows its
    embedded store is loaded from (`kg.jsonl`'s records of the graph, and its documents with their
    sentences, made in pass 1): the same files `kg export neo4j-import` writes afterwards."""
    from kg.jsonl import entity_rows, relation_rows

    return export(entity_rows(g, mentions_as_tuples=True), relation_rows(g), g.graph.get("documents", []),
                  folder, database)


def check_new_folder(folder: str | os.PathLike) -> None:
    """Raise StoreError unless `folder` can take the files: missing or an empty folder."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise StoreError(f"{folder} is not empty: give a new folder" if folder.is_dir()
                         else f"{folder} is a file: give a new folder")


def run(args) -> int:
    graph = Path(args.graph)
    try:
        entities, relations, documents = read_export(graph)
        out = Path(args.dir)
        check_new_folder(out)
        written = export(entities, relations, documents, out, args.database)
    except (StoreError, OSError) as e:
        print(f"kg export neo4j-import: {e}", file=sys.stderr)
        return 2
    print(f"wrote {written['nodes']} nodes and {written['relationships']} relationships to {out}: "
          f"run {out / 'import.sh'} with Neo4j stopped, then {out / 'after-import.cypher'} once it is up")
    return 0


def register(formats) -> None:
    """Add `neo4j-import` to `kg export`'s formats."""
    p = formats.add_parser("neo4j-import", help="CSV and header files for neo4j-admin database import full",
                           description="Write the built graph as the files of Neo4j's bulk importer "
                                       "(`neo4j-admin database import full`), for a first load into a new, "
                                       "empty database; the same graph as `kg load` makes.")
    p.add_argument("dir", metavar="DIR", help="a new folder for the files")
    p.add_argument("--graph", default="out", metavar="DIR", help="the built graph's folder (default: out/)")
    p.add_argument("--database", default="neo4j", help="the database import.sh imports into (default: neo4j)")
    p.set_defaults(func=run)
