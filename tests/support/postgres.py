"""A throw-away PostgreSQL server on loopback for the shared-mode tests (initdb + pg_ctl)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time

from tests.support.server import free_port


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed; scripts/setup.sh installs the postgresql package.")
    return found


class PostgresServer:
    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="deployit-pg-", dir="/tmp")
        self.data = os.path.join(self.dir, "data")
        # initdb refuses to run as root: run the server as the postgres user.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *cmd, check=True):
        return subprocess.run([*self.as_user, *cmd], check=check, capture_output=True, text=True)

    def start(self) -> "PostgresServer":
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(_bin("initdb"), "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")
        self._run(_bin("pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "log"), "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        for _ in range(50):
            if self._run(_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c",
                         "select 1", check=False).returncode == 0:
                break
            time.sleep(0.1)
        return self

    def create_database(self, name: str) -> str:
        self._run(_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c",
                  f'create database "{name}"')
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self._run(_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
