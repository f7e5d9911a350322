"""Download of a DAR from an http(s) URL into a temporary file, within the size and time limits.

Credentials go only to the URL's own host (requests drops them on a redirect to another host).
Each network read waits at most `package.fetch.timeout` seconds, and the whole download is stopped
once it has taken longer than that (checked whenever data arrives).
"""

from __future__ import annotations

import tempfile
import time
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

import requests
import urllib3

from ..errors import BadRequest, PayloadTooLarge
from .limits import PackageLimits
from .scanning import SPOOL

READ_CHUNK = 64 * 1024


def file_name(url: str) -> str:
    """The last part of the URL's path, to name the package in messages."""
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    return name or urlsplit(url).netloc or url


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.username or parts.password:
        parts = parts._replace(netloc=(parts.hostname or "") + (f":{parts.port}" if parts.port else ""))
    return parts.geturl()


def download(url: str, limits: PackageLimits, user: str | None = None, password: str | None = None) -> BinaryIO:
    """The content behind url, in a temporary file at position 0; the caller closes it."""
    if not isinstance(url, str) or not url.strip():
        raise BadRequest("The URL of the package to fetch is missing.")
    url = url.strip()
    try:
        parts = urlsplit(url)
        _ = parts.port  # reading the port checks it
    except ValueError as exc:  # not echoing the URL: it may hold a password
        raise BadRequest(f"The URL of the package to fetch is not valid: {exc}.") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise BadRequest(f"Only http and https URLs can be fetched, not '{_redacted(url)}'.")
    shown = _redacted(url)
    deadline = time.monotonic() + limits.fetch_timeout
    auth = (user, password or "") if user else None
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    try:
        with requests.get(url, auth=auth, stream=True, timeout=limits.fetch_timeout,
                          headers={"Accept": "application/octet-stream, */*"}) as response:
            if response.status_code >= 400:
                raise BadRequest(f"Fetching {shown} failed: the server answered HTTP {response.status_code}.")
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > limits.max_archive_size:
                raise PayloadTooLarge(f"The package at {shown} is refused: it is {length} bytes, larger than the "
                                      f"limit of {limits.max_archive_size} bytes.")
            size = 0
            while True:
                # read1 returns what has arrived (at most READ_CHUNK), so a slow sender cannot hold the
                # loop past the deadline for longer than one network read timeout.
                chunk = response.raw.read1(READ_CHUNK, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > limits.max_archive_size:
                    raise PayloadTooLarge(f"The package at {shown} is refused: it is larger than the limit of "
                                          f"{limits.max_archive_size} bytes.")
                if time.monotonic() > deadline:
                    raise BadRequest(f"Fetching {shown} took longer than {limits.fetch_timeout:g} seconds.")
                out.write(chunk)
        out.seek(0)
        return out
    except (requests.Timeout, urllib3.exceptions.TimeoutError):
        out.close()
        raise BadRequest(f"Fetching {shown} took longer than {limits.fetch_timeout:g} seconds.") from None
    except requests.ConnectionError:
        out.close()
        raise BadRequest(f"Fetching {shown} failed: no answer from {parts.hostname} "
                         f"(connection refused, lost or timed out).") from None
    except urllib3.exceptions.HTTPError:
        out.close()
        raise BadRequest(f"Fetching {shown} failed: the connection broke before the whole package "
                         f"arrived.") from None
    except requests.RequestException as exc:
        out.close()
        raise BadRequest(f"Fetching {shown} failed ({type(exc).__name__}).") from None
    except BaseException:
        out.close()
        raise
