#!/usr/bin/env python3
"""Benchmarks, reported as ratios against a baseline measured in the same run (medians of chunks).

Part 1, repository: creates N CIs (default 20,000) through the batch endpoint and N one by one,
reads them back (batch and one by one), and queries by type, against a real server started here on
the embedded default (SQLite). Baseline: the same rows inserted and read with plain sqlite3 (WAL,
synchronous=NORMAL, as the server uses), one transaction per row or per batch to match.

Part 2, cli: wall time of `deployit-cli -q -f empty.py` against a running server (log in, run an
empty script, exit), median of 15 runs, against `python -c 'import requests'` as the baseline.

Part 3, planning: D deployables (cmd.Command, default 2,000) on 10 hosts, so D x 10 deployeds, through
REST: prepareAutoDeployeds (POST /deployment/prepare/deployeds) and task creation (POST /deployment:
validation, delta analysis, orchestration, rules, plan optimisation, the task stored), then the same
at half and double size. It prints the time per deployed at each size, which should stay flat, and
as baseline the time per deployed of a plain JSON round trip (json.dumps + json.loads) of the same
deployment body, the least any server must spend on it.

Usage: .venv/bin/python scripts/bench.py [--count N] [--chunks K] [--deployables D]
                                         [--part repository|cli|planning]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.server import ServerProcess  # noqa: E402

BATCH = 1000


def host(prefix: str, i: int) -> dict:
    return {"id": f"Infrastructure/{prefix}/host-{i:06d}", "type": "overthere.SshHost",
            "address": f"10.0.{i // 250}.{i % 250}", "username": "deploy", "os": "UNIX", "port": 22,
            "tags": ["bench"]}


def chunked_rates(count: int, chunks: int, run_chunk) -> float:
    """Run `run_chunk(start, stop)` over `chunks` slices of range(count); median items per second."""
    size = count // chunks
    rates = []
    for c in range(chunks):
        start = c * size
        began = time.perf_counter()
        run_chunk(start, start + size)
        rates.append(size / (time.perf_counter() - began))
    return statistics.median(rates)


# -- baseline: plain sqlite3 ---------------------------------------------------------------------
def sqlite_baseline(count: int, chunks: int, folder: Path) -> dict:
    db = sqlite3.connect(folder / "baseline.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE cis (id TEXT PRIMARY KEY, type TEXT, parent_id TEXT, name TEXT, token TEXT, "
               "properties TEXT)")
    db.execute("CREATE INDEX ix_type ON cis(type)")

    def row(prefix, i):
        ci = host(prefix, i)
        return (ci["id"], ci["type"], ci["id"].rsplit("/", 1)[0], ci["id"].rsplit("/", 1)[1], str(uuid.uuid4()),
                json.dumps(ci))

    def one_by_one(start, stop):
        for i in range(start, stop):
            db.execute("BEGIN")
            db.execute("INSERT INTO cis VALUES (?,?,?,?,?,?)", row("single", i))
            db.execute("COMMIT")

    def batched(start, stop):
        for b in range(start, stop, BATCH):
            db.execute("BEGIN")
            db.executemany("INSERT INTO cis VALUES (?,?,?,?,?,?)", [row("batch", i) for i in range(b, min(b + BATCH, stop))])
            db.execute("COMMIT")

    def read_one(start, stop):
        for i in range(start, stop):
            json.loads(db.execute("SELECT properties FROM cis WHERE id=?", (host("single", i)["id"],)).fetchone()[0])

    def read_batch(start, stop):
        for b in range(start, stop, BATCH):
            ids = [host("batch", i)["id"] for i in range(b, min(b + BATCH, stop))]
            marks = ",".join("?" * len(ids))
            [json.loads(r[0]) for r in db.execute(f"SELECT properties FROM cis WHERE id IN ({marks})", ids)]

    out = {"create one by one": chunked_rates(count, chunks, one_by_one),
           "create in batches": chunked_rates(count, chunks, batched),
           "read one by one": chunked_rates(count, chunks, read_one),
           "read in batches": chunked_rates(count, chunks, read_batch)}
    times = []
    for _ in range(5):
        began = time.perf_counter()
        rows = db.execute("SELECT id, type FROM cis WHERE type IN ('overthere.SshHost') ORDER BY id").fetchall()
        times.append(time.perf_counter() - began)
    out["query by type"] = len(rows) / statistics.median(times)
    db.close()
    return out


# -- the server ----------------------------------------------------------------------------------
def server_run(count: int, chunks: int, folder: Path) -> dict:
    server = ServerProcess(folder / "home").start()
    try:
        s = server.session()
        url = server.url
        for prefix in ("single", "batch"):
            s.post(f"{url}/repository/ci/Infrastructure/{prefix}", json={"type": "core.Directory"}).raise_for_status()

        def one_by_one(start, stop):
            for i in range(start, stop):
                ci = host("single", i)
                s.post(f"{url}/repository/ci/{ci['id']}", json=ci).raise_for_status()

        def batched(start, stop):
            for b in range(start, stop, BATCH):
                s.post(f"{url}/repository/cis", json=[host("batch", i) for i in range(b, min(b + BATCH, stop))]
                       ).raise_for_status()

        def read_one(start, stop):
            for i in range(start, stop):
                s.get(f"{url}/repository/ci/{host('single', i)['id']}").raise_for_status()

        def read_batch(start, stop):
            for b in range(start, stop, BATCH):
                s.post(f"{url}/repository/cis/read",
                       json=[host("batch", i)["id"] for i in range(b, min(b + BATCH, stop))]).raise_for_status()

        out = {"create one by one": chunked_rates(count, chunks, one_by_one),
               "create in batches": chunked_rates(count, chunks, batched),
               "read one by one": chunked_rates(count, chunks, read_one),
               "read in batches": chunked_rates(count, chunks, read_batch)}
        times = []
        for _ in range(5):
            began = time.perf_counter()
            found = s.get(f"{url}/repository/query", params={"type": "overthere.Host", "resultsPerPage": -1})
            found.raise_for_status()
            times.append(time.perf_counter() - began)
        assert len(found.json()) == 2 * count, len(found.json())
        out["query by type"] = len(found.json()) / statistics.median(times)
        return out
    finally:
        server.stop()


def repository_part(count: int, chunks: int) -> None:
    with tempfile.TemporaryDirectory(prefix="deployit-bench-") as tmp:
        folder = Path(tmp)
        baseline = sqlite_baseline(count, chunks, folder)
        ours = server_run(count, chunks, folder)
    print(f"\nRepository, {count} CIs per operation (median of {chunks} chunks; query: median of 5)")
    print(f"{'operation':<20} {'server CIs/s':>14} {'sqlite3 CIs/s':>15} {'server/sqlite3':>15}")
    for op in baseline:
        print(f"{op:<20} {ours[op]:>14,.0f} {baseline[op]:>15,.0f} {ours[op] / baseline[op]:>15.3f}")


def timed_runs(cmd: list[str], runs: int) -> float:
    import subprocess
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def cli_part(runs: int = 15) -> None:
    venv_bin = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="deployit-bench-") as tmp:
        folder = Path(tmp)
        server = ServerProcess(folder / "home").start()
        try:
            script = folder / "empty.py"
            script.write_text("")
            cli = [str(venv_bin / "deployit-cli"), "-q", "-host", "127.0.0.1", "-port", str(server.port),
                   "-username", "admin", "-password", "admin", "-f", str(script)]
            ours = timed_runs(cli, runs)
            baseline = timed_runs([sys.executable, "-c", "import requests"], runs)
        finally:
            server.stop()
    print(f"\nCLI start-up (median of {runs} runs)")
    print(f"{'command':<44} {'seconds':>8} {'ratio':>7}")
    print(f"{'deployit-cli -q -f empty.py':<44} {ours:>8.3f} {ours / baseline:>7.2f}")
    print(f"{'python -c import requests (baseline)':<44} {baseline:>8.3f} {1:>7.2f}")


def planning_size(s, url: str, deployables: int, containers: int) -> dict:
    tag = uuid.uuid4().hex[:8]
    app, env, hosts = f"Applications/bench-{tag}", f"Environments/bench-{tag}", f"Infrastructure/bench-{tag}"
    version = f"{app}/1.0"
    cis = [{"id": app, "type": "udm.Application"}, {"id": version, "type": "udm.DeploymentPackage"},
           {"id": hosts, "type": "core.Directory"}]
    cis += [{"id": f"{hosts}/host-{c:02d}", "type": "overthere.SshHost", "address": f"10.1.0.{c}", "username": "u"}
            for c in range(containers)]
    cis += [{"id": f"{version}/cmd-{d:05d}", "type": "cmd.Command", "commandLine": f"run {d}", "order": 50 + d % 3}
            for d in range(deployables)]
    for b in range(0, len(cis), BATCH):
        s.post(f"{url}/repository/cis", json=cis[b:b + BATCH]).raise_for_status()
    s.post(f"{url}/repository/ci/{env}", json={"id": env, "type": "udm.Environment",
                                               "members": [c["id"] for c in cis if c["type"] == "overthere.SshHost"]}
           ).raise_for_status()
    initial = s.get(f"{url}/deployment/prepare/initial", params={"version": version, "environment": env})
    initial.raise_for_status()
    began = time.perf_counter()
    prepared = s.post(f"{url}/deployment/prepare/deployeds", json=initial.json())
    prepared.raise_for_status()
    mapped = time.perf_counter() - began
    deployment = prepared.json()
    count = len(deployment["deployeds"])
    assert count == deployables * containers, count
    began = time.perf_counter()
    created = s.post(f"{url}/deployment", json=deployment)
    created.raise_for_status()
    tasked = time.perf_counter() - began
    began = time.perf_counter()
    json.loads(json.dumps(deployment))
    baseline = time.perf_counter() - began
    return {"deployeds": count, "prepareAutoDeployeds": mapped, "create task": tasked, "json round trip": baseline}


def planning_part(deployables: int, containers: int = 10) -> None:
    sizes = [deployables // 2, deployables, deployables * 2]
    with tempfile.TemporaryDirectory(prefix="deployit-bench-") as tmp:
        server = ServerProcess(Path(tmp) / "home").start()
        try:
            s = server.session()
            planning_size(s, server.url, 50, containers)  # warm-up
            results = [planning_size(s, server.url, size, containers) for size in sizes]
        finally:
            server.stop()
    print(f"\nPlanning, {containers} hosts; microseconds per deployed (ratio to the JSON round trip baseline)")
    print(f"{'deployeds':>10} {'prepareAutoDeployeds':>22} {'create task':>18} {'both':>18} {'JSON baseline':>14}")
    for r in results:
        n, base = r["deployeds"], r["json round trip"]
        cells = []
        for value in (r["prepareAutoDeployeds"], r["create task"], r["prepareAutoDeployeds"] + r["create task"]):
            cells.append(f"{value / n * 1e6:8.1f} ({value / base:5.1f}x)")
        print(f"{n:>10,} {cells[0]:>22} {cells[1]:>18} {cells[2]:>18} {base / n * 1e6:>14.1f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--chunks", type=int, default=5)
    parser.add_argument("--deployables", type=int, default=2000, help="deployables of the planning part's middle size")
    parser.add_argument("--part", action="append", choices=["repository", "cli", "planning"],
                        help="parts to run (default: all)")
    args = parser.parse_args(argv)
    parts = args.part or ["repository", "cli", "planning"]
    if "repository" in parts:
        repository_part(args.count, args.chunks)
    if "cli" in parts:
        cli_part()
    if "planning" in parts:
        planning_part(args.deployables)
    return 0


if __name__ == "__main__":
    sys.exit(main())
