"""Cypher statements that load the JSON Lines export into a property graph.

Shared by every store (the embedded FalkorDB one now, a Neo4j one later), so only Cypher that both
accept is used here: `UNWIND … MERGE … SET n += map`, `SET n:Label`, `labels()`, `type()`,
`count()`. No `EXISTS {}`, `CALL (x) {}`, `elementId`, `datetime()` or `=~`. Index creation is
store-specific and lives with each store.

How the export's records become properties (Cypher queries elsewhere rely on this):

* Entity node: label = the record's `type`; properties `id`, `name`, `aliases` (a list of
  strings, possibly empty; a reload adds the aliases not yet there, it never drops one), then
  every key of `properties` flattened onto the node (a value that
  is not a primitive or a list of primitives of one type is stored as a JSON string; `None` is
  dropped; a key named `id`, `name` or `aliases` cannot override those). A Region whose
  `properties.level` is `Province`, `City` or `County` also gets that level as a second label.
* Document node (label `Document`): properties `id` and every key of the document record as given
  (`name` = the source file's name, `title`, …). A document that a mention names but that was not
  passed in `documents` gets a stub node `{id: <file name>, name: <file name>}`.
* `MENTIONED_IN` (entity → Document): one relationship per (entity, document) of the record's
  `mentions` (`{doc, start, end}` records, or `(doc, start, end)` tuples), with parallel
  lists `starts` and `ends` (character offsets into that file, sorted by start within one load;
  a later load appends the spans not yet there).
* Other relationships: `(subject)-[:PREDICATE]->(object)`, one per (subject, predicate, object)
  triple, with `confidence`, `source`, `rule` and the evidence as parallel lists
  `evidence_docs`, `evidence_starts`, `evidence_ends`, `evidence_texts` (item i of each list is
  one evidence span; `evidence_docs` holds file names). If the export lists a triple more than
  once, the records are merged: the highest-confidence record gives `confidence`/`source`/`rule`
  and the evidence lists are the union in input order. The keys of the record's `properties`
  (HOLDS_POSITION's `title`) are flattened onto the relationship; any other key of the record is
  kept as a property by the same rules as entity properties.

Loading is idempotent and incremental: nodes MERGE on `id`, relationships on (start, type, end);
scalar properties take the latest load's values, while `aliases`, the evidence lists and the
mention offsets are unions: a span already on the relationship (same doc, start and end) is not
added twice, so loading the same export twice changes nothing and loading a newer export adds
only what is new. A load that stopped midway can simply be run again.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any, Iterable, Iterator, NamedTuple

from kg.schema import MENTIONED_IN, REGION_LEVELS

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Reading the graph back: one row per label / relationship type.
COUNT_NODES = "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n"
ANY_NODE = "MATCH (n) RETURN n.id AS id LIMIT 1"
COUNT_RELATIONSHIPS = "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n"


def ident(name: str) -> str:
    """Backtick-quote a label or relationship type; labels cannot be Cypher parameters, so they are
    spliced into the text and must be plain identifiers."""
    if not _IDENT.match(name or ""):
        raise ValueError(f"not a valid label or relationship type: {name!r}")
    return f"`{name}`"


def merge_nodes(label: str, extra_label: str | None = None, aliases: bool = True) -> str:
    """MERGE nodes of one label by `id`, setting `row.props`; with `aliases`, `row.aliases` is added
    to the node's `aliases` list (a union, order kept). A second label (a Region's level) is part
    of the MERGE pattern: `SET n:City` after the MERGE costs FalkorDB time in proportion to the
    graph's size on every batch (15,000 Regions took 18 s in a 100,000-node graph), and a
    Region's level never changes (it comes from its adcode)."""
    labels = ident(label) + (f":{ident(extra_label)}" if extra_label else "")
    union = (", n.aliases = coalesce(n.aliases, []) + "
             "[a IN row.aliases WHERE NOT a IN coalesce(n.aliases, [])]") if aliases else ""
    return f"UNWIND $rows AS row MERGE (n:{labels} {{id: row.id}}) SET n += row.props{union}"


def _end(var: str, label: str | None, key: str) -> str:
    return f"({var}:{ident(label)} {{id: row.{key}}})" if label else f"({var} {{id: row.{key}}})"


# The parallel lists of a relationship, unioned on reload; the first `key` lists identify a span.
EVIDENCE_LISTS = ("evidence_docs", "evidence_starts", "evidence_ends", "evidence_texts")
MENTION_LISTS = ("starts", "ends")


def _span_lists(rel_type: str) -> tuple[tuple[str, ...], int]:
    """(the parallel list properties, how many of them identify a span)."""
    return (MENTION_LISTS, 2) if rel_type == MENTIONED_IN else (EVIDENCE_LISTS, 3)


def merge_relationships(rel_type: str, subject_label: str | None, object_label: str | None) -> str:
    """MERGE one relationship per row between existing nodes; the end labels are given where known
    so the `id` index is used (rows whose ends are missing are skipped by MATCH). `row.props` is
    set; the parallel lists in `row.spans` are appended to the relationship's, minus the spans
    (same doc/start/end) it already has."""
    lists, key = _span_lists(rel_type)
    first = lists[0]
    same = " AND ".join(f"r.{k}[j] = row.spans.{k}[i]" for k in lists[:key])
    fresh = (f"[i IN range(0, size(row.spans.{first}) - 1) WHERE NOT any("
             f"j IN range(0, size(coalesce(r.{first}, [])) - 1) WHERE {same})] AS fresh")
    sets = ", ".join(f"r.{k} = coalesce(r.{k}, []) + [i IN fresh | row.spans.{k}[i]]" for k in lists)
    return (f"UNWIND $rows AS row MATCH {_end('a', subject_label, 's')} "
            f"MATCH {_end('b', object_label, 'o')} "
            f"MERGE (a)-[r:{ident(rel_type)}]->(b) SET r += row.props "
            f"WITH r, row, {fresh} SET {sets}")


def create_nodes(label: str, extra_label: str | None = None, aliases: bool = True, mentions: bool = False) -> str:
    """`merge_nodes` for a store known to be empty: CREATE needs no lookup, nothing to union.
    With `mentions`, each node's MENTIONED_IN relationships are created in the same statement
    (the node is at hand, so no second lookup by id and no second round trip: a quarter less
    time than creating them apart, measured), from `row.mentions`: one `[document id, starts,
    ends]` triple per document, lighter to encode than a map each (no keys to quote). (Parallel
    lists indexed by position were tried: FalkorDB copies a list for each `list[i]`, so a node
    with many mentions took seconds.)"""
    labels = ident(label) + (f":{ident(extra_label)}" if extra_label else "")
    stmt = (f"UNWIND $rows AS row CREATE (n:{labels} {{id: row.id}}) SET n += row.props"
            + (", n.aliases = row.aliases" if aliases else ""))
    if mentions:
        stmt += (f" WITH n, row UNWIND row.mentions AS m MATCH (d:Document {{id: m[0]}}) "
                 f"CREATE (n)-[r:{MENTIONED_IN}]->(d) SET r.starts = m[1], r.ends = m[2]")
    return stmt


def create_relationships(rel_type: str, subject_label: str | None, object_label: str | None) -> str:
    """`merge_relationships` for a store known to be empty: each (start, type, end) comes once in a
    load (plan_load groups them), so CREATE gives the same graph without MERGE's search and the
    span-list union, the costliest part of a load. `row.props` holds the span lists too (one map
    set at once)."""
    return (f"UNWIND $rows AS row MATCH {_end('a', subject_label, 's')} "
            f"MATCH {_end('b', object_label, 'o')} "
            f"CREATE (a)-[r:{ident(rel_type)}]->(b) SET r = row.props")


_PRIM = (str, int, float, bool)
_PRIM_TYPES = frozenset(_PRIM)


def _is_prim(v: Any) -> bool:
    return isinstance(v, (str, int, float, bool))


def clean_value(v: Any) -> Any:
    """A property value as a store accepts it: a primitive, a list of one primitive type, or else
    its JSON text. `None` means "no property"."""
    if v is None or _is_prim(v):
        return v
    if isinstance(v, (list, tuple)):
        if all(_is_prim(x) for x in v) and len({type(x) for x in v}) <= 1:  # Neo4j: one type per list
            return list(v)
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


_KEY_OK: dict = {}


def _key_ok(k) -> bool:
    """A property name a statement can carry (cached: a load sees the same few names again and again)."""
    ok = _KEY_OK.get(k)
    if ok is None:
        ok = _KEY_OK[k] = type(k) is str and bool(k) and "`" not in k and '"' not in k and "\\" not in k
    return ok


def clean_props(d: dict | None, skip: Iterable[str] = ()) -> dict:
    """Flatten a record's properties for `SET x += props`, dropping `None` and reserved keys."""
    out: dict[str, Any] = {}
    if not d:
        return out
    key_ok, prim = _KEY_OK.get, _PRIM_TYPES   # locals: this runs once per record of a load
    for k, v in d.items():
        if k in skip:
            continue
        ok = key_ok(k)
        if not (ok or (ok is None and _key_ok(k))):
            continue
        if type(v) not in prim:
            v = clean_value(v)
            if v is None:
                continue
        out[k] = v
    return out


class Batch(NamedTuple):
    """One statement to run with parameters `{"rows": rows}` (and `params`, if any); kind is "nodes",
    "relationships" or "deleted"; `also`: relationships the statement creates besides (nodes with
    their mentions). `ids`: the statement returns (id, store's own id) rows, to be put in this dict
    before the next batch is planned (a plan that finds nodes by the store's ids reads them there)."""

    kind: str
    statement: str
    rows: list
    also: int = 0
    params: dict | None = None
    ids: dict | None = None


def _batches(kind: str, statement: str, rows: list[dict], size: int) -> Iterator[Batch]:
    for i in range(0, len(rows), size):
        yield Batch(kind, statement, rows[i:i + size])


def _document_rows(documents: Iterable[dict]) -> tuple[list[dict], dict[str, str]]:
    """Document rows, and document ids keyed by file name (mentions name files)."""
    doc_id_by_file: dict[str, str] = {}
    doc_rows = []
    for d in documents:
        doc_id = str(d["id"])
        doc_id_by_file[str(d.get("name", doc_id))] = doc_id
        doc_rows.append({"id": doc_id, "props": clean_props(d, skip=("id",))})
    return doc_rows, doc_id_by_file


def _entity_rows(entities: Iterable[dict], doc_id_by_file: dict[str, str], doc_rows: list[dict]):
    """(node rows by (label, level label), label of each id). Each row carries its mentions as
    `mentions`: one `[document id, starts, ends]` triple per document (offsets sorted, no span
    twice), as `create_nodes(..., mentions=True)` reads them; `_mention_rows` takes them off for
    the other statements. A document a mention names that is not in `doc_rows` gets a stub row
    appended there."""
    known_docs = {r["id"] for r in doc_rows}
    node_rows: dict[tuple[str, str | None], list[dict]] = defaultdict(list)
    label_of: dict[str, str] = {}
    for e in entities:
        label, eid = e["type"], str(e["id"])
        props = clean_props(e.get("properties"), skip=("id", "name", "aliases"))
        props["name"] = e.get("name") or ""
        aliases = list(dict.fromkeys(str(a) for a in e.get("aliases") or []))
        level = (e.get("properties") or {}).get("level")
        extra = level if label == "Region" and level in REGION_LEVELS else None
        label_of[eid] = label
        spans: dict[str, list[tuple[int, int]]] = {}      # (a corpus has many mentions: kept lean)
        doc: str
        for m in e.get("mentions") or ():
            if type(m) is tuple:        # (doc, start, end), as the graph holds them (kg build)
                doc, start, end = m
            else:
                doc, start, end = m["doc"], m["start"], m["end"]
            doc = doc_id_by_file.get(doc, doc)
            found = spans.get(doc)
            if found is None:
                found = spans[doc] = []
            found.append((int(start), int(end)))
        mentions = []
        for doc_id, ss in spans.items():
            starts, ends = zip(*sorted(set(ss)))
            mentions.append([doc_id, list(starts), list(ends)])
            if doc_id not in known_docs:
                known_docs.add(doc_id)
                doc_rows.append({"id": doc_id, "props": {"name": doc_id}})
        node_rows[(label, extra)].append({"id": eid, "props": props, "aliases": aliases, "mentions": mentions})
    return node_rows, label_of


def _mention_rows(node_rows: dict, spans_in_props: bool) -> dict[str, list[dict]]:
    """MENTIONED_IN rows by label, taken off the node rows (which then no longer carry them):
    for `create_relationships` the spans are the properties (`spans_in_props`), for
    `merge_relationships` they are `spans`, to be unioned with the relationship's."""
    out: dict[str, list[dict]] = defaultdict(list)
    for (label, _), rows in node_rows.items():
        mine = out[label]
        for r in rows:
            eid = r["id"]
            for doc_id, starts, ends in r.pop("mentions"):
                spans = {"starts": starts, "ends": ends}
                mine.append({"s": eid, "o": doc_id, "props": spans} if spans_in_props
                            else {"s": eid, "o": doc_id, "props": {}, "spans": spans})
    return out


def plan_load(entities: Iterable[dict], relations: Iterable[dict] = (), documents: Iterable[dict] = (),
              batch_size: int = 2000, fresh: bool = False) -> Iterator[Batch]:
    """Turn export records into batches, in dependency order: nodes and documents first, then
    relationships. Run each as `batch.statement` with parameters `{"rows": batch.rows}`.
    `fresh`: the store is empty, so CREATE replaces MERGE (same graph, no lookups)."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    merge_relationships_ = create_relationships if fresh else merge_relationships
    doc_rows, doc_id_by_file = _document_rows(documents)
    node_rows, label_of = _entity_rows(entities, doc_id_by_file, doc_rows)

    if fresh:
        # documents first: each node is created with its mentions, which need their documents
        yield from _batches("nodes", create_nodes("Document", aliases=False), doc_rows, batch_size)
        for (label, extra), rows in node_rows.items():
            statement = create_nodes(label, extra, mentions=True)
            for i in range(0, len(rows), batch_size):
                part = rows[i:i + batch_size]
                yield Batch("nodes", statement, part, sum(len(r["mentions"]) for r in part))
    else:
        # Nodes are sent before the relationships are worked out, so a store that writes in the
        # background is busy with them meanwhile.
        mention_rows = _mention_rows(node_rows, spans_in_props=False)
        for (label, extra), rows in node_rows.items():
            yield from _batches("nodes", merge_nodes(label, extra), rows, batch_size)
        yield from _batches("nodes", merge_nodes("Document", aliases=False), doc_rows, batch_size)
        for label, rows in mention_rows.items():
            yield from _batches("relationships", merge_relationships(MENTIONED_IN, label, "Document"),
                                rows, batch_size)

    # Relationship rows are made batch by batch, as they are sent.
    groups: dict[tuple[str, str | None, str | None], list] = defaultdict(list)
    for (s, p, o), recs in _group_relations(relations).items():
        groups[(p, label_of.get(s), label_of.get(o))].append((s, o, recs))
    for (p, sl, ol), triples in groups.items():
        statement = merge_relationships_(p, sl, ol)
        for i in range(0, len(triples), batch_size):
            rows = []
            for s, o, recs in triples[i:i + batch_size]:
                props, spans = _relation_props(recs)
                rows.append({"s": s, "o": o, "props": {**props, **spans}} if fresh
                            else {"s": s, "o": o, "props": props, "spans": spans})
            yield Batch("relationships", statement, rows)


def _group_relations(relations: Iterable[dict]) -> dict[tuple[str, str, str], list[dict]]:
    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for r in relations:
        groups[(str(r["subject"]), r["predicate"], str(r["object"]))].append(r)
    return groups


_REL_KEYS = frozenset(("subject", "predicate", "object", "evidence", "properties"))
_SPAN_KEYS = frozenset(("evidence",) + EVIDENCE_LISTS + MENTION_LISTS)


def _relation_props(recs: list[dict]) -> tuple[dict, dict]:
    """One relationship's (scalar properties, evidence lists) from the export records of its triple
    (see module doc)."""
    best = recs[0] if len(recs) == 1 else max(recs, key=lambda r: r.get("confidence") or 0.0)
    props = clean_props(best, skip=_REL_KEYS)
    for r in recs:  # the records' own properties (HOLDS_POSITION's title), the best record's last
        own = r.get("properties")
        if own and isinstance(own, dict):
            for k, v in clean_props(own, skip=_SPAN_KEYS).items():
                if r is best or k not in props:
                    props[k] = v
    if len(recs) == 1 and len(best.get("evidence") or ()) <= 1:
        ev = best.get("evidence") or []
    else:
        seen, ev = set(), []
        for r in recs:
            for e in r.get("evidence") or []:
                key = (e.get("doc"), e.get("start"), e.get("end"))
                if key not in seen:
                    seen.add(key)
                    ev.append(e)
    docs, starts, ends, texts = [], [], [], []
    for e in ev:
        docs.append(str(e.get("doc", "")))
        starts.append(int(e.get("start", -1)))
        ends.append(int(e.get("end", -1)))
        texts.append(str(e.get("text", "")))
    return props, {"evidence_docs": docs, "evidence_starts": starts, "evidence_ends": ends,
                   "evidence_texts": texts}


# ---- updating a loaded graph to a newer export ---------------------------------------------------

def replace_nodes(label: str, extra_label: str | None = None, aliases: bool = True) -> str:
    """Give existing nodes exactly `row.props` (properties the new export dropped go too)."""
    labels = ident(label) + (f":{ident(extra_label)}" if extra_label else "")
    return (f"UNWIND $rows AS row MATCH (n:{labels} {{id: row.id}}) SET n = row.props, n.id = row.id"
            + (", n.aliases = row.aliases" if aliases else ""))


def delete_nodes(label: str) -> str:
    return f"UNWIND $rows AS row MATCH (n:{ident(label)} {{id: row.id}}) DETACH DELETE n"


def delete_relationships(rel_type: str, subject_label: str | None, object_label: str | None) -> str:
    return (f"UNWIND $rows AS row MATCH {_end('a', subject_label, 's')}-[r:{ident(rel_type)}]->"
            f"{_end('b', object_label, 'o')} DELETE r")


def delete_mentions(label: str) -> str:
    return f"UNWIND $rows AS row MATCH (n:{ident(label)} {{id: row.id}})-[r:{MENTIONED_IN}]->(:Document) DELETE r"


def plan_update(old: tuple, new: tuple, batch_size: int = 2000) -> Iterator[Batch]:
    """Batches that turn the graph loaded from the export `old` = (entities, relations, documents)
    into the one `new` gives, touching only what differs: relationships that went or changed are
    deleted, nodes that went are detached and deleted, changed nodes get their new properties,
    then new nodes, the mentions of new and changed entities, and new and changed relationships
    are created. Records compare as read from JSON (lists, not tuples). Batch kinds: "deleted",
    "nodes", "relationships"."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    (old_e, old_r, old_d), (new_e, new_r, new_d) = old, new
    old_e = {str(e["id"]): e for e in old_e}
    new_e = {str(e["id"]): e for e in new_e}
    label_of = {i: e["type"] for i, e in {**old_e, **new_e}.items()}
    gone = sorted(old_e.keys() - new_e.keys())
    changed = sorted(i for i in old_e.keys() & new_e.keys() if old_e[i] != new_e[i])
    added = sorted(new_e.keys() - old_e.keys())
    old_g, new_g = _group_relations(old_r), _group_relations(new_r)
    rel_gone = sorted(k for k in old_g if old_g[k] != new_g.get(k))      # removed or changed
    rel_new = sorted(k for k in new_g if new_g[k] != old_g.get(k))       # added or changed
    old_docs = {str(d["id"]): d for d in old_d}
    new_docs = {str(d["id"]): d for d in new_d}

    def grouped(keys, key_fn):
        groups: dict = defaultdict(list)
        for k in keys:
            g, row = key_fn(k)
            groups[g].append(row)
        return groups

    for (p, sl, ol), rows in grouped(rel_gone, lambda k: ((k[1], label_of.get(k[0]), label_of.get(k[2])),
                                                          {"s": k[0], "o": k[2]})).items():
        yield from _batches("deleted", delete_relationships(p, sl, ol), rows, batch_size)
    for label, rows in grouped(changed, lambda i: (label_of[i], {"id": i})).items():
        yield from _batches("deleted", delete_mentions(label), rows, batch_size)
    for label, rows in grouped(gone, lambda i: (label_of[i], {"id": i})).items():
        yield from _batches("deleted", delete_nodes(label), rows, batch_size)
    docs_gone = [{"id": i} for i in sorted(old_docs.keys() - new_docs.keys())]
    yield from _batches("deleted", delete_nodes("Document"), docs_gone, batch_size)

    doc_rows, doc_id_by_file = _document_rows(new_docs.values())
    doc_changed = [r for r in doc_rows if r["id"] in old_docs and old_docs[r["id"]] != new_docs[r["id"]]]
    doc_added = [r for r in doc_rows if r["id"] not in old_docs]
    yield from _batches("nodes", replace_nodes("Document", aliases=False), doc_changed, batch_size)
    yield from _batches("nodes", create_nodes("Document", aliases=False), doc_added, batch_size)
    known = list(doc_rows)
    changed_rows, _ = _entity_rows([new_e[i] for i in changed], doc_id_by_file, known)
    added_rows, _ = _entity_rows([new_e[i] for i in added], doc_id_by_file, known)
    changed_mentions = _mention_rows(changed_rows, spans_in_props=True)
    added_mentions = _mention_rows(added_rows, spans_in_props=True)
    stubs = known[len(doc_rows):]          # documents only a mention names
    yield from _batches("nodes", create_nodes("Document", aliases=False),
                        [r for r in stubs if r["id"] not in old_docs], batch_size)
    for (label, extra), rows in changed_rows.items():
        yield from _batches("nodes", replace_nodes(label, extra), rows, batch_size)
    for (label, extra), rows in added_rows.items():
        yield from _batches("nodes", create_nodes(label, extra), rows, batch_size)
    for mentions in (changed_mentions, added_mentions):
        for label, rows in mentions.items():
            yield from _batches("relationships", create_relationships(MENTIONED_IN, label, "Document"),
                                rows, batch_size)
    groups: dict = defaultdict(list)
    for s, p, o in rel_new:
        props, spans = _relation_props(new_g[(s, p, o)])
        groups[(p, label_of.get(s), label_of.get(o))].append({"s": s, "o": o, "props": {**props, **spans}})
    for (p, sl, ol), rows in groups.items():
        yield from _batches("relationships", create_relationships(p, sl, ol), rows, batch_size)
