"""Helpers for the shell's package and deployment tests: the sample DAR under a name no other test uses,
as a folder or a .dar file, and infrastructure for it created over REST."""

from __future__ import annotations

import importlib.util
import shutil
import textwrap
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DAR = REPO_ROOT / "samples" / "dar"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _build_module():
    spec = importlib.util.spec_from_file_location("sample_dar_build", SAMPLE_DAR / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def package_folder(target: Path, application: str, version: str = "1.0") -> Path:
    """samples/dar/Sample/<version> copied to target, its application renamed."""
    shutil.copytree(SAMPLE_DAR / "Sample" / version, target)
    manifest = target / "deployit-manifest.xml"
    manifest.write_text(manifest.read_text().replace('application="Sample"', f'application="{application}"'))
    return target


def package_dar(target: Path, application: str, version: str = "1.0") -> Path:
    """The renamed sample as a .dar file at target."""
    folder = package_folder(target.parent / f".{target.name}.folder", application, version)
    _build_module().zip_folder(folder, target)
    shutil.rmtree(folder)
    return target


def run_ok(cli, source: str, *args: str) -> str:
    result = cli.script(textwrap.dedent(source), *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class Infrastructure:
    """Hosts for the sample (web: readme and config; app: the command; a SQLite client: the SQL scripts),
    a dictionary and an environment, created over REST under unique names."""

    def __init__(self, api, name: str | None = None):
        self.name = name or unique("env")
        self.folder = f"Infrastructure/{self.name}"
        self.web = f"{self.folder}/web"
        self.app = f"{self.folder}/app"
        self.db = f"{self.app}/sqlite"
        self.dictionary = f"Environments/{self.name}-dict"
        self.env = f"Environments/{self.name}"
        cis = [
            {"id": self.folder, "type": "core.Directory"},
            {"id": self.web, "type": "overthere.SshHost", "address": "10.0.0.5", "username": "deploy",
             "tags": ["web"]},
            {"id": self.app, "type": "overthere.SshHost", "address": "10.0.0.6", "username": "deploy"},
            {"id": self.db, "type": "sql.SqliteClient", "host": self.app, "databaseFile": "/var/sample.db",
             "tags": ["db"]},
            {"id": self.dictionary, "type": "udm.Dictionary", "entries": {
                "APP_HOME": "/opt/sample", "APP_HOST": "sample.example", "APP_PORT": "8080", "GREETING": "Hello",
                "DB_URL": "jdbc:sqlite:/var/sample.db", "DB_USER": "<empty>"}},
            {"id": self.env, "type": "udm.Environment", "members": [self.web, self.app, self.db],
             "dictionaries": [self.dictionary]},
        ]
        response = api.post("/repository/cis", json=cis)
        assert response.status_code == 200, response.text

    def deployed(self, application: str) -> str:
        return f"{self.env}/{application}"
