#!/usr/bin/env python3
"""Memory of the server under oversized JSON bodies: a measurement, not a timed test.

Starts a server (embedded SQLite, temporary home), measures its resident memory once idle, then sends
N (default 4) chunked JSON bodies of SIZE (default 1 GiB) to POST /repository/cis at once, each
generated while it is sent (the client holds one 1 MiB chunk), and measures the server's peak resident
memory meanwhile (VmHWM of /proc/<pid>/status, reset after the idle measurement where the kernel
allows; VmRSS sampled every 10 ms as well). Every body must get 413, and the peak must stay within
LIMIT (default 150 MB) of idle; the exit status says whether it did.

Usage: .venv/bin/python scripts/rss_oversized.py [--bodies N] [--size BYTES] [--limit MB]
"""

from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import threading
import time
from base64 import b64encode
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.server import ServerProcess  # noqa: E402

MB = 1000 * 1000
CHUNK = 1024 * 1024


def status_kb(pid: int, field: str) -> int:
    """A `VmRSS`/`VmHWM` line of /proc/<pid>/status, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak(pid: int) -> bool:
    """Start VmHWM afresh from the current RSS (Linux 4.0+, same user); False when not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def post_oversized(port: int, size: int, results: list, index: int) -> None:
    """One chunked JSON body of `size` bytes, generated while sent; records the answer's status."""
    def body():
        yield b"["
        sent, filler = 1, b" " * CHUNK
        while sent + CHUNK < size:
            yield filler
            sent += CHUNK
        yield b" " * (size - sent - 1) + b"]"

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("POST", "/deployit/repository/cis", body=body(), encode_chunked=True, headers={
            "Authorization": "Basic " + b64encode(b"admin:admin").decode(), "Content-Type": "application/json",
            "Accept": "application/json"})
        response = conn.getresponse()
        results[index] = (response.status, response.read()[:200].decode("utf-8", "replace"))
    except OSError as exc:
        results[index] = (None, f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=4)
    parser.add_argument("--size", type=int, default=1024 * 1024 * 1024)
    parser.add_argument("--limit", type=float, default=150, help="allowed growth over idle, MB")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        server = ServerProcess(Path(folder) / "home").start()
        try:
            pid = server.proc.pid
            session = server.session()
            warm = [{"id": f"Infrastructure/warm-{i}", "type": "overthere.SshHost", "address": "10.0.0.1",
                     "username": "u", "os": "UNIX"} for i in range(100)]
            session.post(server.url + "/repository/cis", json=warm).raise_for_status()
            time.sleep(1)
            idle = status_kb(pid, "VmRSS")
            peak_reset = reset_peak(pid)
            sampled = idle
            results: list = [None] * args.bodies
            threads = [threading.Thread(target=post_oversized, args=(server.port, args.size, results, i))
                       for i in range(args.bodies)]
            began = time.monotonic()
            for thread in threads:
                thread.start()
            while any(t.is_alive() for t in threads):
                sampled = max(sampled, status_kb(pid, "VmRSS"))
                time.sleep(0.01)
            took = time.monotonic() - began
            peak = max(sampled, status_kb(pid, "VmHWM") if peak_reset else 0)
            alive = server.proc.poll() is None
        finally:
            server.stop()
    growth = (peak - idle) * 1000 / MB
    print(f"{args.bodies} chunked JSON bodies of {args.size} bytes to POST /repository/cis at once, in {took:.1f} s")
    for status, text in results:
        print(f"  answer: {status} {text}")
    print(f"idle RSS {idle * 1000 / MB:.0f} MB, peak RSS {peak * 1000 / MB:.0f} MB (growth {growth:.0f} MB; "
          f"peak from {'VmHWM and ' if peak_reset else ''}VmRSS samples), server {'up' if alive else 'DOWN'}")
    ok = alive and growth <= args.limit and all(status == 413 for status, _ in results)
    print("OK" if ok else f"FAILED: every body must get 413 and the peak stay within {args.limit:.0f} MB of idle")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
