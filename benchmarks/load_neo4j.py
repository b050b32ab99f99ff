"""Load benchmark into Neo4j: the synthetic graph of benchmarks/load_embedded.py (100,000 nodes +
2,000 documents, 300,000 relationships + 100,000 MENTIONED_IN = 502,000 rows) loaded by what
`kg load` runs (`Neo4jStore.load`: constraints, planning, batches of --batch-size rows, each a
managed write transaction) into the Neo4j 5.26 test server (tools/neo4j-test-server, started
here; a fresh server and database per run, its start not timed; the JVM with the JIT a production
server runs, C1 then C2, not the tests' client compiler only: --test-jit), and into a fresh
embedded store in the same run for comparison.

    python benchmarks/load_neo4j.py [--nodes 100000] [--relationships 300000] [--runs 3]

Also timed, per run: the bulk path for a new database, `kg export neo4j-import` (the CSV and header
files, written from the same records) plus Neo4j's own importer (`neo4j-admin database import
full`, run by the launcher) into a fresh database.

Reported: rows/s of each run and the median of each store and path.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tools" / "neo4j-test-server"))

from load_embedded import synthetic  # noqa: E402
from neo4j_test_server import SERVER_JVM_OPTIONS, Neo4jTestServer, admin  # noqa: E402

from kg.neo4j_import import export as export_import_files, files_of, import_arguments  # noqa: E402

from kg.store import EmbeddedStore  # noqa: E402
from kg.store.neo4j import Neo4jStore  # noqa: E402


class _CPU(dict):
    def __sub__(self, other):
        return _CPU({k: v - other[k] for k, v in self.items()})


def jvm_cpu(pid: int) -> "_CPU":
    """CPU seconds the server's JVM has used, in all and in its JIT compiler threads (Linux /proc)."""
    tick, out = os.sysconf("SC_CLK_TCK"), _CPU(all=0.0, jit=0.0)
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = Path(f"/proc/{pid}/task/{tid}/comm").read_text()
            fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue                     # a thread that ended meanwhile
        used = (int(fields[11]) + int(fields[12])) / tick
        out["all"] += used
        out["jit"] += used if "CompilerThre" in name else 0.0
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--relationships", type=int, default=300_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=None, help="rows per transaction (default: the store's)")
    ap.add_argument("--test-jit", action="store_true",
                    help="run the server with the tests' JVM options (client compiler only) instead of a production JIT")
    ap.add_argument("--no-embedded", action="store_true", help="skip the embedded store's runs")
    ap.add_argument("--no-import", action="store_true", help="skip the neo4j-admin import runs")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    entities, relations, documents = synthetic(args.nodes, args.relationships)
    print(f"synthetic graph: {len(entities)} nodes + {len(documents)} documents, {len(relations)} relationships "
          f"+ {len(entities)} MENTIONED_IN ({time.perf_counter() - t:.1f}s to make)", flush=True)
    rates: dict[str, list[float]] = {"neo4j": [], "embedded": [], "neo4j-admin import": []}
    for run in range(args.runs):
        with Neo4jTestServer(pagecache="512m", jvm_options=None if args.test_jit else SERVER_JVM_OPTIONS) as server:
            with Neo4jStore(server.uri, user=server.user, password=server.password,
                            batch_size=args.batch_size) as db:
                cpu = jvm_cpu(server.process.pid), time.process_time()
                t = time.perf_counter()
                sent = db.load(entities, relations, documents)
                took = time.perf_counter() - t
                server_cpu, client_cpu = jvm_cpu(server.process.pid) - cpu[0], time.process_time() - cpu[1]
                rows = sent["nodes"] + sent["relationships"]
                counts = db.counts()
                assert sum(counts["relationships"].values()) == rows - sent["nodes"], counts
        rates["neo4j"].append(rows / took)
        print(f"neo4j run {run + 1}: {rows} rows in {took:.1f}s = {rows / took:,.0f} rows/s "
              f"(server started in {server.started_in:.1f}s; CPU during the load: server "
              f"{server_cpu['all']:.1f}s, of which its JIT compilers {server_cpu['jit']:.1f}s, client {client_cpu:.1f}s)",
              flush=True)
        if not args.no_import:
            with tempfile.TemporaryDirectory(prefix="kg-bench-import-") as tmp:
                t = time.perf_counter()
                written = export_import_files(entities, relations, documents, Path(tmp) / "files")
                wrote = time.perf_counter() - t
                done = admin(import_arguments(*files_of(Path(tmp) / "files"), "neo4j", folder=Path(tmp) / "files"),
                             Path(tmp) / "home", timeout=1800)
                took = time.perf_counter() - t
                assert "IMPORT DONE" in done.stdout, done.stdout[-2000:]
                rows = written["nodes"] + written["relationships"]
            rates["neo4j-admin import"].append(rows / took)
            print(f"neo4j-admin import run {run + 1}: {rows} rows in {took:.1f}s = {rows / took:,.0f} rows/s "
                  f"(files written in {wrote:.1f}s)", flush=True)
        if not args.no_embedded:
            with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp, EmbeddedStore(Path(tmp) / "store") as db:
                t = time.perf_counter()
                sent = db.load(entities, relations, documents)
                took = time.perf_counter() - t
                rows = sent["nodes"] + sent["relationships"]
            rates["embedded"].append(rows / took)
            print(f"embedded run {run + 1}: {rows} rows in {took:.1f}s = {rows / took:,.0f} rows/s", flush=True)
    for store, r in rates.items():
        if r:
            print(f"{store}: median {statistics.median(r):,.0f} rows/s over {len(r)} runs "
                  f"(min {min(r):,.0f}, max {max(r):,.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
