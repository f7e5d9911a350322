"""HTTP connections must send a complete request header in time (`http.header.timeout`), or are closed.

uvicorn arms its keep-alive timeout only after a response, and has no timeout at all for the first
request of a connection: a client that connects and sends nothing, or sends half a header and stops,
holds the connection (a file descriptor and a buffer) for ever without ever logging in. This is
uvicorn's httptools protocol with one timer more; everything else is unchanged.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def protocol_with_header_timeout(seconds: float) -> type:
    """uvicorn's HTTP protocol class (for `uvicorn.Config(http=...)`) with the given header timeout."""
    return type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_timeout": seconds})


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """Closes the connection when no complete request header arrives within `header_timeout` seconds,
    counted from the connection and again from the end of each response. A request whose header is
    complete is never cut: the timer stops there, however long the body or the answer takes."""

    header_timeout = 30.0
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)
        self._wait_for_header()

    def on_headers_complete(self) -> None:
        self._stop_waiting()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        idle = not self.pipeline  # a pipelined request queued here already sent its header
        super().on_response_complete()
        if idle and not self.transport.is_closing():
            self._wait_for_header()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _wait_for_header(self) -> None:
        self._stop_waiting()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_timed_out)

    def _stop_waiting(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timed_out(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()
