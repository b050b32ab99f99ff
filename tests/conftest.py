"""Shared fixtures: the seed articles, extraction helpers and the seeds built once per session.

Everything here runs the real code on the real seed files: no mocks. The full build of seeds/ with
the embedded FalkorDB store happens once per session (`built`); a second build without the store
(`built_again`) is there to compare ids between runs.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kg import ingest
from kg.extract.article import extract, recognise
from kg.extract.shortnames import ShortNames
from kg import pipeline
from kg.gazetteer import Gazetteer
from kg.model import Article

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def seed(prefix: str) -> Path:
    """The seed file whose name starts with `prefix` (000, 001…)."""
    [p] = [p for p in SEED_FILES if p.name.startswith(prefix)]
    return p


def read_corpus(paths):
    """(articles in (doc, index) order, the files that cannot be read): what the build's pass 1
    reads of each file (`kg.passes.first_pass`), without the rest of the build."""
    files = ingest.iter_source_files(paths)
    names = ingest.doc_names(files)
    articles, errors = [], []
    for f in files:
        try:
            articles += ingest.split_articles(ingest.read_source(f), names[f])
        except ingest.SourceError as e:
            errors.append(e)
    return sorted(articles, key=lambda a: (a.doc, a.index)), errors


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.default()


@pytest.fixture(scope="session")
def seed_articles():
    articles, errors = read_corpus([SEEDS])
    assert errors == []
    return articles


@pytest.fixture(scope="session")
def first_passes(seed_articles, gazetteer):
    return [recognise(a, gazetteer) for a in seed_articles]


@pytest.fixture(scope="session")
def corpus_short_names(first_passes) -> ShortNames:
    """Short names of the seeds' full company names and listed (bare) names, as kg.pipeline gathers them."""
    return pipeline.corpus_short_names(first_passes)


def text_article(text: str, doc: str = "passage.txt", index: int = 0) -> Article:
    """An article made of `text` alone (offsets are the identity)."""
    return Article(doc, index, text, list(range(len(text) + 1)))


@pytest.fixture(scope="session")
def extract_text(gazetteer):
    """text → ArticleExtraction, both passes, short names from this text's own full names."""
    def run(text: str, doc: str = "passage.txt"):
        a = text_article(text, doc)
        fp = recognise(a, gazetteer)
        return extract(fp, ingest.split_sentences(a), ShortNames(fp.company_names(), fp.bare_company_names()))
    return run


@pytest.fixture(scope="session")
def seed_article(seed_articles):
    """(file prefix, a phrase of the article) → the Article of the seeds holding that phrase."""
    def find(prefix: str, phrase: str) -> Article:
        found = [a for a in seed_articles if a.doc.startswith(prefix) and phrase in a.text]
        assert len(found) == 1, f"{len(found)} articles of {prefix} hold {phrase!r}"
        return found[0]
    return find


@pytest.fixture(scope="session")
def extract_seed(seed_article, first_passes, corpus_short_names):
    """(file prefix, phrase) → the ArticleExtraction of that seed article, as the pipeline makes it."""
    cache = {}

    def run(prefix: str, phrase: str):
        a = seed_article(prefix, phrase)
        if a.key not in cache:
            [fp] = [fp for fp in first_passes if fp.article is a]
            cache[a.key] = extract(fp, ingest.split_sentences(a), corpus_short_names)
        return cache[a.key]
    return run


def facts_of(extraction, predicate: str | None = None) -> set[tuple[str, str, str]]:
    """(subject name, predicate, object name) of an extraction's facts, anaphors as their antecedent."""
    return {(f.subject.name, f.predicate, f.object.name) for f in extraction.facts
            if predicate is None or f.predicate == predicate}


def rules_of(extraction, predicate: str) -> set[tuple[str, str, str]]:
    return {(f.subject.name, f.object.name, f.rule) for f in extraction.facts if f.predicate == predicate}


@dataclass
class Built:
    """A finished build: its folder, summary and the two JSON Lines files read back."""

    out: Path
    summary: object
    entities: list[dict]
    relations: list[dict]
    by_id: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self):
        self.by_id = {e["id"]: e for e in self.entities}

    def named(self, name: str, label: str | None = None) -> list[dict]:
        """Entities whose name or one of whose aliases is `name`."""
        return [e for e in self.entities if (label is None or e["type"] == label)
                and (e["name"] == name or name in e["aliases"])]

    def one(self, name: str, label: str | None = None) -> dict:
        found = self.named(name, label)
        assert len(found) == 1, f"{len(found)} entities named {name!r} ({label}): {[e['name'] for e in found]}"
        return found[0]

    def rels(self, predicate: str | None = None, subject: str | None = None, object: str | None = None) -> list[dict]:
        return [r for r in self.relations if (predicate is None or r["predicate"] == predicate)
                and (subject is None or r["subject"] == subject) and (object is None or r["object"] == object)]

    def triples(self, predicate: str | None = None) -> set[tuple[str, str, str]]:
        return {(self.by_id[r["subject"]]["name"], r["predicate"], self.by_id[r["object"]]["name"])
                for r in self.rels(predicate)}


def read_built(out: Path, summary=None) -> Built:
    def rows(name):
        with open(out / name, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    return Built(out, summary, rows("entities.jsonl"), rows("relations.jsonl"))


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    """seeds/ built once with the real pipeline and the real embedded store."""
    from kg.pipeline import build

    out = tmp_path_factory.mktemp("seeds-build") / "out"
    summary = build([SEEDS], out, store=True)
    return read_built(out, summary)


@pytest.fixture(scope="session")
def built_again(tmp_path_factory) -> Built:
    """A second, independent build of seeds/ (export only) to compare with the first."""
    from kg.pipeline import build

    out = tmp_path_factory.mktemp("seeds-build-2") / "out"
    summary = build([str(SEEDS)], out, store=False)
    return read_built(out, summary)


@dataclass
class Neo4jServer:
    """A live Neo4j 5 server for the session: its Bolt URI, user and password."""

    uri: str
    user: str
    password: str

    @property
    def env(self) -> dict[str, str]:
        return {"NEO4J_URI": self.uri, "NEO4J_USER": self.user, "NEO4J_PASSWORD": self.password}

    def store(self, **kw):
        from kg.store.neo4j import Neo4jStore

        return Neo4jStore(self.uri, user=self.user, password=self.password, **kw)


@pytest.fixture(scope="session")
def neo4j_server():
    """A real Neo4j 5.26 Community server, started once per session by tools/neo4j-test-server (Maven
    fetches Neo4j on first use) on a free 127.0.0.1 port with a random password, and stopped at the
    end, also after a failure (the JVM stops when this process goes). KG_TEST_NEO4J_URI (with
    KG_TEST_NEO4J_USER / KG_TEST_NEO4J_PASSWORD) points the tests at a running scratch server instead:
    they delete every node there. Without Java or Maven the live tests fail under CI and skip elsewhere."""
    import os
    import sys

    if os.environ.get("KG_TEST_NEO4J_URI"):
        yield Neo4jServer(os.environ["KG_TEST_NEO4J_URI"], os.environ.get("KG_TEST_NEO4J_USER", "neo4j"),
                          os.environ.get("KG_TEST_NEO4J_PASSWORD", "kgpassword"))
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools" / "neo4j-test-server"))
    from neo4j_test_server import LauncherError, Neo4jTestServer

    server = Neo4jTestServer()
    try:
        server.start()
    except LauncherError as e:
        server.stop()
        if os.environ.get("CI"):
            pytest.fail(f"the Neo4j test server did not start: {e}")
        pytest.skip(f"no Neo4j test server (needs Java 17 and Maven): {e}")
    try:
        yield Neo4jServer(server.uri, server.user, server.password)
    finally:
        server.stop()


# The fast tier (`pytest -m "not slow"`, under a minute) leaves out what starts a server or a
# browser, kills builds, or runs Node: those tests are marked slow here, by what they use, so a
# new test that uses them is slow without anyone marking it. The full suite runs them all.
_SLOW_FIXTURES = {"neo4j_server", "chromium", "served", "seeds_server", "browser"}
_SLOW_MODULES = {"test_faults", "test_incremental", "test_cypher_lint", "test_browse_hostile", "test_learned"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or item.module.__name__ in _SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
