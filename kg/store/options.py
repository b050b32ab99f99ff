"""The command line's store options, one group for every command that names a graph: `kg build`
(where to load it too), `kg load`, `kg query`, `kg export`, `kg browse` and `kg stats`.

    --graph LOCATION   a built graph folder (default out/; read through its embedded store, or its
                       export where a command can), `falkordb:DIR`, or a store URI (bolt://…, neo4j://…)
    --neo4j-uri URI    a Neo4j server (the same as --graph URI; $NEO4J_URI where a command says so)
    --user, --password, --database   Neo4j's (default: $NEO4J_USER, $NEO4J_PASSWORD, $NEO4J_DATABASE)

`open_from(args)` opens what they name through `kg.store.open_store`'s registry.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from kg.store.base import Store, StoreError, open_store, store_for


def add_store_options(p: argparse.ArgumentParser, *, graph: bool = True, uri_from_env: bool = False,
                      uri_help: str = "a Neo4j 5 server instead, e.g. bolt://localhost:7687") -> None:
    """Add the group to `p`. `graph`: the command reads a graph (not `kg build`, whose folder is
    --out); `uri_from_env`: --neo4j-uri defaults to $NEO4J_URI."""
    g = p.add_argument_group("graph and store")
    if graph:
        g.add_argument("--graph", default="out", metavar="LOCATION",
                       help="a built graph's folder (default: out/), falkordb:DIR, or a store URI "
                            "(bolt://…, neo4j://…)")
    env = " (default: $NEO4J_URI)" if uri_from_env else ""
    g.add_argument("--neo4j-uri", default=os.environ.get("NEO4J_URI") if uri_from_env else None,
                   metavar="URI", help=uri_help + env)
    g.add_argument("--user", default=None, help="Neo4j user (default: $NEO4J_USER or neo4j)")
    g.add_argument("--password", default=None,
                   help="Neo4j password (default: $NEO4J_PASSWORD or kgpassword, docker-compose.yml's)")
    g.add_argument("--database", default=None,
                   help="Neo4j database (default: $NEO4J_DATABASE or the server's default)")


def location(args: argparse.Namespace) -> str:
    """The store the options name: --neo4j-uri, else --graph."""
    return str(getattr(args, "neo4j_uri", None) or getattr(args, "graph", None) or "out")


def is_folder(args: argparse.Namespace) -> bool:
    """The options name a built graph folder (or `falkordb:DIR`), not a server."""
    from kg.store.embedded import EmbeddedStore

    return not getattr(args, "neo4j_uri", None) and store_for(location(args)) is EmbeddedStore


def folder(args: argparse.Namespace) -> Path | None:
    """The built graph folder the options name (`falkordb:DIR` too), or None for a server."""
    if not is_folder(args):
        return None
    where = location(args)
    return Path(where[len("falkordb:"):] if where.startswith("falkordb:") else where)


def open_from(args: argparse.Namespace, **options) -> Store:
    """The store the options name, not opened yet (use `with`). A folder without a store is a
    StoreError naming the way out."""
    graph = folder(args)
    if graph is not None and not location(args).startswith("falkordb:") and not (graph / "store").is_dir():
        raise StoreError(f"{graph} holds no embedded store (run `kg build PATH --out {graph}` first)")
    return open_store(getattr(args, "graph", None), getattr(args, "neo4j_uri", None), user=args.user,
                      password=args.password, database=args.database, **options)
