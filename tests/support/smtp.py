"""A real SMTP server for the notification tests (aiosmtpd on a free loopback port), keeping the mails it
receives; with `username`/`password` it requires that login (AUTH PLAIN/LOGIN without TLS)."""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, box):
        self.box = box

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.box._received(envelope.mail_from, list(envelope.rcpt_tos), mail, session.authenticated)
        return "250 OK"


class SmtpServer:
    def __init__(self, username: str | None = None, password: str | None = None):
        self.port = free_port()
        self.mails: list[dict] = []
        self._cond = threading.Condition()
        self.username, self.password = username, password
        auth = dict(authenticator=self._authenticate, auth_require_tls=False) if username else {}
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **auth)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = auth_data.login.decode() == self.username and auth_data.password.decode() == self.password
        return AuthResult(success=ok)

    def _received(self, sender, recipients, mail, authenticated) -> None:
        with self._cond:
            self.mails.append({"from": sender, "to": recipients, "mail": mail, "authenticated": authenticated})
            self._cond.notify_all()

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, predicate, timeout: float = 15.0) -> dict:
        """The first mail received that satisfies predicate(mail dict); fails after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for item in self.mails:
                    if predicate(item):
                        return item
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching mail within {timeout}s; received: "
                                         f"{[m['mail']['Subject'] for m in self.mails]}")
                self._cond.wait(left)
