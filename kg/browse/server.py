"""`kg browse`: serve the graph browser page and its JSON API on a local port.

    kg browse [--graph LOCATION | --neo4j-uri URI] [--host 127.0.0.1] [--port 8765] [--open]

The standard library's ThreadingHTTPServer serves `static/` (the page, its script and style, and
the bundled vis-network) and these GET endpoints, each answering JSON (`{"error": …}` with status
400/404/500 when it cannot):

    /api/meta                       labels (colour, count), relationship types, named queries
    /api/build                      the generation of the build served (the page polls it and says
                                    so when a new build replaced the graph)
    /api/search?q=TEXT              nodes whose name or an alias holds TEXT, grouped by label
    /api/node?id=ID                 properties, mentions (document, offsets, sentence), sentences
    /api/expand?id=ID&skip=N        neighbours, 25 at a time, with how many there are
    /api/edge?id=S|TYPE|O           a relationship's evidence, confidence, rule, source
    /api/view/parks, /api/view/regions   the starting views

and POST /api/query with `{"cypher": …}` or `{"name": …, "params": {…}}` (read-only: a write is
answered 403 with the reason). Nothing is loaded from the internet.

Other web pages cannot use it: every /api/ request must carry the token made for this run
(`X-KG-Token`, which the page reads from the `<meta name="kg-token">` the server writes into it;
another site can neither read it nor send a custom header without a preflight this server never
grants), a request with an `Origin` must come from the page's own, POST bodies must be
`application/json` exactly, and on loopback the Host must be the address listened on (no DNS
rebinding). Queries longer than 20,000 characters or nested deeper than 12 brackets never reach
the store; a query runs at most 15 s (the store's timeout, and a wall clock beside it that
answers the page and abandons the query: nobody else waits for it, and a store still busy with
it 3 s later is restarted); a query's answer is read from the store no further than 10,000 rows
(the rest is not read: the page says "cut") or 16 MB (refused, 413: on the embedded store the
reply is read off FalkorDB's socket with that budget, kg.store.falkordb_wire.ro_query_bounded), and
answers over 16 MB of JSON are refused. Serving beyond loopback needs
`--allow-remote`. The store is reopened when a new build replaces the graph.
"""
from __future__ import annotations

import json
import mimetypes
import secrets
import signal
import sys
import threading
import webbrowser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kg.browse.app import Browser, Busy, QueryTimeout
from kg.browse.readonly import TooLarge, WriteRefused
from kg.store.base import StoreError
from kg.store.options import add_store_options

STATIC = Path(__file__).resolve().parent / "static"
EXIT_FAILED = 2
MAX_BODY = 1 << 20
MAX_ANSWER = 16 << 20
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Handler(BaseHTTPRequestHandler):
    server_version = "kg-browse"
    browser: Browser  # set on the subclass made by make_server
    allowed_hosts: set[str]
    token: str

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
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        if len(body) > MAX_ANSWER:
            return self._json({"error": f"the answer is {len(body) / 2**20:.0f} MB, over the "
                                        f"{MAX_ANSWER >> 20} MB the browser sends; add LIMIT or return less"}, 413)
        self._send(status, body, "application/json; charset=utf-8")

    def _caller_ok(self) -> bool:
        """The page of this run, not another site: the token, and the Origin if one is sent."""
        if not secrets.compare_digest(self.headers.get("X-KG-Token") or "", self.token):
            self._json({"error": "missing or wrong X-KG-Token: reload the page"}, 403)
            return False
        origin = self.headers.get("Origin")
        if origin and origin.lower() != f"http://{(self.headers.get('Host') or '').lower()}":
            self._json({"error": f"cross-origin request from {origin} refused"}, 403)
            return False
        return True

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
            if not self._caller_ok():
                return
            return self._api(path, q)
        if path in ("/", "/index.html"):
            path = "/index.html"
        f = (STATIC / path.lstrip("/")).resolve()
        if STATIC not in f.parents or not f.is_file():
            return self._json({"error": f"no such file: {url.path}"}, 404)
        ctype = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "text/javascript"):
            ctype += "; charset=utf-8"
        body = f.read_bytes()
        if f.name == "index.html":          # the page gets this run's token
            body = body.replace(b"</head>", f'<meta name="kg-token" content="{self.token}">\n</head>'.encode(), 1)
        self._send(200, body, ctype, cache="vendor" in f.parts)

    def do_POST(self):
        if not self._host_ok():
            return self._json({"error": "unexpected Host header"}, 403)
        if urlsplit(self.path).path != "/api/query":
            return self._json({"error": "only /api/query takes POST"}, 404)
        if not self._caller_ok():
            return
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media != "application/json":
            return self._json({"error": "send the query as application/json"}, 415)
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return self._json({"error": "bad Content-Length"}, 400)
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
            "/api/build": lambda: b.build(),
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
        except TooLarge as e:
            return self._json({"error": str(e)}, 413)
        except Busy as e:
            return self._json({"error": str(e)}, 503)
        except QueryTimeout as e:
            return self._json({"error": str(e)}, 504)
        except LookupError as e:
            return self._json({"error": str(e.args[0]) if e.args else str(e)}, 404)
        except (ValueError, StoreError) as e:
            return self._json({"error": str(e)}, 400)
        except Exception as e:  # a fault of kg's own: say so, keep serving
            msg = " ".join(str(e).split()) or type(e).__name__
            return self._json({"error": f"internal error: {msg}"}, 500)
        self._json(result)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    follow: Any = None     # called on the serving thread between requests (kg browse: new builds)
    token = ""             # the run's API token (written into the page)

    def service_actions(self):
        if self.follow is not None:
            self.follow()


def make_server(browser: Browser, host: str = "127.0.0.1", port: int = 8765) -> _Server:
    """An HTTP server for `browser` (not started: call serve_forever); port 0 picks a free one.
    `server.token` is the token the API requires (the page gets it)."""
    allowed = set()
    if host in LOOPBACK:
        allowed = {"127.0.0.1", "localhost", "[::1]"}
    elif host not in ("0.0.0.0", "::", ""):
        allowed = {host.lower(), f"[{host.lower()}]"}
    token = secrets.token_urlsafe(24)
    handler = type("BoundHandler", (Handler,), {"browser": browser, "allowed_hosts": allowed, "token": token})
    server = _Server((host, port), handler)
    server.token = token
    return server


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = str(server.server_address[0]), server.server_address[1]
    if host in ("0.0.0.0", "", "::"):
        import socket

        host = socket.gethostname()          # reachable by others under this name, not 127.0.0.1
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"


class _Follower:
    """Between requests (on the serving thread, which lives as long as kg browse): when a new
    build has replaced the graph in DIR, open its store and answer from it; when the query box's
    query has stuck the store past its limit, restart the store. The old store is closed on a
    thread of its own."""

    def __init__(self, browser: Browser, graph: Path, every: float = 1.0):
        self.browser, self.graph, self.every = browser, graph, every
        self.last = 0.0

    def __call__(self) -> None:
        import time

        from kg.generation import SWAP_JOURNAL, recover, summary_generation

        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        stuck = self.browser.stuck()
        if (self.graph / SWAP_JOURNAL).exists():
            recover(self.graph, timeout=0.5)
        current = summary_generation(self.graph)
        if current == self.browser.generation and not stuck:
            return
        from kg.store import open_store

        try:
            store = open_store(graph=self.graph).open()
        except StoreError as e:
            if current != self.browser.generation:
                print(f"kg browse: the graph in {self.graph} changed but cannot be opened ({e}); "
                      "still serving the previous one", file=sys.stderr, flush=True)
                self.browser.generation = current
            return
        old = self.browser.replace_store(store)
        why = "a query stuck the store: restarted it" if stuck and current == self.browser.generation \
            else f"a new build of {self.graph} ({current}): serving it"
        self.browser.generation = current
        print(f"kg browse: {why}", file=sys.stderr, flush=True)
        threading.Thread(target=old.close, name="kg-close-old-store", daemon=True).start()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def cmd_browse(args) -> int:
    from kg.store.options import folder, open_from

    graph = folder(args)
    if args.host not in LOOPBACK and not args.allow_remote:
        print(f"kg browse: --host {args.host} would let other machines read the graph; "
              "add --allow-remote to serve beyond this machine", file=sys.stderr)
        return EXIT_FAILED
    try:
        store = open_from(args).open()
    except StoreError as e:
        print(f"kg browse: {e}", file=sys.stderr)
        return EXIT_FAILED
    browser = None
    try:
        where = getattr(store, "where", None) or f"embedded store of {graph}"
        browser = Browser(store, where, timeout_ms=int(args.query_timeout * 1000))
        if graph is not None:               # a built graph folder: follow its rebuilds
            from kg.generation import summary_generation

            browser.generation = summary_generation(graph)
        try:
            server = make_server(browser, args.host, args.port)
        except OSError as e:
            print(f"kg browse: cannot listen on {args.host}:{args.port}: {e.strerror or e}", file=sys.stderr)
            return EXIT_FAILED
        url = url_of(server)
        if graph is not None:
            server.follow = _Follower(browser, graph)
        # SIGTERM stops the server like Ctrl-C does, so the embedded store is shut down cleanly
        signal.signal(signal.SIGTERM, _interrupt)
        print(f"kg browse: serving {where} at {url} (Ctrl-C stops)", flush=True)
        if args.host not in LOOPBACK:
            print(f"kg browse: warning: listening on {args.host}: anyone who can reach this machine "
                  "and open the page can read the graph", file=sys.stderr, flush=True)
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
        if browser is not None and browser.store is not store:
            browser.store.close()          # the store of a newer build it moved to
        store.close()


def register(sub) -> None:
    """Add `browse` to the `kg` subcommands."""
    p = sub.add_parser("browse", help="explore the graph in a local web page",
                       description="Serve a local page to search, draw and query the graph: the embedded "
                                   "store of --graph (default out/) or Neo4j with --neo4j-uri. Read-only.")
    add_store_options(p, uri_help="browse a Neo4j 5 server instead")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1; "
                                                      "another needs --allow-remote)")
    p.add_argument("--allow-remote", action="store_true",
                   help="serve on an address other machines can reach (--host 0.0.0.0 …): anyone who "
                        "reaches it can read the graph")
    p.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0 picks a free one)")
    p.add_argument("--query-timeout", type=float, default=15.0, metavar="SECONDS",
                   help="the longest a query of the query box may run (default: 15)")
    p.add_argument("--open", action="store_true", help="open the page in the default web browser")
    p.set_defaults(func=cmd_browse)
