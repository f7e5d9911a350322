"""`check-connection`: the overthere hosts' checkConnection control task as a step: connect, write and read back a
temporary file, run a trivial command, and say so in the log."""

from __future__ import annotations

from server.engine.context import DONE
from server.engine.steps.base import Run

PROBE = "deployit connection check\n"


def check_connection(run: Run) -> str:
    host = run.ci("target-host") or run.ci("host")
    if host is None:
        raise run.fail(f"Step '{run.description}' has no host to check (parameter 'target-host').")
    with run.connect(host) as conn:
        run.log(f"Connected to {conn.host_id} ({conn.protocol})")
        folder = conn.temp_dir()
        probe = conn.path_join(folder, "deployit-check.txt")
        conn.write_text(probe, PROBE)
        if conn.read_text(probe) != PROBE:
            raise run.fail(f"A file written to {probe} on host {conn.host_id} read back differently.")
        run.log(f"Wrote and read back {probe}")
        code = conn.execute("echo Hello from XL Deploy", run.output, cancel=run.ctx.cancel)
        if code != 0:
            raise run.fail(f"A trivial command (echo) on host {conn.host_id} exited with code {code}.")
        run.log("Ran a command (echo)")
    run.log(f"The connection to {conn.host_id} works")
    return DONE
