"""Sending one mail through a mail.SmtpServer CI (its properties, password in clear).

`smtpProperties` takes JavaMail's names, as XL Deploy does: `mail.smtp.ssl.enable=true` connects
with TLS, `mail.smtp.starttls.enable=true` upgrades with STARTTLS, `mail.smtp.ssl.trust` (`*`, or
host names separated by spaces) trusts those hosts' certificates without checking them (a self-signed
mail server), `mail.smtp.timeout` (ms) bounds each network operation (default 30 s). The server logs
in when `username` is set.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

DEFAULT_TIMEOUT = 30.0


def _flag(props: dict, key: str) -> bool:
    return str(props.get(key, "")).strip().lower() == "true"


def message(sender: str, to: list[str], cc: list[str], subject: str, body: str, html: bool) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    if cc:
        mail["Cc"] = ", ".join(cc)
    mail["Subject"] = " ".join(subject.split())  # a header is one line
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="deployit")
    mail.set_content(body, subtype="html" if html else "plain")
    return mail


def send(server: dict, mail: EmailMessage) -> None:
    """Deliver `mail` through the SMTP server described by `server`; raises OSError/SMTPException."""
    props = server.get("smtpProperties") or {}
    host, port = server.get("host"), int(server.get("port") or 25)
    try:
        timeout = float(props.get("mail.smtp.timeout")) / 1000.0
    except (TypeError, ValueError):
        timeout = DEFAULT_TIMEOUT
    context = ssl.create_default_context()
    trusted = str(props.get("mail.smtp.ssl.trust", "")).split()
    if "*" in trusted or host in trusted:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if _flag(props, "mail.smtp.ssl.enable"):
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if _flag(props, "mail.smtp.starttls.enable"):
            client.starttls(context=context)
        if server.get("username"):
            client.login(server["username"], server.get("password") or "")
        client.send_message(mail)
