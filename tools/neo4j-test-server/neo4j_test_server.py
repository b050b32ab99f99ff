"""Start and stop a real Neo4j 5.26 Community server for kg's tests and benchmarks (no Docker).

Neo4j comes from Maven Central: `pom.xml` beside this file names it, Maven resolves it into its
local repository (`~/.m2/repository`, Maven's default cache; nothing else is written outside the
repository and temporary folders) and `Neo4jTestServer.java` runs it in one JVM: Bolt on
127.0.0.1 with a free port, authentication on (user `neo4j`, a random password), 128 MB of page
cache, a home folder in a temporary directory. The server stops when `stop()` is called, when
the `with` block ends, or when this process dies in any way (the JVM stops when its standard
input closes).

    from neo4j_test_server import Neo4jTestServer
    with Neo4jTestServer() as server:               # ~15-25 s on a 2-core machine
        print(server.uri, server.user, server.password)

As a command, it starts one and prints the settings `kg` reads, then runs until Ctrl-C:

    python tools/neo4j-test-server/neo4j_test_server.py
    # export NEO4J_URI=bolt://127.0.0.1:41234 NEO4J_USER=neo4j NEO4J_PASSWORD=...

`admin(args, home)` runs neo4j-admin (`database import full …`) from the same classpath.
"""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
SOURCE = HERE / "Neo4jTestServer.java"
TARGET = HERE / "target"            # gitignored: the resolved classpath and the compiled launcher
CLASSPATH_FILE = TARGET / "classpath.txt"
CLASSES = TARGET / "classes"
# The client compiler only (TieredStopAtLevel=1): a cold server answers its first statements twice
# as fast (the tests' case); long loads run slower with it, so benchmarks/load_neo4j.py passes
# SERVER_JVM_OPTIONS, the JIT a production server runs (C1 then C2).
JVM_OPTIONS = os.environ.get("KG_NEO4J_JVM_OPTIONS", "-Xms256m -Xmx1g -XX:+UseParallelGC -XX:TieredStopAtLevel=1").split()
SERVER_JVM_OPTIONS = "-Xms1g -Xmx2g -XX:+UseParallelGC".split()
START_TIMEOUT = 180.0


class LauncherError(RuntimeError):
    """Java or Maven is missing, Maven could not fetch Neo4j, or the server did not start."""


def _run(cmd: list[str], what: str, **kw) -> subprocess.CompletedProcess:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    except FileNotFoundError:
        raise LauncherError(f"{cmd[0]} not found: {what} needs Java 17+ and Maven 3") from None
    if p.returncode != 0:
        raise LauncherError(f"{what} failed ({' '.join(cmd[:3])} …, status {p.returncode}):\n"
                            f"{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


def classpath() -> str:
    """Neo4j's classpath, resolved by Maven (downloaded on first use into Maven's local repository)."""
    fresh = (CLASSPATH_FILE.is_file() and CLASSPATH_FILE.stat().st_mtime >= POM.stat().st_mtime)
    if fresh:
        cp = CLASSPATH_FILE.read_text().strip()
        if cp and all(os.path.exists(j) for j in cp.split(os.pathsep)):
            return cp
    TARGET.mkdir(exist_ok=True)
    tmp = TARGET / f"classpath.{os.getpid()}.txt"
    mvn = shutil.which("mvn") or "mvn"
    _run([mvn, "-q", "-B", "-f", str(POM), "dependency:build-classpath", f"-Dmdep.outputFile={tmp}"],
         "resolving Neo4j with Maven", timeout=1800)
    os.replace(tmp, CLASSPATH_FILE)
    return CLASSPATH_FILE.read_text().strip()


def _compiled(cp: str) -> Path:
    """The launcher's class, compiled once (javac) and again when its source changes."""
    cls = CLASSES / "Neo4jTestServer.class"
    if not cls.is_file() or cls.stat().st_mtime < SOURCE.stat().st_mtime:
        CLASSES.mkdir(parents=True, exist_ok=True)
        _run(["javac", "-nowarn", "-d", str(CLASSES), "-cp", cp, str(SOURCE)], "compiling the Neo4j launcher")
    return CLASSES


class Neo4jTestServer:
    """One Neo4j server in a child JVM. `home`: its folder (default: a new temporary one, removed
    on stop); `password`: the neo4j user's (default: random)."""

    user = "neo4j"

    def __init__(self, home: str | os.PathLike | None = None, password: str | None = None,
                 pagecache: str = "128m", jvm_options: list[str] | None = None):
        self._tmp = None if home else tempfile.mkdtemp(prefix="kg-neo4j-")
        self.home = Path(home or self._tmp)
        self.password = password or "kg-" + secrets.token_hex(8)
        self.pagecache = pagecache
        self.jvm_options = JVM_OPTIONS if jvm_options is None else jvm_options
        self.uri: str | None = None
        self.process: subprocess.Popen | None = None
        self.started_in: float | None = None
        self._log = None
        self.stop_timeout = 2.0

    def __enter__(self) -> "Neo4jTestServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def env(self) -> dict[str, str]:
        """The variables kg reads (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD)."""
        return {"NEO4J_URI": self.uri or "", "NEO4J_USER": self.user, "NEO4J_PASSWORD": self.password}

    def start(self) -> "Neo4jTestServer":
        t0 = time.monotonic()
        cp = classpath()
        classes = _compiled(cp)
        self.home.mkdir(parents=True, exist_ok=True)
        self._log = open(self.home / "launcher.log", "ab")
        cmd = ["java", *self.jvm_options, f"-Dkg.pagecache={self.pagecache}", "-cp", f"{classes}{os.pathsep}{cp}",
               "Neo4jTestServer", str(self.home), self.password]
        # stdin is a pipe only we hold: when this process ends, however it ends, the JVM reads EOF
        # and shuts the database down.
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self._log, start_new_session=True)
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        first = line[0].decode().strip() if line else ""
        if not first.startswith("bolt://"):
            self.stop()
            log = (self.home / "launcher.log").read_text(errors="replace")[-4000:] \
                if (self.home / "launcher.log").exists() else ""
            raise LauncherError(f"the Neo4j test server did not start within {START_TIMEOUT:.0f} s:\n{log}")
        self.uri = first
        self._wait_for_bolt()
        self.started_in = time.monotonic() - t0
        return self

    def _wait_for_bolt(self) -> None:
        import neo4j

        deadline = time.monotonic() + 60
        while True:
            try:
                with neo4j.GraphDatabase.driver(self.uri, auth=(self.user, self.password)) as d:
                    d.verify_connectivity()
                return
            except Exception:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        p, self.process = self.process, None
        if p is not None:
            try:
                p.stdin.close()          # the JVM's signal to shut down
                p.wait(self.stop_timeout)    # a clean shutdown takes ~10 s; the data is thrown away
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            finally:
                if p.stdout:
                    p.stdout.close()
        if self._log:
            self._log.close()
            self._log = None
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)


def admin(args: list[str], home: str | os.PathLike, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `neo4j-admin ARGS` (e.g. `database import full neo4j --nodes=…`) on the Neo4j home `home`."""
    cp = classpath()
    classes = _compiled(cp)
    home = Path(home)
    (home / "conf").mkdir(parents=True, exist_ok=True)
    conf = home / "conf" / "neo4j.conf"
    if not conf.exists():
        conf.write_text("")
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    return _run(["java", *JVM_OPTIONS, "-cp", f"{classes}{os.pathsep}{cp}", "Neo4jTestServer", "admin", *args],
                "neo4j-admin " + " ".join(args[:3]), env=env, timeout=timeout,
                cwd=home)                # (the importer leaves its import.report in the working folder)


def main() -> int:
    with Neo4jTestServer() as s:
        print(f"export NEO4J_URI={s.uri} NEO4J_USER={s.user} NEO4J_PASSWORD={s.password}", flush=True)
        print(f"# started in {s.started_in:.1f} s; Ctrl-C stops it", file=sys.stderr, flush=True)
        try:
            while s.process and s.process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
