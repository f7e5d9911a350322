"""The server home folder and `conf/deployit.conf`.

Layout of a home:
  conf/deployit.conf                  server properties (written with defaults on first start)
  conf/deployit-defaults.properties   overrides of type property defaults
  conf/repository.key                 key that encrypts password properties (created on first start)
  repository/                         SQLite database and artifact files (content-addressed)
  plugins/                            users' synthetic.xml files (and *-rules.xml)
  ext/                                synthetic.xml and xl-rules.xml of the users' own types, as in XL Deploy
  importablePackages/                 DAR files the server can import by name
  log/                                deployit.log
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CONF = """\
# deployit.conf: properties of the deployit server (Java properties syntax).
# Address and port the HTTP server listens on.
http.bind.address={bind}
http.port={port}
# Context root: the REST API is served at http://host:port/<context root>/deployit
http.context.root=/
# Repository database (SQLAlchemy URL). The default is the embedded SQLite database in repository/.
# Shared mode: postgresql://user:password@host/dbname
repository.database.url=
# Where artifact files are kept: file (a folder, artifacts.path) or database (in the repository database, so that
# every server sharing it reads every file). artifacts.path is relative to the home; the default is
# repository/artifacts. Several servers on one database need database, or a folder they all share.
artifacts.store=file
artifacts.path=
# Folder (relative to the home) of exported archives and of archives imported by name; servers sharing a
# database should share it too.
export.path=export
# Folder (relative to the home) holding packages that can be imported by name.
importable.packages.path=importablePackages
# Password of the admin user, used only when the server initialises its repository.
admin.password=admin
# Largest request body accepted, in bytes: file uploads (artifacts, DARs, archives), streamed to disk.
http.max.request.size=268435456
# Largest body read into memory (JSON, text), in bytes; 32 MiB holds about 100,000 SshHost CIs in one batch.
http.max.json.size=33554432
# Format of replies to requests that state no preference (no Accept header, or */*): xml, as XL Deploy
# answers, or json. A request's Accept header (application/xml, application/json) always decides.
http.default.format=xml
# Seconds a connection may take to send a complete request header (idle connections are closed then).
http.header.timeout=30
# Task engine: tasks executing at once, and threads for steps in parallel blocks (they mostly wait on
# commands and connections, so many are cheap).
task.max.active=10
task.step.threads=32
# Seconds a stopping server waits for running steps; tasks still running then are FAILED at the next start.
task.shutdown.timeout=5
# Seconds an aborted step gets to stop before it is marked FAILED and left behind.
task.abort.grace=5
# Shared mode: this server's name among those sharing the database (default: the host name; give each server
# on one machine its own). A server renews its claim on the tasks it runs every task.heartbeat.seconds; when
# it has not for task.lease.seconds (it died), any other server fails them, and they can be started again.
# A server that could not renew for task.lease.seconds - task.heartbeat.seconds - task.abort.grace (at least
# two heartbeats) aborts its running steps itself first (fencing), so no step runs on two servers at once.
server.node.id=
task.lease.seconds=30
task.heartbeat.seconds=5
# Shared mode: a server looks at the database for work every task.poll.seconds (at most every heartbeat), and at
# once when another server tells it of a task queued, stopped or aborted (PostgreSQL LISTEN/NOTIFY; false turns
# that off, e.g. behind a connection pooler that does not pass LISTEN on, such as PgBouncer's transaction mode).
task.poll.seconds=1
task.notify=true
# Secrets a user may check a minute with POST /repository/secrets/matches (each secret of a request counts).
secrets.matches.per.minute=30
# Optional: garbage collection also keeps artifact files younger than this many seconds (0: it frees
# every file nothing uses; uploads in flight are always kept).
gc.grace.seconds=0
"""


def parse_properties(text: str, name: str = "deployit.conf") -> dict[str, str]:
    """Java properties text, read as java.util.Properties reads it (javaproperties: `\\uXXXX`
    escapes, continuations, `key value`); a bad escape stops the server with one sentence naming the file."""
    import javaproperties

    try:
        return javaproperties.loads(text)
    except ValueError as exc:
        raise SystemExit(f"{name}: {exc}.") from None


@dataclass
class ServerConfig:
    home: Path
    bind: str = "127.0.0.1"
    port: int = 4516
    context_root: str = "/"
    database_url: str = ""
    importable_packages: Path | None = None
    admin_password: str = "admin"
    max_request_size: int = 256 * 1024 * 1024
    max_json_size: int = 32 * 1024 * 1024
    header_timeout: float = 30.0
    default_format: str = "xml"
    max_active_tasks: int = 10
    step_threads: int = 32
    properties: dict | None = None

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def repository_dir(self) -> Path:
        return self.home / "repository"

    @property
    def artifacts_dir(self) -> Path:
        """Where artifact files are stored (`artifacts.path`: a folder servers share), or received first when they
        are stored in the database."""
        configured = str((self.properties or {}).get("artifacts.path") or "").strip()
        if not configured:
            return self.repository_dir / "artifacts"
        return Path(configured) if Path(configured).is_absolute() else self.home / configured

    @property
    def export_dir(self) -> Path:
        """The export folder (`export.path`, relative to the home): archives exported and imported by name."""
        configured = str((self.properties or {}).get("export.path") or "").strip() or "export"
        return Path(configured) if Path(configured).is_absolute() else self.home / configured

    @property
    def artifacts_store(self) -> str:
        """`file` (the default) or `database` (`artifacts.store`)."""
        kind = str((self.properties or {}).get("artifacts.store") or "file").strip().lower()
        if kind not in ("file", "database"):
            raise SystemExit(f"deployit.conf: artifacts.store must be file or database, not '{kind}'.")
        return kind

    @property
    def plugins_dir(self) -> Path:
        return self.home / "plugins"

    @property
    def ext_dir(self) -> Path:
        return self.home / "ext"

    @property
    def log_dir(self) -> Path:
        return self.home / "log"

    @property
    def rest_prefix(self) -> str:
        """Path under which the REST API is served: `/<context root>/deployit`."""
        root = self.context_root.strip("/")
        return f"/{root}/deployit" if root else "/deployit"

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.repository_dir / 'repository.db'}"

    def defaults_properties(self) -> dict[str, str]:
        path = self.conf_dir / "deployit-defaults.properties"
        return parse_properties(path.read_text(encoding="utf-8"), path.name) if path.exists() else {}


def _int(props: dict, key: str, default: int) -> int:
    value = props.get(key, "")
    try:
        return int(value) if value.strip() else default
    except ValueError:
        raise SystemExit(f"deployit.conf: {key} must be a number, not '{value}'.") from None


def _seconds(props: dict, key: str, default: float) -> float:
    value = props.get(key, "")
    try:
        seconds = float(value) if value.strip() else default
    except ValueError:
        seconds = -1
    if seconds <= 0:
        raise SystemExit(f"deployit.conf: {key} must be a number of seconds greater than 0, not '{value}'.")
    return seconds


def _format(props: dict, key: str) -> str:
    value = (props.get(key) or "xml").strip().lower()
    if value not in ("xml", "json"):
        raise SystemExit(f"deployit.conf: {key} must be xml or json, not '{props.get(key)}'.")
    return value


def init_home(home: Path, bind: str | None = None, port: int | None = None) -> bool:
    """Create the home layout when missing; True when this was the first start."""
    first = not (home / "conf" / "deployit.conf").exists()
    for sub in ("conf", "repository/artifacts", "plugins", "importablePackages", "log"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    if first:
        (home / "conf" / "deployit.conf").write_text(
            DEFAULT_CONF.format(bind=bind or "127.0.0.1", port=port or 4516), encoding="utf-8")
        defaults = home / "conf" / "deployit-defaults.properties"
        if not defaults.exists():
            defaults.write_text("# Overrides of type property defaults: <type>.<property>=<value>\n"
                                "# file.File.textFileNamesRegex=.+\\.(cfg|conf|properties|txt|xml)\n",
                                encoding="utf-8")
    return first


def load_config(home: Path, bind: str | None = None, port: int | None = None) -> ServerConfig:
    """Read `conf/deployit.conf`; command-line bind/port override the file."""
    home = home.resolve()
    props = parse_properties((home / "conf" / "deployit.conf").read_text(encoding="utf-8"))
    packages = Path(props.get("importable.packages.path") or "importablePackages")
    cfg = ServerConfig(
        home=home,
        bind=bind or props.get("http.bind.address") or "127.0.0.1",
        port=port if port is not None else _int(props, "http.port", 4516),
        context_root=props.get("http.context.root") or "/",
        database_url=os.environ.get("DEPLOYIT_DATABASE_URL") or props.get("repository.database.url", ""),
        importable_packages=packages if packages.is_absolute() else home / packages,
        admin_password=props.get("admin.password") or "admin",
        max_request_size=_int(props, "http.max.request.size", 256 * 1024 * 1024),
        max_json_size=_int(props, "http.max.json.size", 32 * 1024 * 1024),
        header_timeout=_seconds(props, "http.header.timeout", 30.0),
        default_format=_format(props, "http.default.format"),
        max_active_tasks=_int(props, "task.max.active", 10),
        step_threads=_int(props, "task.step.threads", 32),
        properties=props,
    )
    return cfg


# Settings whose default changed since an earlier release wrote it into every new home's deployit.conf:
# (the value it wrote, today's default, why it changed).
EARLIER_DEFAULTS = {
    "task.step.threads": ("8", "32", "steps of parallel blocks mostly wait on commands and connections"),
    "gc.grace.seconds": ("600", "0", "uploads in flight are kept anyway, so files can be freed at once"),
}


def earlier_defaults(props: dict[str, str]) -> list[str]:
    """One sentence per setting that still holds the default an earlier release wrote (the operator may
    have meant it, so it is only pointed out, never changed)."""
    return [f"deployit.conf sets {key}={props[key]}, the default written by an earlier release; today's default "
            f"is {now} ({why}): change or remove the line to take it."
            for key, (then, now, why) in EARLIER_DEFAULTS.items() if props.get(key, "").strip() == then]

