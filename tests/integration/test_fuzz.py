"""A short seeded fuzz run over every REST route (tests/support/fuzz.py): no answer is a 5xx, no connection
breaks, the server stays up and logs no unexpected error. scripts/fuzz.py runs the same for longer."""

import pytest

from tests.support.fuzz import Fuzzer, prepare
from tests.support.server import ServerProcess

REQUESTS = 4000
SEED = 10


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory):
    proc = ServerProcess(tmp_path_factory.mktemp("fuzz") / "server").start()
    yield proc
    proc.stop()


def test_no_5xx_and_the_server_stays_up(fuzzed_server):
    fuzzer = Fuzzer(fuzzed_server.url, SEED, prepare(fuzzed_server.url))
    result = fuzzer.run(REQUESTS)
    assert result.failures == [], "\n".join(map(str, result.failures[:20]))
    assert result.requests == REQUESTS and result.server_errors == 0
    assert result.routes == set(fuzzer.routes)  # every route but shutdown and maintenance start
    assert fuzzed_server.proc.poll() is None and fuzzer.alive()
    log = fuzzed_server.log_path.read_text(errors="replace")
    assert " ERROR [" not in log and "Exception in ASGI application" not in log, log[-3000:]

