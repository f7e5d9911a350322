#!/usr/bin/env python3
"""Benchmarks: each figure against a baseline measured in the same run, printed as one table.

Parts (all by default; choose with --part):
- requests: per-request overhead. `GET /repository/ci/{id}` and `POST /repository/ci/{id}` one by one,
  against a bare Starlette route on uvicorn doing the same one-row SQLite read or insert (this script
  run with --bare-server), both driven by the same lean keep-alive client (http.client: with requests
  the client's own millisecond per call would hide the server's cost). Median of chunks.
- repository: N CIs (--count) created and read in batches of 1,000 through the REST API, and a query
  by type, against plain sqlite3 (WAL, synchronous=NORMAL as the server uses) doing the same rows in
  the same transactions.
- planning: D deployables (cmd.Command) on 10 hosts, so D x 10 deployeds, at 10,000, 20,000 and 40,000
  deployeds by default: prepareAutoDeployeds plus task creation (validation, delta analysis,
  orchestration, rules, the task stored), in microseconds per deployed; baseline: a JSON round trip
  (json.dumps + json.loads) of the same deployment, the least any server must spend on it.
- engine: no-op steps per second in one task of 1,000 steps (from the task's start and completion
  dates), against plain sqlite3 committing one row per step; and 20 local containers each running
  `sleep 1` under parallel-by-container against the same under sequential-by-container.
- cluster: 40 tasks of one `sleep 3` step started at once on one server of a shared PostgreSQL repository, with
  a second server sharing it (which claims queued tasks from the database too) against the same with the first
  server alone; seconds from the first start to the last completion, `task.max.active` 10 each. And 10,000
  SshHost CIs created in batches of 1,000 through both servers at once against the same through one. And, with
  PostgreSQL LISTEN/NOTIFY against polling alone (task.notify=false, the 1 s tick): a task started on a server that
  is full (task.max.active=1) to its step running on the other server, and an abort asked of the first server to
  the task ABORTED on the other; medians of 20.
- startup: server start to its first answer with --start-cis CIs (default 100,000) in the
  repository, against the same server starting on an empty repository.
- cli: `deployit-cli -q -f empty.py` against `python -c 'import requests'` (median of 15 runs); and
  `deployit.startTaskAndWait` on a 1,000-step task in the shell against the task's own duration.
Start-ups are timed with bytecode cached, as an installed package has it (PYTHONDONTWRITEBYTECODE
would otherwise have our modules compiled at every start, and not requests').

Usage: .venv/bin/python scripts/bench.py [--count N] [--chunks K] [--part NAME ...] [--quick]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.server import ServerProcess, free_port  # noqa: E402

BATCH = 1000
HOSTS = 10
AUTH = "Basic " + base64.b64encode(b"admin:admin").decode()


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


class Client:
    """A lean keep-alive HTTP client (http.client), JSON in and out, basic auth as admin."""

    def __init__(self, port: int, prefix: str = "/deployit"):
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.prefix = prefix

    def call(self, method: str, path: str, body=None, expect=200):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": AUTH, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        self.conn.request(method, self.prefix + path, body=data, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        if response.status != expect:
            raise RuntimeError(f"{method} {path}: {response.status} {raw[:300]!r}")
        return json.loads(raw) if raw else None

    def close(self):
        self.conn.close()


class Table:
    """The rows of the one table printed at the end."""

    def __init__(self):
        self.rows = []

    def add(self, figure: str, ours: float, baseline: float, unit: str, versus: str, goal: str = "",
            ratio: float | None = None):
        self.rows.append((figure, ours, baseline, unit, versus, goal,
                          ours / baseline if ratio is None and baseline else ratio))

    def print(self):
        def num(v):
            return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"
        widths = (46, 11, 11, 14, 34, 7, 16)
        head = ("figure", "ours", "baseline", "unit", "baseline is", "ratio", "goal")
        print()
        print(" ".join(h.ljust(w) if n in (0, 3, 4, 6) else h.rjust(w) for n, (h, w) in enumerate(zip(head, widths))))
        for figure, ours, base, unit, versus, goal, ratio in self.rows:
            cells = (figure, num(ours), num(base), unit, versus, f"{ratio:.3f}" if ratio is not None else "", goal)
            print(" ".join(c.ljust(w) if n in (0, 3, 4, 6) else c.rjust(w) for n, (c, w) in enumerate(zip(cells, widths))))


# -- requests: per-request overhead ------------------------------------------------------------------
def bare_app(db_path: str):
    """A bare Starlette app doing what the two routes measured do, minus everything else: one-row read
    and one-row insert (its own transaction), in the thread pool as the server's routes do."""
    import threading

    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    local = threading.local()

    def db():
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def read(ci_id):
        return json.loads(db().execute("SELECT properties FROM cis WHERE id=?", (ci_id,)).fetchone()[0])

    def write(ci):
        conn = db()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO cis VALUES (?,?,?,?,?,?)", sqlite_row(ci))
        conn.execute("COMMIT")
        return ci

    async def get_ci(request):
        return JSONResponse(await run_in_threadpool(read, request.path_params["id"]))

    async def post_ci(request):
        return JSONResponse(await run_in_threadpool(write, json.loads(await request.body())))

    return Starlette(routes=[Route("/deployit/repository/ci/{id:path}", get_ci, methods=["GET"]),
                             Route("/deployit/repository/ci/{id:path}", post_ci, methods=["POST"])])


def sqlite_db(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS cis (id TEXT PRIMARY KEY, type TEXT, parent_id TEXT, name TEXT, "
               "token TEXT, properties TEXT)")
    db.execute("CREATE INDEX IF NOT EXISTS ix_type ON cis(type)")
    return db


def sqlite_row(ci: dict) -> tuple:
    return (ci["id"], ci["type"], ci["id"].rsplit("/", 1)[0], ci["id"].rsplit("/", 1)[1], str(uuid.uuid4()),
            json.dumps(ci))


def serve_bare(port: int, db_path: str) -> None:
    import uvicorn
    uvicorn.run(bare_app(db_path), host="127.0.0.1", port=port, log_config=None, access_log=False)


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.005)
    raise RuntimeError("did not answer")


def one_by_one_rates(port: int, count: int, chunks: int, prefix: str) -> dict:
    client = Client(port)
    try:
        def create(start, stop):
            for i in range(start, stop):
                ci = host(prefix, i)
                client.call("POST", f"/repository/ci/{ci['id']}", ci)

        def read(start, stop):
            for i in range(start, stop):
                client.call("GET", f"/repository/ci/{host(prefix, i)['id']}")

        create(count, count + 100)  # warm-up: threads, caches, connections
        read(count, count + 100)
        return {"create": chunked_rates(count, chunks, create), "read": chunked_rates(count, chunks, read)}
    finally:
        client.close()


def requests_part(table: Table, count: int, chunks: int, folder: Path) -> None:
    db_path = folder / "bare.db"
    sqlite_db(db_path).close()
    port = free_port()
    bare = subprocess.Popen([sys.executable, __file__, "--bare-server", str(port), str(db_path)])
    try:
        wait_listening(port, bare)
        baseline = one_by_one_rates(port, count, chunks, "single")
    finally:
        bare.terminate()
        bare.wait()
    server = ServerProcess(folder / "requests-home").start()
    try:
        Client(server.port).call("POST", "/repository/ci/Infrastructure/single",
                                 {"id": "Infrastructure/single", "type": "core.Directory"})
        ours = one_by_one_rates(server.port, count, chunks, "single")
    finally:
        server.stop()
    table.add("GET /repository/ci/{id}, one by one", ours["read"], baseline["read"], "requests/s",
              "bare Starlette route + sqlite3", ">= 0.5x")
    table.add("POST /repository/ci/{id}, one by one", ours["create"], baseline["create"], "requests/s",
              "bare Starlette route + sqlite3", "(write path: later)")


# -- repository: batches ---------------------------------------------------------------------------
def sqlite_batches(count: int, chunks: int, folder: Path) -> dict:
    db = sqlite_db(folder / "baseline.db")

    def batched(start, stop):
        for b in range(start, stop, BATCH):
            db.execute("BEGIN")
            db.executemany("INSERT INTO cis VALUES (?,?,?,?,?,?)",
                           [sqlite_row(host("batch", i)) for i in range(b, min(b + BATCH, stop))])
            db.execute("COMMIT")

    def read_batch(start, stop):
        for b in range(start, stop, BATCH):
            ids = [host("batch", i)["id"] for i in range(b, min(b + BATCH, stop))]
            marks = ",".join("?" * len(ids))
            [json.loads(r[0]) for r in db.execute(f"SELECT properties FROM cis WHERE id IN ({marks})", ids)]

    out = {"create": chunked_rates(count, chunks, batched), "read": chunked_rates(count, chunks, read_batch)}
    times = []
    for _ in range(5):
        began = time.perf_counter()
        rows = db.execute("SELECT id, type FROM cis WHERE type IN ('overthere.SshHost') ORDER BY id").fetchall()
        times.append(time.perf_counter() - began)
    out["query"] = len(rows) / statistics.median(times)
    db.close()
    return out


def server_batches(count: int, chunks: int, folder: Path) -> dict:
    server = ServerProcess(folder / "batches-home").start()
    client = Client(server.port)
    try:
        client.call("POST", "/repository/ci/Infrastructure/batch", {"id": "Infrastructure/batch", "type": "core.Directory"})

        def batched(start, stop):
            for b in range(start, stop, BATCH):
                client.call("POST", "/repository/cis", [host("batch", i) for i in range(b, min(b + BATCH, stop))])

        def read_batch(start, stop):
            for b in range(start, stop, BATCH):
                client.call("POST", "/repository/cis/read", [host("batch", i)["id"] for i in range(b, min(b + BATCH, stop))])

        out = {"create": chunked_rates(count, chunks, batched), "read": chunked_rates(count, chunks, read_batch)}
        times = []
        for _ in range(5):
            began = time.perf_counter()
            found = client.call("GET", "/repository/query?type=overthere.Host&resultsPerPage=-1")
            times.append(time.perf_counter() - began)
        assert len(found) == count, len(found)
        out["query"] = len(found) / statistics.median(times)
        return out
    finally:
        client.close()
        server.stop()


def repository_part(table: Table, count: int, chunks: int, folder: Path) -> None:
    baseline = sqlite_batches(count, chunks, folder)
    ours = server_batches(count, chunks, folder)
    table.add(f"create in batches of {BATCH:,} ({count:,} CIs)", ours["create"], baseline["create"], "CIs/s",
              "plain sqlite3, same transactions", ">= 0.25x")
    table.add(f"read in batches of {BATCH:,}", ours["read"], baseline["read"], "CIs/s", "plain sqlite3")
    table.add("query by type", ours["query"], baseline["query"], "CIs/s", "plain sqlite3")


# -- deployments through REST ----------------------------------------------------------------------
def store_cis(client: Client, cis: list[dict]) -> None:
    for b in range(0, len(cis), BATCH):
        client.call("POST", "/repository/cis", cis[b:b + BATCH])


def deployment_of(client: Client, name: str, deployables: list[dict], containers: list[dict],
                  orchestrator: str | None = None) -> dict:
    """Store an application version holding `deployables` and an environment of `containers`; the
    deployment prepared with prepareAutoDeployeds, and the seconds prepareAutoDeployeds took."""
    tag = uuid.uuid4().hex[:8]
    app, env, infra = f"Applications/{name}", f"Environments/{name}-{tag}", f"Infrastructure/{name}-{tag}"
    version = f"{app}/1.0-{tag}"
    cis = ([{"id": app, "type": "udm.Application"}] if not client_exists(client, app) else []) + \
        [{"id": version, "type": "udm.DeploymentPackage"}, {"id": infra, "type": "core.Directory"}]
    cis += [dict(c, id=f"{infra}/{c['id']}") for c in containers]
    cis += [dict(d, id=f"{version}/{d['id']}") for d in deployables]
    store_cis(client, cis)
    client.call("POST", f"/repository/ci/{env}", {"id": env, "type": "udm.Environment",
                                                  "members": [f"{infra}/{c['id']}" for c in containers]})
    initial = client.call("GET", f"/deployment/prepare/initial?version={version}&environment={env}")
    if orchestrator:
        initial["application"]["orchestrator"] = [orchestrator]
    began = time.perf_counter()
    prepared = client.call("POST", "/deployment/prepare/deployeds", initial)
    return prepared, time.perf_counter() - began


def client_exists(client: Client, ci_id: str) -> bool:
    return client.call("GET", f"/repository/exists/{ci_id}")["boolean"]


def create_task(client: Client, deployment: dict) -> str:
    return client.call("POST", "/deployment", deployment)["string"]


def run_task(client: Client, task_id: str, poll: float = 0.05) -> dict:
    """Start a task and wait (polling its summary) until it is EXECUTED; the summary."""
    client.call("POST", f"/tasks/v2/{task_id}/start", expect=204)
    while True:
        summary = client.call("GET", f"/tasks/v2/{task_id}/summary")
        if summary["state"] not in ("QUEUED", "EXECUTING", "PENDING"):
            break
        time.sleep(poll)
    if summary["state"] != "EXECUTED":
        raise RuntimeError(f"task {task_id} ended {summary['state']}")
    return summary


def iso_seconds(text: str) -> float:
    from datetime import datetime
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def task_seconds(task: dict) -> float:
    return iso_seconds(task["completionDate"]) - iso_seconds(task["startDate"])


# -- planning --------------------------------------------------------------------------------------
def planning_size(client: Client, deployables: int) -> dict:
    prepared, mapped = deployment_of(
        client, "bench-plan",
        [{"id": f"cmd-{d:05d}", "type": "cmd.Command", "commandLine": f"run {d}", "order": 50 + d % 3}
         for d in range(deployables)],
        [{"id": f"host-{c:02d}", "type": "overthere.SshHost", "address": f"10.1.0.{c}", "username": "u"}
         for c in range(HOSTS)])
    count = len(prepared["deployeds"])
    assert count == deployables * HOSTS, count
    began = time.perf_counter()
    create_task(client, prepared)
    tasked = time.perf_counter() - began
    began = time.perf_counter()
    json.loads(json.dumps(prepared))
    baseline = time.perf_counter() - began
    return {"deployeds": count, "seconds": mapped + tasked, "mapped": mapped, "tasked": tasked, "baseline": baseline}


def planning_part(table: Table, sizes: list[int], folder: Path) -> None:
    server = ServerProcess(folder / "planning-home").start()
    client = Client(server.port)
    try:
        planning_size(client, 50)  # warm-up
        results = [planning_size(client, size // HOSTS) for size in sizes]
    finally:
        client.close()
        server.stop()
    for r in results:
        n = r["deployeds"]
        table.add(f"planning {n:,} deployeds (prepare {r['mapped'] / n * 1e6:.0f} + task {r['tasked'] / n * 1e6:.0f})",
                  r["seconds"] / n * 1e6, r["baseline"] / n * 1e6, "us/deployed", "JSON round trip of the deployment",
                  "<= 100 us")
    first, last = results[0], results[-1]
    per = [r["seconds"] / r["deployeds"] for r in (first, last)]
    table.add(f"planning cost per deployed, {last['deployeds']:,} vs {first['deployeds']:,}", per[1] * 1e6, per[0] * 1e6,
              "us/deployed", f"the same at {first['deployeds']:,}", "<= 1.2x")


# -- engine ----------------------------------------------------------------------------------------
NOOP_RULES = """<rules xmlns="http://www.xebialabs.com/xl-deploy/xl-rules">
  <rule name="bench.noops" scope="pre-plan">
    <conditions><expression>specification.deployedApplication.name.startswith("noops-")</expression></conditions>
    <planning-script>
for n in range(int(specification.deployedApplication.name.split("-")[1])):
    context.addStep(steps.noop(description="No-op %d" % n, order=60))
    </planning-script>
  </rule>
</rules>
"""


def noop_home(path: Path) -> Path:
    """A server home with a rule that gives a deployment of application `noops-N` N no-op steps."""
    (path / "plugins").mkdir(parents=True, exist_ok=True)
    (path / "plugins" / "bench-rules.xml").write_text(NOOP_RULES)
    return path


def noop_task(client: Client, steps: int) -> str:
    prepared, _ = deployment_of(client, f"noops-{steps}",
                                [{"id": "mark", "type": "cmd.Command", "commandLine": "true"}],
                                [{"id": "local", "type": "overthere.LocalHost", "os": "UNIX"}])
    return create_task(client, prepared)


def sqlite_commits(count: int, folder: Path) -> float:
    """Rows per second, each in a transaction of its own (what a step's state change costs at least)."""
    db = sqlite3.connect(folder / "commits.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE steps (path TEXT PRIMARY KEY, state TEXT)")
    began = time.perf_counter()
    for n in range(count):
        db.execute("BEGIN")
        db.execute("INSERT INTO steps VALUES (?, 'DONE')", (f"0_1_{n}",))
        db.execute("COMMIT")
    rate = count / (time.perf_counter() - began)
    db.close()
    return rate


def sleep_task(client: Client, orchestrator: str, containers: int) -> float:
    prepared, _ = deployment_of(client, "bench-sleep", [{"id": "nap", "type": "cmd.Command", "commandLine": "sleep 1"}],
                                [{"id": f"local-{c:02d}", "type": "overthere.LocalHost", "os": "UNIX"}
                                 for c in range(containers)], orchestrator)
    return task_seconds(run_task(client, create_task(client, prepared)))


def engine_part(table: Table, steps: int, folder: Path) -> None:
    server = ServerProcess(noop_home(folder / "engine-home")).start()
    client = Client(server.port)
    try:
        run_task(client, noop_task(client, 20))  # warm-up
        rates = [steps / task_seconds(run_task(client, noop_task(client, steps))) for _ in range(3)]
        parallel = sleep_task(client, "parallel-by-container", 20)
        sequential = sleep_task(client, "sequential-by-container", 20)
    finally:
        client.close()
        server.stop()
    table.add(f"no-op steps in one task of {steps:,}", statistics.median(rates), sqlite_commits(steps, folder), "steps/s",
              "sqlite3, one commit per step", ">= 1,000/s")
    table.add("20 x sleep 1, parallel-by-container", parallel, sequential, "seconds", "the same, sequential-by-container",
              "<= 0.075x")


# -- several servers -------------------------------------------------------------------------------
def sleep_tasks(client: Client, count: int) -> list[str]:
    return [create_task(client, deployment_of(client, "bench-cluster", [{"id": "nap", "type": "cmd.Command",
                                                                          "commandLine": "sleep 3"}],
                                              [{"id": "local", "type": "overthere.LocalHost", "os": "UNIX"}])[0])
            for _ in range(count)]


def run_all(client: Client, task_ids: list[str]) -> float:
    """Start every task on one server and wait until all are EXECUTED; seconds from the first start."""
    began = time.perf_counter()
    for task_id in task_ids:
        client.call("POST", f"/tasks/v2/{task_id}/start", expect=204)
    left = set(task_ids)
    while left:
        for task_id in list(left):
            state = client.call("GET", f"/tasks/v2/{task_id}/summary")["state"]
            if state == "EXECUTED":
                left.discard(task_id)
            elif state not in ("QUEUED", "EXECUTING"):
                raise RuntimeError(f"task {task_id} ended {state}")
        time.sleep(0.2)
    return time.perf_counter() - began


def batch_writes(clients: list[Client], prefix: str, count: int = 10000) -> float:
    """Create `count` SshHost CIs in batches of 1,000, the batches shared out over the clients (one thread
    each, one server each); seconds from the first batch to the last answer."""
    clients[0].call("POST", f"/repository/ci/Infrastructure/{prefix}", {"type": "core.Directory"})
    starts = list(range(0, count, BATCH))

    def write(n: int) -> None:
        for b in starts[n::len(clients)]:
            clients[n].call("POST", "/repository/cis", [host(prefix, i) for i in range(b, min(b + BATCH, count))])

    began = time.perf_counter()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def cluster_part(table: Table, folder: Path, count: int = 40, runs: int = 20) -> None:
    from tests.support.postgres import PostgresServer
    pg = PostgresServer().start()
    servers = []
    try:
        url = pg.create_database("bench")
        for number in (1, 2):
            server = ServerProcess(folder / f"cluster-{number}", conf={"repository.database.url": url,
                                                                      "server.node.id": f"bench{number}"})
            servers.append(server)
        client = Client(servers[0].start().port)
        other = None
        try:
            alone = run_all(client, sleep_tasks(client, count))
            writes_alone = batch_writes([client], "cluster-one")
            (servers[1].home / "conf").mkdir(parents=True)  # shared mode shares the key of passwords
            (servers[1].home / "conf" / "repository.key").write_bytes(
                (servers[0].home / "conf" / "repository.key").read_bytes())
            other = Client(servers[1].start().port)
            shared = run_all(client, sleep_tasks(client, count))
            writes_shared = batch_writes([client, other], "cluster-two")
        finally:
            client.close()
            if other is not None:
                other.close()
    finally:
        for server in servers:
            server.stop()
        pg.stop()
    table.add(f"{count} tasks of sleep 3, two servers", shared, alone, "seconds", "the same, one server", "<= 0.6x")
    table.add("10,000 CIs in batches of 1,000, two servers", writes_shared, writes_alone, "seconds",
              "the same, one server")
    told, polled = wakeup_latencies(folder, runs)
    table.add("start on a full server to step on the other", told[0] * 1000, polled[0] * 1000, "ms",
              "the same, polling alone (1 s tick)", "<= 0.1x")
    table.add("abort on one server to ABORTED on the other", told[1] * 1000, polled[1] * 1000, "ms",
              "the same, polling alone (1 s tick)", "<= 0.3x")


def wakeup_latencies(folder: Path, runs: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Medians of `runs`, with LISTEN/NOTIFY and with polling alone (task.notify=false): seconds from a task's start
    on a server that runs one task at most, and runs one, to its step running on the other server; and from an
    abort asked of the first server to the task ABORTED (the first server waits for that before it answers)."""
    from tests.support.postgres import PostgresServer
    pg = PostgresServer().start()
    try:
        return tuple(wakeup_latency(pg.create_database(f"wakeup-{notify}"), folder / f"wakeup-{notify}", notify, runs)
                     for notify in ("true", "false"))
    finally:
        pg.stop()


def wakeup_latency(url: str, folder: Path, notify: str, runs: int) -> tuple[float, float]:
    full = ServerProcess(folder / "full", conf={"repository.database.url": url, "server.node.id": "full",
                                                "task.max.active": 1, "task.notify": notify})
    other = ServerProcess(folder / "other", conf={"repository.database.url": url, "server.node.id": "other",
                                                  "task.notify": notify})
    servers = [full]
    client = Client(full.start().port)
    try:
        host = [{"id": "local", "type": "overthere.LocalHost", "os": "UNIX"}]
        # Started before the other server is there, so this server runs it and is full from now on.
        busy = create_task(client, deployment_of(client, "bench-busy", [{"id": "nap", "type": "cmd.Command",
                                                                         "commandLine": "sleep 600"}], host)[0])
        client.call("POST", f"/tasks/v2/{busy}/start", expect=204)
        (other.home / "conf").mkdir(parents=True)  # shared mode shares the key of passwords
        (other.home / "conf" / "repository.key").write_bytes((full.home / "conf" / "repository.key").read_bytes())
        servers.append(other.start())
        starts, aborts, jitter = [], [], random.Random(1)
        script = folder / "step.sh"  # the moment its step starts, by this machine's clock
        script.write_text('date +%s.%N > "$1"\nexec sleep 600\n')
        for n in range(runs):
            marker = folder / f"step-{n}"
            task_id = create_task(client, deployment_of(client, "bench-wakeup", [{
                "id": "step", "type": "cmd.Command", "commandLine": f"sh {script} {marker}"}], host)[0])
            time.sleep(jitter.uniform(0, 1))  # else each start would come at the same moment of the other's tick
            began = time.time()
            client.call("POST", f"/tasks/v2/{task_id}/start", expect=204)
            while not marker.exists() or not marker.read_text().strip():
                if time.time() - began > 30:
                    raise RuntimeError(f"the step of task {task_id} did not start within 30 s")
                time.sleep(0.002)
            starts.append(float(marker.read_text()) - began)
            time.sleep(jitter.uniform(0, 1))
            began = time.perf_counter()
            client.call("POST", f"/tasks/v2/{task_id}/abort", expect=204)
            aborts.append(time.perf_counter() - began)
            if client.call("GET", f"/tasks/v2/{task_id}/summary")["state"] != "ABORTED":
                raise RuntimeError(f"task {task_id} was not ABORTED within the abort's wait")
        client.call("POST", f"/tasks/v2/{busy}/abort", expect=204)
    finally:
        client.close()
        for server in servers:
            server.stop()
    return statistics.median(starts), statistics.median(aborts)


# -- server start ----------------------------------------------------------------------------------
def start_seconds(home: Path, runs: int, env: dict) -> float:
    times = []
    for _ in range(runs + 1):  # the first caches the bytecode
        port = free_port()
        began = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "server.main", "--home", str(home), "--port", str(port),
                                 "--log-level", "WARNING"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=env)
        try:
            wait_listening(port, proc)
            times.append(time.perf_counter() - began)
        finally:
            proc.terminate()
            proc.wait()
    return statistics.median(times[1:])


def startup_part(table: Table, count: int, folder: Path, runs: int = 5) -> None:
    empty, full = folder / "empty-home", folder / "full-home"
    for home in (empty, full):
        ServerProcess(home).start().stop()  # initialise the home
    server = ServerProcess(full).start()
    client = Client(server.port)
    try:
        client.call("POST", "/repository/ci/Infrastructure/many", {"id": "Infrastructure/many", "type": "core.Directory"})
        for b in range(0, count, BATCH):
            client.call("POST", "/repository/cis", [host("many", i) for i in range(b, min(b + BATCH, count))])
    finally:
        client.close()
        server.stop()
    env = installed_env(folder)
    ours = start_seconds(full, runs, env)
    baseline = start_seconds(empty, runs, env)
    table.add(f"server start to ready, {count:,} CIs", ours, baseline, "seconds", "the same, empty repository", "<= 1 s")


# -- cli -------------------------------------------------------------------------------------------
def installed_env(folder: Path) -> dict:
    """The environment of timed start-ups: bytecode cached (as an installed package has it, whatever
    PYTHONDONTWRITEBYTECODE says here), in a folder of this run."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(folder / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed_runs(cmd: list[str], runs: int, env: dict) -> float:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)  # caches the bytecode
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def cli_part(table: Table, folder: Path, steps: int, runs: int = 15) -> None:
    venv_bin = Path(sys.executable).parent
    server = ServerProcess(noop_home(folder / "cli-home")).start()
    try:
        cli = [str(venv_bin / "deployit-cli"), "-q", "-host", "127.0.0.1", "-port", str(server.port),
               "-username", "admin", "-password", "admin", "-f"]
        script = folder / "empty.py"
        script.write_text("")
        env = installed_env(folder)
        ours = timed_runs(cli + [str(script)], runs, env)
        baseline = timed_runs([sys.executable, "-c", "import requests"], runs, env)
        table.add("deployit-cli -q -f empty.py", ours, baseline, "seconds", "python -c 'import requests'", "<= 1.5x")
        client = Client(server.port)
        try:
            alone = task_seconds(run_task(client, noop_task(client, steps)))
            task_id = noop_task(client, steps)
            script = folder / "wait.py"
            script.write_text(f"import time\nbegan = time.time()\ndeployit.startTaskAndWait('{task_id}')\n"
                              f"print('WAITED %f' % (time.time() - began))\n")
            out = subprocess.run(cli + [str(script)], check=True, capture_output=True, text=True).stdout
            waited = float(out.rsplit("WAITED ", 1)[1].split()[0])
            task = client.call("GET", f"/tasks/v2/{task_id}")
            assert task["state"] == "DONE", task["state"]
        finally:
            client.close()
    finally:
        server.stop()
    table.add(f"startTaskAndWait, {steps:,} no-op steps (task {task_seconds(task):.2f} s)", waited, alone, "seconds",
              "the task alone, polled every 50 ms", "<= 2x")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000, help="CIs per repository operation")
    parser.add_argument("--requests", type=int, default=5000, help="requests per one-by-one figure")
    parser.add_argument("--chunks", type=int, default=5)
    parser.add_argument("--sizes", default="10000,20000,40000", help="deployeds of the planning sizes")
    parser.add_argument("--steps", type=int, default=1000, help="steps of the engine's and the shell's task")
    parser.add_argument("--start-cis", type=int, default=100000, help="CIs in the repository at server start")
    parser.add_argument("--part", action="append",
                        choices=["requests", "repository", "planning", "engine", "cluster", "startup", "cli"],
                        help="parts to run (default: all)")
    parser.add_argument("--bare-server", nargs=2, metavar=("PORT", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare_server:
        serve_bare(int(args.bare_server[0]), args.bare_server[1])
        return 0
    parts = args.part or ["requests", "repository", "planning", "engine", "cluster", "startup", "cli"]
    table = Table()
    began = time.time()
    with tempfile.TemporaryDirectory(prefix="deployit-bench-") as tmp:
        folder = Path(tmp)
        if "requests" in parts:
            requests_part(table, args.requests, args.chunks, folder)
        if "repository" in parts:
            repository_part(table, args.count, args.chunks, folder)
        if "planning" in parts:
            planning_part(table, [int(s) for s in args.sizes.split(",")], folder)
        if "engine" in parts:
            engine_part(table, args.steps, folder)
        if "cluster" in parts:
            cluster_part(table, folder)
        if "startup" in parts:
            startup_part(table, args.start_cis, folder)
        if "cli" in parts:
            cli_part(table, folder, args.steps)
    print(f"\n{time.time() - began:.0f} s; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; medians, "
          f"baselines measured in the same run")
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
