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


def _tls_context(folder):
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1."""
    import datetime
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert_file), str(key_file))
    return context


class _Handler:
    def __init__(self, box):
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.box._received(envelope.mail_from, list(envelope.rcpt_tos), mail, session.authenticated)
        return "250 OK"


class SmtpServer:
    def __init__(self, username: str | None = None, password: str | None = None, tls_folder=None):
        self.port = free_port()
        self.mails: list[dict] = []
        self._cond = threading.Condition()
        self.username, self.password = username, password
        options = dict(authenticator=self._authenticate, auth_require_tls=False) if username else {}
        if tls_folder is not None:  # STARTTLS required, with a self-signed certificate
            options.update(tls_context=_tls_context(tls_folder), require_starttls=True)
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **options)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = auth_data.login.decode() == self.username and auth_data.password.decode() == self.password
        return AuthResult(success=ok)

    def _received(self, sender, recipients, mail, authenticated) -> None:
        with self._cond:
            self.mails.append({"from": sender, "to": recipients, "mail": mail, "authenticated": authenticated})
            self._cond.notify_all()

    def start(self) -> SmtpServer:
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
