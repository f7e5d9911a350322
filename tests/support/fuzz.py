"""A seeded fuzzer of the REST API: requests to every route (enumerated from the application, as the
authorization matrix does) with bad JSON, wrong kinds, huge numbers, odd unicode, NUL, traversal, bad
multipart and missing or bad credentials. No answer may be a 5xx, and the server must stay up.

Used by tests/integration/test_fuzz.py (a few thousand requests) and scripts/fuzz.py (a long run).
"""

from __future__ import annotations

import base64
import json
import random
import re
import time
from dataclasses import dataclass, field
from urllib.parse import quote

import requests

from server.api.app import api_routes
from tests.support.server import ACCEPT_JSON

USER, PASSWORD = "fuzzer", "fuzzer-secret"
# Routes that stop or freeze the server by design (a 503 for every write in maintenance mode).
LEFT_OUT = {("POST", "/server/shutdown"), ("POST", "/server/maintenance/start")}
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")

QUERY_NAMES = ("page", "resultsPerPage", "version", "newId", "newName", "name", "exportDir", "archive", "time",
               "begindate", "enddate", "type", "parent", "ancestor", "namePattern", "idPattern",
               "lastModifiedBefore", "lastModifiedAfter", "environment", "deployedApplication", "deployables",
               "user", "since", "until", "x")
KEYS = ("id", "type", "password", "username", "admin", "url", "user", "name", "newName", "role", "ci",
        "controlName", "parameters", "deployeds", "deployedApplication", "application", "environment", "version",
        "members", "entries", "dictionaries", "encryptedEntries", "os", "port", "address", "tags", "file",
        "$token", "token", "orchestrator", "deployable", "container", "placeholders", "commandLine", "x")
TYPES = ("udm.Application", "udm.DeploymentPackage", "udm.Environment", "udm.Dictionary", "overthere.LocalHost",
         "overthere.SshHost", "file.File", "cmd.Command", "core.Directory", "udm.DeployedApplication",
         "internal.Root", "udm.Nope", "", "udm.", "a" * 300)
NUMBERS = ("0", "-1", "1", "2147483647", "2147483648", "-2147483649", "9" * 30, "-" + "9" * 30, "1e400", "NaN",
           "Infinity", "0x10", "1_000", " 7 ", "\u0661\u0662", "9" * 5000, "1.5", "")
ODD = ("a\x00b", "\x00", "\x01", "\x7f", "\t\n\r", "\u202e", "\ufeff", "\u200d", "\U0001f600", "e\u0301",
       "\uffff", "\u0085", "\u2028", "\u00e9" * 200, "\ud800", "\udc00x", "\ud83d")
TRAVERSAL = ("..", "../..", "../../etc/passwd", "/etc/passwd", "..\\..\\windows", "Applications/../../x",
             "./.", "//", "/", "~", "C:\\x", "\\\\server\\share", "a/./b", "%2e%2e/%2e%2e")
SPECIAL = ("", " ", "*", "%", "[", "]", "'", '"', "\\", "' OR 1=1 --", "<x/>", "${x}", "{{x}}", "a" * 300,
           "a" * 5000, "null", "true", "{}", "[]", "-", ".", "a:b", "admin", "login", "read", "repo#edit")
PLAUSIBLE_IDS = tuple(f"{kind}-{n}" for kind in ("Environments/fz-dict", "Infrastructure/fz-host",
                                                   "Applications/fz-app/fz", "Environments/fz-env") for n in (1, 2, 3))
URLS = ("http://127.0.0.1:1/x.dar", "http://u:p@h:99999/x.dar", "http://[::1/x", "http://u@:80/", "ftp://x/y.dar",
        "http://", "https://u:p@127.0.0.1:1/a%00.dar", "http://h:abc/x", "file:///etc/passwd", "//x")
RAW_PATH = ("%00", "%ZZ", "%ED%A0%80", "%FF", "%C0%AF", "%2F", "%25", "%0A", "%E2%80%AE", "%F0%9F%98%80")


def _bytes(text: str) -> bytes:
    """UTF-8, lone surrogates included (as a careless client would send them)."""
    return text.encode("utf-8", "surrogatepass")


@dataclass
class Result:
    requests: int = 0
    by_status: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)  # (method, path, status or error, message)
    routes: set = field(default_factory=set)  # (method, path template) of the routes called
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.by_status.items() if isinstance(status, int) and status >= 500)


class Fuzzer:
    """Bad requests for the server at `url` (its REST base), all from one seed."""

    def __init__(self, url: str, seed: int, known: dict | None = None):
        self.url = url.rstrip("/")
        self.rnd = random.Random(seed)
        self.known = known or {}
        self.routes = sorted((method, route.path) for route in api_routes() for method in route.methods
                             if method != "HEAD" and (method, route.path) not in LEFT_OUT)
        self.session = requests.Session()

    # -- values --------------------------------------------------------------------------------
    def text(self) -> str:
        r = self.rnd
        pool = r.choice((NUMBERS, ODD, TRAVERSAL, SPECIAL, URLS, tuple(self.known.get("ids", ())) or SPECIAL,
                         tuple(self.known.get("names", ())) or SPECIAL))
        value = r.choice(pool)
        if r.random() < 0.2:
            value = "".join(r.choice("abcXYZ019-_./ :%\x00\u00e9\U0001f600") for _ in range(r.randint(1, 12)))
        if r.random() < 0.1:
            value = value + "/" + r.choice(SPECIAL + ODD)
        return value

    def number(self):
        return self.rnd.choice((0, -1, 1, 2 ** 31, 2 ** 63, -(2 ** 63) - 1, 10 ** 30, 1e308, -1e308, 0.5,
                                float("nan"), float("inf")))

    def json_value(self, depth: int = 0):
        r = self.rnd
        kind = r.randrange(8 if depth < 3 else 5)
        if kind == 0:
            return None
        if kind == 1:
            return r.choice((True, False))
        if kind == 2:
            return self.number()
        if kind in (3, 4):
            return self.text()
        if kind == 5:
            return [self.json_value(depth + 1) for _ in range(r.randint(0, 4))]
        if kind == 6:
            return self.ci()
        return {r.choice(KEYS + ODD): self.json_value(depth + 1) for _ in range(r.randint(0, 5))}

    def ci(self) -> dict:
        r = self.rnd
        if r.random() < 0.5:
            return self.plausible_ci()
        ci = {"id": self.text(), "type": r.choice(TYPES)}
        for _ in range(r.randint(0, 3)):
            ci[r.choice(KEYS)] = self.json_value(2)
        return ci

    def plausible_ci(self) -> dict:
        """A CI that could be stored but for one odd value (the ids are in PLAUSIBLE_IDS, so reads hit it)."""
        r, n, text = self.rnd, self.rnd.randint(1, 3), self.text
        return r.choice((
            lambda: {"id": f"Environments/fz-dict-{n}", "type": "udm.Dictionary", "entries": {text(): text()}},
            lambda: {"id": f"Infrastructure/fz-host-{n}", "type": "overthere.LocalHost", "os": "UNIX",
                     "temporaryDirectoryPath": text()},
            lambda: {"id": f"Applications/fz-app/fz-{n}", "type": "udm.DeploymentPackage",
                     "orchestrator": [text()], "applicationDependencies": {text(): text()}},
            lambda: {"id": f"Environments/fz-env-{n}", "type": "udm.Environment", "members": [text()]},
            lambda: {"id": f"Applications/fz-{n}{text()}", "type": "udm.Application"},
        ))()

    # -- request parts -------------------------------------------------------------------------
    def path(self, template: str) -> str:
        def fill(match):
            r = self.rnd
            if r.random() < 0.15:
                return r.choice(RAW_PATH)
            value = self.text()
            # Lone surrogates cannot be sent in a URL; send their UTF-8-like bytes percent-encoded instead.
            return quote(_bytes(value), safe="/") or "x"
        return PARAM.sub(fill, template)

    def query(self) -> str:
        r = self.rnd
        parts = []
        for _ in range(r.choice((0, 0, 1, 1, 2, 3))):
            name = r.choice(QUERY_NAMES)
            value = r.choice(NUMBERS) if r.random() < 0.5 else self.text()
            if r.random() < 0.1:
                parts.append(f"{name}={r.choice(RAW_PATH)}")
            else:
                parts.append(f"{quote(name)}={quote(_bytes(value))}")
        return "?" + "&".join(parts) if parts else ""

    def multipart(self) -> tuple[bytes, str]:
        r = self.rnd
        boundary = r.choice(("b0undary", "x" * 300, "", "a b", "\u00e9", "--", "x" * 70))
        name = r.choice(("fileData", "configurationItem", "file", ""))
        filename = r.choice(("x.dar", "../../x.dar", "a\x00b.zip", "a" * 300 + ".zip", "", "\u00e9.dar", None))
        content = r.choice((b"PK\x03\x04garbage", b"", json.dumps(self.ci()).encode(), b"\xff\xfe\x00",
                            bytes(r.getrandbits(8) for _ in range(64))))
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        head = _bytes(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n")
        end = _bytes(f"\r\n--{boundary}--\r\n")
        shapes = (head + content + end, head + content, b"not multipart at all",
                  _bytes(f"--{boundary}\r\n\r\nno headers") + end,
                  _bytes(f"--{boundary}\r\nno blank line--{boundary}--"),
                  _bytes(f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\nx") + end)
        header_boundary = r.choice((boundary, boundary, "", "other", '"' + boundary + '"'))
        content_type = r.choice((f"multipart/form-data; boundary={header_boundary}", "multipart/form-data",
                                 f"multipart/form-data; boundary={header_boundary}; charset=nonsense",
                                 f"multipart/mixed; boundary={header_boundary}"))
        return r.choice(shapes), _bytes(content_type).decode("latin-1")

    def body(self) -> tuple[bytes | None, str | None]:
        r = self.rnd
        kind = r.randrange(10)
        if kind == 0:
            return None, r.choice((None, "application/json"))
        if kind == 1:
            raw = r.choice(('{', '[{]', '{"a":}', '"', '[' * 3000, '{"a": NaN}', "nul\x00l", "", " ",
                            '{"a": 1, "a": 2}', '\ufeff{}', "[1, 2", "1e99999", "-", '"\\ud800"', '"\\x"'))
            return _bytes(raw), "application/json"
        if kind == 2:
            return bytes(r.getrandbits(8) for _ in range(r.randint(1, 200))), r.choice(
                ("application/json", "application/octet-stream", "text/plain", None))
        if kind == 3:
            return self.multipart()
        if kind == 4:
            return json.dumps([self.ci() for _ in range(r.randint(0, 3))]).encode(), "application/json"
        if kind == 5:
            return json.dumps(self.ci()).encode(), "application/json"
        if kind == 6:
            return json.dumps(self.text()).encode(), r.choice(("application/json", "text/plain"))
        return json.dumps(self.json_value()).encode(), r.choice(("application/json", "application/xml",
                                                                 "text/plain", "application/json; charset=latin-1"))

    def auth(self) -> dict:
        r = self.rnd
        roll = r.random()
        if roll > 0.06:
            return {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}
        return r.choice((
            {},
            {"Authorization": "Basic !!!"},
            {"Authorization": "Bearer x"},
            {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:\x00").decode()},
            {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}\x00".encode()).decode()},
            {"Authorization": "Basic " + base64.b64encode(f"{USER}\x00:{PASSWORD}".encode()).decode()},
            {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
            {"Authorization": "Basic " + base64.b64encode(b"nobody:x").decode()},
            {"Authorization": "Basic " + base64.b64encode(b":").decode()},
            {"Authorization": "Basic " + "A" * 4000},
        ))

    def request(self) -> tuple[tuple[str, str], str, str, dict]:
        """One request: (the route, method, url, keyword arguments for requests)."""
        r = self.rnd
        route = method, template = r.choice(self.routes)
        if r.random() < 0.02:
            method = r.choice(("GET", "POST", "PUT", "DELETE", "PATCH"))
        path = self.path(template) + self.query()
        headers = self.auth()
        body, content_type = self.body() if method in ("POST", "PUT") or r.random() < 0.1 else (None, None)
        if content_type:
            headers["Content-Type"] = content_type
        if r.random() < 0.05:
            headers["Accept"] = r.choice(("application/xml", "text/plain", "*/*", "a/b"))
        return route, method, self.url + path, {"data": body, "headers": headers}

    # -- running -------------------------------------------------------------------------------
    def alive(self) -> bool:
        try:
            return self.session.get(self.url + "/server/info", auth=(USER, PASSWORD), timeout=30).status_code == 200
        except requests.RequestException:
            return False

    def run(self, count: int, check_every: int = 250, progress=None) -> Result:
        """Send `count` requests; every 5xx and broken connection is a failure, so is a server that stops
        answering (checked every `check_every` requests and at the end)."""
        result = Result()
        began = time.monotonic()
        for n in range(1, count + 1):
            route, method, url, kwargs = self.request()
            result.routes.add(route)
            try:
                response = self.session.request(method, url, timeout=60, **kwargs)
                status, message = response.status_code, response.text[:300]
            except requests.RequestException as exc:
                status, message = type(exc).__name__, str(exc)[:300]
                self.session = requests.Session()
            result.requests += 1
            result.by_status[status] = result.by_status.get(status, 0) + 1
            if not isinstance(status, int) or status >= 500:
                result.failures.append((method, url[len(self.url):][:300], status, message))
            if n % check_every == 0 or n == count:
                if not self.alive():
                    result.failures.append(("GET", "/server/info", "not alive", f"after {n} requests"))
                    break
                if progress:
                    progress(n, result)
        result.seconds = time.monotonic() - began
        return result


def prepare(server_url: str, admin=("admin", "admin")) -> dict:
    """Create the fuzzing admin user and a few CIs and a role the fuzzer can name; what it may name."""
    s = requests.Session()
    s.auth = admin
    s.headers.update(ACCEPT_JSON)
    base = server_url.rstrip("/")
    s.post(f"{base}/security/user/{USER}", json={"username": USER, "password": PASSWORD, "admin": True}) \
        .raise_for_status()
    ids = ["Applications/fz-app", "Applications/fz-app/1.0", "Infrastructure/fz-host", "Environments/fz-env",
           "Environments/fz-dict"]
    cis = [{"id": ids[0], "type": "udm.Application"}, {"id": ids[1], "type": "udm.DeploymentPackage"},
           {"id": ids[2], "type": "overthere.LocalHost", "os": "UNIX"},
           {"id": ids[3], "type": "udm.Environment", "members": [ids[2]]},
           {"id": ids[4], "type": "udm.Dictionary", "entries": {"k": "v"}}]
    s.post(f"{base}/repository/cis", json=cis).raise_for_status()
    s.put(f"{base}/security/role/fz-role").raise_for_status()
    export = s.post(f"{base}/repository/export")  # a PENDING task, with blocks and a step to name
    export.raise_for_status()
    names = ["fz-role", "read", "fz-app", "noone", export.json()["string"], "0", "0_1", "0_1_1", "1", "9" * 12]
    return {"ids": ids + list(PLAUSIBLE_IDS) + ["Applications", "Environments"], "names": names}
