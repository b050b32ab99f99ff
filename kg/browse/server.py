"""`kg browse`: serve the graph browser page and its JSON API on a local port.

    kg browse [--graph DIR | --neo4j-uri URI] [--host 127.0.0.1] [--port 8765] [--open] [--sources PATH…]

The standard library's ThreadingHTTPServer serves `static/` (the page, its script and style, and
the bundled vis-network) and these GET endpoints, each answering JSON (`{"error": …}` with status
400/404/500 when it cannot):

    /api/meta                       labels (colour, count), relationship types, named queries
    /api/search?q=TEXT              nodes whose name or an alias holds TEXT, grouped by label
    /api/node?id=ID                 properties, mentions (document, offsets, sentence), sentences
    /api/expand?id=ID&skip=N        neighbours, 25 at a time, with how many there are
    /api/edge?id=S|TYPE|O           a relationship's evidence, confidence, rule, source
    /api/view/parks, /api/view/regions   the starting views

and POST /api/query with `{"cypher": …}` or `{"name": …, "params": {…}}` (read-only: a write is
answered 403 with the reason). Nothing is loaded from the internet; the server only answers
requests whose Host is the address it listens on (no DNS rebinding).
"""
from __future__ import annotations

import json
import mimetypes
import signal
import sys
import threading
import webbrowser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from kg.browse.app import Browser
from kg.browse.readonly import WriteRefused
from kg.store.base import StoreError

STATIC = Path(__file__).resolve().parent / "static"
EXIT_FAILED = 2
MAX_BODY = 1 << 20


class Handler(BaseHTTPRequestHandler):
    server_version = "kg-browse"
    browser: Browser  # set on the subclass made by make_server
    allowed_hosts: set[str]

    def log_message(self, fmt, *args):  # quiet: errors go to the page, not the terminal
        pass

    def _send(self, status: int, body: bytes, ctype: str, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                         "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, obj, status: int = 200) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").lower()
        if host.startswith("["):
            host = host.split("]")[0] + "]"
        else:
            host = host.rsplit(":", 1)[0]
        return not self.allowed_hosts or host in self.allowed_hosts

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        if not self._host_ok():
            return self._json({"error": "unexpected Host header"}, 403)
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path.startswith("/api/"):
            return self._api(path, q)
        if path in ("/", "/index.html"):
            path = "/index.html"
        f = (STATIC / path.lstrip("/")).resolve()
        if STATIC not in f.parents or not f.is_file():
            return self._json({"error": f"no such file: {url.path}"}, 404)
        ctype = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "text/javascript"):
            ctype += "; charset=utf-8"
        self._send(200, f.read_bytes(), ctype, cache="vendor" in f.parts)

    def do_POST(self):
        if not self._host_ok():
            return self._json({"error": "unexpected Host header"}, 403)
        if urlsplit(self.path).path != "/api/query":
            return self._json({"error": "only /api/query takes POST"}, 404)
        if "application/json" not in (self.headers.get("Content-Type") or ""):
            return self._json({"error": "send the query as application/json"}, 415)
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            return self._json({"error": "query too long"}, 413)
        try:
            body = json.loads(self.rfile.read(n) or b"{}")
            if not isinstance(body, dict):
                raise ValueError("expected a JSON object")
        except ValueError as e:
            return self._json({"error": f"not JSON: {e}"}, 400)
        self._answer(lambda b: b.query(cypher=body.get("cypher"), name=body.get("name"),
                                       params=body.get("params") or {}))

    def _api(self, path: str, q: dict) -> None:
        b = self.browser
        routes = {
            "/api/meta": lambda: b.meta(),
            "/api/search": lambda: b.search(q.get("q", "")),
            "/api/node": lambda: b.node(q.get("id", "")),
            "/api/expand": lambda: b.expand(q.get("id", ""), int(q.get("skip", 0) or 0),
                                            min(200, int(q.get("limit", 0) or 0) or 25)),
            "/api/edge": lambda: b.edge(q.get("id", "")),
        }
        if path.startswith("/api/view/"):
            return self._answer(lambda _: b.view(path.rsplit("/", 1)[1]))
        if path not in routes:
            return self._json({"error": f"no endpoint {path}"}, 404)
        self._answer(lambda _: routes[path]())

    def _answer(self, fn) -> None:
        try:
            result = fn(self.browser)
        except WriteRefused as e:
            return self._json({"error": str(e), "refused": True}, 403)
        except LookupError as e:
            return self._json({"error": str(e.args[0]) if e.args else str(e)}, 404)
        except (ValueError, StoreError) as e:
            return self._json({"error": str(e)}, 400)
        except Exception as e:  # the store rejected the Cypher: say why, keep serving
            msg = " ".join(str(e).split()) or type(e).__name__
            status = 400 if type(e).__module__.split(".")[0] in ("redis", "falkordb", "neo4j") else 500
            return self._json({"error": f"the store answered: {msg}"}, status)
        self._json(result)


def make_server(browser: Browser, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    """An HTTP server for `browser` (not started: call serve_forever); port 0 picks a free one."""
    allowed = set()
    if host in ("127.0.0.1", "localhost", "::1"):
        allowed = {"127.0.0.1", "localhost", "[::1]"}
    handler = type("BoundHandler", (Handler,), {"browser": browser, "allowed_hosts": allowed})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _built_from(graph: Path) -> list[str]:
    """The input paths the build of `graph` recorded, those that still exist."""
    try:
        inputs = json.loads((graph / "summary.json").read_text("utf-8")).get("inputs") or []
    except (OSError, ValueError):
        return []
    return [p for p in inputs if Path(p).exists()]


def cmd_browse(args) -> int:
    from kg.store import open_store

    graph = Path(args.graph)
    try:
        if args.neo4j_uri:
            store = open_store(neo4j_uri=args.neo4j_uri, user=args.user, password=args.password,
                               database=args.database)
        else:
            if not (graph / "store").is_dir():
                raise StoreError(f"{graph} holds no embedded store (run `kg build PATH --out {graph}` first)")
            store = open_store(graph=graph)
        store.open()
    except StoreError as e:
        print(f"kg browse: {e}", file=sys.stderr)
        return EXIT_FAILED
    try:
        where = getattr(store, "where", None) or f"embedded store of {graph}"
        browser = Browser(store, where, sources=args.sources or _built_from(graph) or None)
        try:
            server = make_server(browser, args.host, args.port)
        except OSError as e:
            print(f"kg browse: cannot listen on {args.host}:{args.port}: {e.strerror or e}", file=sys.stderr)
            return EXIT_FAILED
        url = url_of(server)
        # SIGTERM stops the server like Ctrl-C does, so the embedded store is shut down cleanly
        signal.signal(signal.SIGTERM, _interrupt)
        print(f"kg browse: serving {where} at {url} (Ctrl-C stops)", flush=True)
        if args.open:
            threading.Timer(0.3, lambda: webbrowser.open(url)).start()
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            print("kg browse: stopped", file=sys.stderr)
        finally:
            server.server_close()
        return 0
    finally:
        store.close()


def register(sub) -> None:
    """Add `browse` to the `kg` subcommands."""
    p = sub.add_parser("browse", help="explore the graph in a local web page",
                       description="Serve a local page to search, draw and query the graph: the embedded "
                                   "store of --graph (default out/) or Neo4j with --neo4j-uri. Read-only.")
    p.add_argument("--graph", default="out", help="the built graph's folder (default: out/)")
    p.add_argument("--neo4j-uri", default=None, metavar="URI", help="browse a Neo4j 5 server instead")
    p.add_argument("--user", default=None, help="Neo4j user (default: $NEO4J_USER or neo4j)")
    p.add_argument("--password", default=None, help="Neo4j password (default: $NEO4J_PASSWORD or kgpassword)")
    p.add_argument("--database", default=None, help="Neo4j database (default: the server's default)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0 picks a free one)")
    p.add_argument("--open", action="store_true", help="open the page in the default web browser")
    p.add_argument("--sources", nargs="+", default=[], metavar="PATH",
                   help="the articles the graph was built from, so mentions show in their sentences "
                        "(default: the paths DIR/summary.json says the build read, where they still exist)")
    p.set_defaults(func=cmd_browse)
