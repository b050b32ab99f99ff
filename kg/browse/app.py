"""What the browser page asks the graph, as plain functions of an open store: search, a node's
details, its neighbours, a relationship's evidence, the starting views and the query box.

Every answer is JSON-ready. Nodes are `{id, label, labels, name, properties}` (label: the main
label, Region for Region:City), relationships `{id, from, to, type, confidence, rule, source,
title}` with id `subject|TYPE|object` (the loader keeps one relationship per triple). The Cypher
here is the common Cypher of FalkorDB and Neo4j 5, like `cypher/`.
"""
from __future__ import annotations

import bisect
import threading
import time
from collections import OrderedDict

from kg.browse.readonly import ReadOnlyRunner, WriteRefused
from kg.store.results import Collector, edge_record, json_safe, main_label
from kg import schema
from kg.store.base import Store, StoreError

class Busy(RuntimeError):
    """Too many requests at once (answered 503)."""


class QueryTimeout(RuntimeError):
    """The query box's query ran past the wall-clock limit (answered 504)."""


# Colours per label, in the legend's order (kg.schema; neo4j/style.grass gives Neo4j Browser the same).
LABELS = OrderedDict((name, schema.LABEL[name].colour) for name in schema.BROWSER_ORDER)
REL_TYPES = list(schema.RELATION_TYPES)
EXPAND_PAGE = 25          # neighbours per expansion; the page asks for more with "show more"
SEARCH_PER_LABEL = 12
MAX_GRAPH_NODES = 5000    # a query's graph is cut here (the page stays responsive up to this)

_NODE = "labels({v}) AS {v}_labels, properties({v}) AS {v}_props"
_REL = "type(r) AS type, r.confidence AS confidence, r.rule AS rule, r.source AS source, r.title AS title"
# One relationship with both ends: what the views and expansions return.
_TRIPLE = f"{_NODE.format(v='a')}, {_REL}, {_NODE.format(v='b')}"


def node_record(labels, props: dict) -> dict:
    props = json_safe(props or {})
    return {"id": str(props.get("id")), "label": main_label(labels), "labels": list(labels or []),
            "name": props.get("name") or str(props.get("id")), "properties": props}


def _only_article(articles, title) -> str | None:
    """The title of a document's article when it holds just one (else None: which one is not known)."""
    if articles is None:
        return title
    return articles[0] if len(articles) == 1 else None


class Browser:
    """The page's questions, answered from an open store. Several run at once (the store's
    client keeps a connection per request in flight); the query box runs one query at a time,
    each with a wall-clock limit after which the page gets an answer and the query is abandoned
    (`stuck()` tells the server when the store should be restarted under it)."""

    def __init__(self, store: Store, where: str = "", timeout_ms: int = 15000):
        self.store = store
        self.where = where
        self.timeout_ms = timeout_ms
        self.runner = ReadOnlyRunner(store, timeout_ms)
        self.generation: str | None = None
        self._slots = threading.BoundedSemaphore(4)       # the page's own questions in flight
        self._query_box = threading.Lock()                # queries typed in the page: one at a time
        self._running_since: float | None = None          # when the query box's query started

    def replace_store(self, store: Store, where: str | None = None) -> Store:
        """Answer from `store` from now on (a new build, a restarted server); returns the old one."""
        old, self.store = self.store, store
        self.runner = ReadOnlyRunner(store, self.timeout_ms)
        self._running_since = None        # a query stuck on the old store is the old store's
        self._query_box = threading.Lock()
        if where:
            self.where = where
        return old

    def stuck(self, grace: float = 3.0) -> bool:
        """Whether the query box's query has run past its limit by `grace` seconds."""
        since = self._running_since
        return since is not None and time.monotonic() - since > self.timeout_ms / 1000 + grace

    def _q(self, cypher: str, params: dict | None = None) -> list[list]:
        if not self._slots.acquire(timeout=self.timeout_ms / 1000):
            raise Busy("the store is busy with other requests; try again")
        try:
            return self.store.query(cypher, params)[1]
        finally:
            self._slots.release()

    def _run_limited(self, cypher: str, params: dict):
        """The query box's query, on a thread of its own, waited for at most the limit (+2 s):
        past it the page is told and the query abandoned; nobody else waits for it."""
        lock = self._query_box
        if not lock.acquire(timeout=2):
            raise Busy("another query is still running (an abandoned one ends when the store stops it, "
                       "or the store is restarted); try again shortly")
        runner, box = self.runner, {}
        self._running_since = time.monotonic()

        def work():
            try:
                box["result"] = runner.run(cypher, params)
            except BaseException as e:    # noqa: BLE001 (handed to the request)
                box["error"] = e
            finally:
                if self.runner is runner:
                    self._running_since = None
                lock.release()
        t = threading.Thread(target=work, name="kg-browse-query", daemon=True)
        t.start()
        t.join(self.timeout_ms / 1000 + 2)
        if t.is_alive():
            raise QueryTimeout(f"the query ran past {self.timeout_ms / 1000:g} s and was abandoned")
        if "error" in box:
            raise box["error"]
        return box["result"]

    def _triples(self, cypher: str, params: dict | None = None) -> tuple[dict, dict]:
        nodes: dict[str, dict] = {}
        edges: dict[str, dict] = {}
        for al, ap, t, conf, rule, source, title, bl, bp in self._q(cypher, params):
            a, b = node_record(al, ap), node_record(bl, bp)
            nodes.setdefault(a["id"], a)
            nodes.setdefault(b["id"], b)
            e = edge_record(a["id"], t, b["id"], {"confidence": conf, "rule": rule, "source": source, "title": title})
            edges.setdefault(e["id"], e)
        return nodes, edges

    # ---- the page's questions ---------------------------------------------------------------

    def meta(self) -> dict:
        from kg.query import QueryFile, library

        if not self._slots.acquire(timeout=self.timeout_ms / 1000):
            raise Busy("the store is busy with other requests; try again")
        try:
            counts = self.store.counts()
        finally:
            self._slots.release()
        nodes = schema.without_levels(counts["nodes"])
        rels = {k: v for k, v in counts["relationships"].items() if k != "MENTIONED_IN"}
        queries = []
        for name, path in library().items():
            q = QueryFile.parse(path.read_text("utf-8"), name, path)
            queries.append({"name": name, "title": q.title, "params": json_safe(q.params),
                            "descriptions": q.descriptions, "example": q.example})
        labels = [{"label": name, "color": c, "size": schema.LABEL[name].size, "count": nodes.get(name, 0)}
                  for name, c in LABELS.items()]
        labels += [{"label": name, "color": schema.DEFAULT_COLOUR, "size": None, "count": n}
                   for name, n in nodes.items() if name not in LABELS]
        types = [{"type": t, "count": rels.get(t, 0)} for t in REL_TYPES]
        types += [{"type": t, "count": n} for t, n in rels.items() if t not in REL_TYPES]
        return {"where": self.where, "generation": self.generation, "labels": labels, "types": types, "queries": queries,
                "expand_page": EXPAND_PAGE, "max_graph_nodes": MAX_GRAPH_NODES}

    def build(self) -> dict:
        """Which build is served (its generation id, None on Neo4j): the page asks every few
        seconds and shows a notice when it changed. Asks nothing of the store."""
        return {"generation": self.generation, "where": self.where}

    def search(self, text: str) -> dict:
        text = (text or "").strip()
        if not text:
            return {"query": text, "groups": []}
        rows = self._q(
            "MATCH (n) WHERE NOT n:Document AND (toLower(n.name) CONTAINS $t OR "
            "any(a IN coalesce(n.aliases, []) WHERE toLower(a) CONTAINS $t)) "
            "RETURN labels(n) AS labels, properties(n) AS props", {"t": text.lower()})
        groups: dict[str, list] = {}
        for labels, props in rows:
            n = node_record(labels, props)
            n["matched"] = next((a for a in [n["name"], *(props.get("aliases") or [])]
                                 if text.lower() in str(a).lower()), n["name"])
            groups.setdefault(n["label"], []).append(n)
        order = list(LABELS)
        out = []
        for label in sorted(groups, key=lambda name: order.index(name) if name in order else len(order)):
            items = sorted(groups[label], key=lambda n: (not n["name"].startswith(text), len(n["name"]), n["name"]))
            out.append({"label": label, "color": schema.colour(label), "total": len(items),
                        "items": items[:SEARCH_PER_LABEL]})
        return {"query": text, "groups": out}

    def node(self, nid: str) -> dict:
        rows = self._q("MATCH (n {id: $id}) RETURN labels(n), properties(n)", {"id": nid})
        if not rows:
            raise LookupError(f"no node with id {nid!r}")
        n = node_record(*rows[0])
        degrees = {t: c for t, c in self._q(
            "MATCH (n {id: $id})-[r]-() WHERE type(r) <> 'MENTIONED_IN' RETURN type(r), count(*)", {"id": nid})}
        mentions = []
        for doc, title, articles, starts, ends in self._q(
                "MATCH (n {id: $id})-[m:MENTIONED_IN]->(d:Document) "
                "RETURN d.id, d.title, d.articles, m.starts, m.ends ORDER BY d.id", {"id": nid}):
            for s, e in zip(starts or [], ends or []):
                m = {"doc": doc, "document_title": title, "start": s, "end": e, "sentence": None,
                     "article": _only_article(articles, title)}
                found = self._stored_sentence(doc, s)
                if found:
                    m["sentence"], m["article"] = found
                mentions.append(m)
        # The evidence sentences of its facts that name it: what the graph read about it.
        names = [n["name"], *(n["properties"].get("aliases") or [])]
        seen, sentences = set(), []
        for docs, starts, texts in self._q(
                "MATCH (n {id: $id})-[r]-() WHERE type(r) <> 'MENTIONED_IN' "
                "RETURN r.evidence_docs, r.evidence_starts, r.evidence_texts", {"id": nid}):
            for d, s, t in zip(docs or [], starts or [], texts or []):
                if (d, s) not in seen and any(x and x in t for x in names):
                    seen.add((d, s))
                    sentences.append({"doc": d, "start": s, "text": t})
        for m in mentions:
            if m["sentence"] and (m["doc"], m["sentence"]) not in seen:
                seen.add((m["doc"], m["sentence"]))
        titles = self._titles({s["doc"] for s in sentences})
        for s in sentences:
            s["document_title"] = titles.get(s["doc"])
            s["article"] = self._article(s["doc"], s["start"], titles)
        sentences.sort(key=lambda s: (s["doc"], s["start"]))
        return {"node": n, "degrees": degrees, "mentions": mentions, "sentences": sentences}

    def _stored_sentence(self, doc: str, start: int) -> tuple[str, str | None] | None:
        """(sentence, article title) holding offset `start` of `doc`, from the sentences its
        Document node carries (from the build's documents.jsonl, on either store: the browser
        never reads the source files)."""
        cache = self.__dict__.setdefault("_stored", {})
        if doc not in cache:
            rows = self._q("MATCH (d:Document {id: $id}) RETURN d.sentence_starts, d.sentence_ends, "
                           "d.sentence_texts, d.sentence_articles", {"id": doc})
            cache[doc] = tuple(x or [] for x in rows[0]) if rows else ([], [], [], [])
        starts, ends, texts, articles = cache[doc]
        i = bisect.bisect_right(starts, start) - 1
        if 0 <= i < len(ends) and start < ends[i]:
            return texts[i], (articles[i] if i < len(articles) else None)
        return None

    def _titles(self, docs) -> dict[str, str]:
        """Each document's title (its first article's), and under (doc, None) the title of its
        only article when it holds one (else None)."""
        if not docs:
            return {}
        out = {}
        for d, t, articles in self._q("MATCH (d:Document) WHERE d.id IN $docs RETURN d.id, d.title, d.articles",
                                      {"docs": sorted(docs)}):
            out[d], out[d, None] = t, _only_article(articles, t)
        return out

    def _article(self, doc: str, start: int, titles: dict) -> str | None:
        """The title of the article that holds file offset `start` of `doc` ("" when it has none),
        or None when that is not known (no sentences stored, and the file holds several articles):
        never another article's title."""
        found = self._stored_sentence(doc, start)
        if found:
            return found[1]
        return titles.get((doc, None))

    def expand(self, nid: str, skip: int = 0, limit: int = EXPAND_PAGE) -> dict:
        """The neighbours of a node (facts only, no documents), `limit` from `skip`, in a stable
        order (relationship type, then name), with how many there are in all."""
        total = self._q("MATCH (n {id: $id})-[r]-(m) WHERE type(r) <> 'MENTIONED_IN' RETURN count(r)",
                        {"id": nid})[0][0]
        rows = self._q(
            "MATCH (n {id: $id})-[r]-(m) WHERE type(r) <> 'MENTIONED_IN' "
            f"RETURN startNode(r) = n AS out, labels(m), properties(m), {_REL} "
            "ORDER BY type, m.name, m.id SKIP $skip LIMIT $limit",
            {"id": nid, "skip": int(skip), "limit": int(limit)})
        nodes, edges = [], []
        for out, ml, mp, t, conf, rule, source, title in rows:
            m = node_record(ml, mp)
            nodes.append(m)
            a, b = (nid, m["id"]) if out else (m["id"], nid)
            edges.append(edge_record(a, t, b, {"confidence": conf, "rule": rule, "source": source, "title": title}))
        return {"id": nid, "nodes": nodes, "edges": edges, "skip": skip, "total": total,
                "more": max(0, total - skip - len(rows))}

    def edge(self, eid: str) -> dict:
        try:
            src, rtype, dst = eid.split("|")
        except ValueError:
            raise LookupError(f"not a relationship id: {eid!r} (subject|TYPE|object)") from None
        rows = self._q("MATCH (a {id: $a})-[r]->(b {id: $b}) WHERE type(r) = $t "
                       "RETURN labels(a), properties(a), properties(r), labels(b), properties(b)",
                       {"a": src, "b": dst, "t": rtype})
        if not rows:
            raise LookupError(f"no relationship {eid!r}")
        al, ap, rp, bl, bp = rows[0]
        a, b = node_record(al, ap), node_record(bl, bp)
        docs, starts = rp.get("evidence_docs") or [], rp.get("evidence_starts") or []
        ends, texts = rp.get("evidence_ends") or [], rp.get("evidence_texts") or []
        titles = self._titles(set(docs))
        evidence = [{"doc": d, "document_title": titles.get(d), "article": self._article(d, s, titles),
                     "start": s, "end": e, "text": t} for d, s, e, t in zip(docs, starts, ends, texts)]
        props = {k: v for k, v in rp.items() if not k.startswith("evidence_")}
        return {"edge": edge_record(src, rtype, dst, rp), "from": a, "to": b,
                "properties": json_safe(props), "evidence": evidence}

    def view(self, name: str) -> dict:
        if name == "parks":
            # The headline: every industrial park with its companies, located in it or developing
            # a project there, and the parks' own hierarchy.
            nodes, edges = self._triples(
                f"MATCH (a:Company)-[r:LOCATED_IN]->(b:IndustrialPark) RETURN {_TRIPLE}")
            for cypher in (f"MATCH (a:Company)-[r:DEVELOPS]->(b:Project)-[:LOCATED_IN]->(:IndustrialPark) RETURN {_TRIPLE}",
                           f"MATCH (:Company)-[:DEVELOPS]->(a:Project)-[r:LOCATED_IN]->(b:IndustrialPark) RETURN {_TRIPLE}",
                           f"MATCH (a:IndustrialPark)-[r:PART_OF]->(b:IndustrialPark) RETURN {_TRIPLE}"):
                n2, e2 = self._triples(cypher)
                nodes.update(n2)
                edges.update(e2)
            for labels, props in self._q("MATCH (p:IndustrialPark) RETURN labels(p), properties(p)"):
                n = node_record(labels, props)
                nodes.setdefault(n["id"], n)
            title = "Industrial parks and their companies"
        elif name == "regions":
            nodes, edges = self._triples(f"MATCH (a:Region)-[r:PART_OF]->(b:Region) RETURN {_TRIPLE}")
            for labels, props in self._q("MATCH (p:Region) RETURN labels(p), properties(p)"):
                n = node_record(labels, props)
                nodes.setdefault(n["id"], n)
            title = "Region tree"
        else:
            raise LookupError(f"no view {name!r} (parks, regions)")
        return {"view": name, "title": title, "nodes": list(nodes.values()), "edges": list(edges.values())}

    def query(self, cypher: str | None = None, name: str | None = None, params: dict | None = None) -> dict:
        """Run read-only Cypher or a named query of cypher/; rows for the table, and the graph the
        rows hold (their nodes and relationships; for rows of names and ids, the nodes they name
        and the relationships among them)."""
        from kg.query import QueryError, QueryFile, library, parse_value

        if name:
            lib = library()
            if name not in lib:
                raise LookupError(f"no query named {name!r} in cypher/ (there are: {', '.join(lib)})")
            q = QueryFile.parse(lib[name].read_text("utf-8"), name, lib[name])
        else:
            q = QueryFile.parse(cypher or "")
        given = {k: parse_value(v) if isinstance(v, str) else v for k, v in (params or {}).items()
                 if not (isinstance(v, str) and v == "" and q.params.get(k) is not None)}
        try:
            bound = q.bind(given)
        except QueryError as e:
            raise ValueError(str(e)) from None
        columns, rows, col, truncated = self._run_limited(q.cypher, bound)
        note = ""
        if not col.nodes:
            col, note = self._named_graph(rows), "nodes named in the result and the relationships among them"
        nodes = list(col.nodes.values())
        if len(nodes) > MAX_GRAPH_NODES:
            keep = {n["id"] for n in nodes[:MAX_GRAPH_NODES]}
            nodes = nodes[:MAX_GRAPH_NODES]
            col.edges = {k: e for k, e in col.edges.items() if e["from"] in keep and e["to"] in keep}
            note = (note + "; " if note else "") + f"graph cut at {MAX_GRAPH_NODES} nodes"
        return {"name": q.name, "title": q.title, "cypher": q.cypher, "params": json_safe(bound),
                "columns": columns, "rows": rows, "truncated": truncated,
                "graph": {"nodes": nodes, "edges": list(col.edges.values()), "note": note}}

    def _named_graph(self, rows) -> Collector:
        values: set[str] = set()

        def walk(v):
            if isinstance(v, str):
                values.add(v)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
            elif isinstance(v, dict):
                for x in v.values():
                    walk(x)
        walk(rows)
        col = Collector()
        if not values:
            return col
        vals = sorted(values)
        for labels, props in self._q(
                "MATCH (n) WHERE NOT n:Document AND (n.id IN $v OR n.name IN $v) "
                f"RETURN labels(n), properties(n) LIMIT {MAX_GRAPH_NODES + 1}", {"v": vals}):
            n = node_record(labels, props)
            col.nodes.setdefault(n["id"], n)
        if col.nodes:
            ids = sorted(col.nodes)
            _, edges = self._triples(
                f"MATCH (a)-[r]->(b) WHERE a.id IN $ids AND b.id IN $ids AND type(r) <> 'MENTIONED_IN' "
                f"RETURN {_TRIPLE}", {"ids": ids})
            col.edges = edges
        return col


__all__ = ["Browser", "Busy", "QueryTimeout", "LABELS", "REL_TYPES", "StoreError", "WriteRefused"]
