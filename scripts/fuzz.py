#!/usr/bin/env python3
"""A long fuzz run against a server started here (temporary home, free port): seeded bad requests to
every REST route (tests/support/fuzz.py). Prints the count of requests and of 5xx answers; exits 1 when
any answer was a 5xx, a connection broke, or the server stopped answering.

With --postgres the server keeps its repository in a throw-away PostgreSQL server (shared mode), which
refuses some text and sizes SQLite accepts.

Usage: .venv/bin/python scripts/fuzz.py [--requests N] [--seed S] [--postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.fuzz import Fuzzer, prepare  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--postgres", action="store_true", help="keep the repository in PostgreSQL")
    args = parser.parse_args()
    postgres = PostgresServer().start() if args.postgres else None
    conf = {"repository.database.url": postgres.create_database("deployit")} if postgres else None
    with tempfile.TemporaryDirectory(prefix="deployit-fuzz-") as tmp:
        server = ServerProcess(Path(tmp) / "server", conf=conf).start()
        try:
            fuzzer = Fuzzer(server.url, args.seed, prepare(server.url))
            print(f"Fuzzing {len(fuzzer.routes)} routes of {server.url} with seed {args.seed}", flush=True)

            def progress(n, result):
                if n % 5000 == 0:
                    print(f"  {n} requests, {result.server_errors} 5xx, {len(result.failures)} failures",
                          flush=True)
            result = fuzzer.run(args.requests, progress=progress)
            alive = server.proc.poll() is None and fuzzer.alive()
        finally:
            server.stop()
            if postgres:
                postgres.stop()
        log = server.log_path.read_text(errors="replace").splitlines()
        errors = [n for n, line in enumerate(log) if " ERROR [" in line or " CRITICAL [" in line]
    if errors:  # the first error logged, with its traceback
        print("\n".join(f"  logged: {line[:300]}" for line in log[errors[0]:errors[0] + 40]))
    for method, path, status, message in result.failures[:50]:
        print(f"  {status} {method} {path}: {message}")
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result.by_status.items(), key=lambda kv: str(kv[0])))
    print(f"requests: {result.requests}, 5xx: {result.server_errors}, failures: {len(result.failures)}, "
          f"errors logged: {len(errors)}, {result.seconds:.0f} s ({result.requests / result.seconds:.0f}/s)")
    print(f"statuses: {statuses}")
    print(f"server alive at the end: {alive}")
    return 0 if not result.failures and not errors and alive else 1


if __name__ == "__main__":
    sys.exit(main())
