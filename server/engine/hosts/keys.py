"""Loading a host's `privateKeyFile` (with its `passphrase`) with one clear error per way it can go wrong."""

from __future__ import annotations

import io

import paramiko

from server.engine.hosts.base import host_label, prop
from server.engine.hosts.errors import HostConnectionError

KEY_CLASSES = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)
WRONG_PASSPHRASE_HINTS = ("checkints do not match", "bad password", "bad decrypt", "incorrect password")


def load_private_key(host: dict) -> paramiko.PKey | None:
    """The host's private key, or None when it has no `privateKeyFile`. Reads OpenSSH and PEM keys (Ed25519,
    ECDSA, RSA), encrypted or not."""
    path = prop(host, "privateKeyFile")
    if path is None:
        return None
    label = host_label(host)
    passphrase = prop(host, "passphrase")
    try:
        with open(path, "r", encoding="ascii", errors="replace") as source:
            text = source.read()
    except OSError as error:
        raise HostConnectionError(f"The private key file {path} of host {label} cannot be read: "
                                  f"{error.strerror or error}.") from None
    if "PRIVATE KEY-----" not in text:
        raise HostConnectionError(f"The private key file {path} of host {label} does not contain a private key.")
    problems = []
    for key_class in KEY_CLASSES:
        try:
            return key_class.from_private_key(io.StringIO(text), password=passphrase)
        except paramiko.PasswordRequiredException:
            raise HostConnectionError(f"The private key file {path} of host {label} is encrypted, but the host has no "
                                      "passphrase.") from None
        except (paramiko.SSHException, ValueError, TypeError, IndexError) as error:
            problems.append(str(error).lower())
    if passphrase is not None and any(hint in problem for problem in problems for hint in WRONG_PASSPHRASE_HINTS):
        raise HostConnectionError(f"The passphrase of host {label} does not decrypt its private key file {path}.")
    raise HostConnectionError(f"The private key file {path} of host {label} is not a private key this server can "
                              "read (OpenSSH or PEM; Ed25519, ECDSA or RSA).")
