"""Helpers for the task engine's REST tests: deployments of cmd.Command deployables on the local host."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from tests.integration.helpers import unique


def create_all(api, cis: list[dict]) -> None:
    response = api.post("/repository/cis", json=cis)
    assert response.status_code == 200, response.text


def script(folder: Path, name: str, body: str) -> str:
    """An executable shell script on disk (the server runs on this machine); returns its path."""
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


class LocalApp:
    """An application deployed with cmd.Commands to an overthere.LocalHost (or the host given by its
    properties, e.g. an overthere.SshHost), under unique names."""

    def __init__(self, api, host: dict | None = None, **env_props):
        self.api = api
        self.name = unique("app")
        self.app = f"Applications/{self.name}"
        self.host = f"Infrastructure/{unique('local')}"
        self.env = f"Environments/{unique('env')}"
        create_all(api, [{"id": self.app, "type": "udm.Application"},
                         dict(host or {"type": "overthere.LocalHost", "os": "UNIX"}, id=self.host),
                         dict({"id": self.env, "type": "udm.Environment", "members": [self.host]}, **env_props)])

    @property
    def deployed_application(self) -> str:
        return f"{self.env}/{self.name}"

    def version(self, version: str, commands: dict) -> str:
        """commands: {name: commandLine} or {name: (commandLine, order)}."""
        version_id = f"{self.app}/{version}"
        cis = [{"id": version_id, "type": "udm.DeploymentPackage"}]
        for name, value in commands.items():
            line, order = value if isinstance(value, tuple) else (value, 50)
            cis.append({"id": f"{version_id}/{name}", "type": "cmd.Command", "commandLine": line, "order": order})
        create_all(self.api, cis)
        return version_id

    def deploy_task(self, version_id: str, orchestrator=None) -> str:
        exists = self.api.get(f"/repository/exists/{self.deployed_application}").json()["boolean"]
        if exists:
            prepared = self.api.get("/deployment/prepare/update",
                                    params={"version": version_id, "deployedApplication": self.deployed_application})
        else:
            prepared = self.api.get("/deployment/prepare/initial", params={"version": version_id, "environment": self.env})
        assert prepared.status_code == 200, prepared.text
        deployment = self.api.post("/deployment/prepare/deployeds", json=prepared.json())
        assert deployment.status_code == 200, deployment.text
        body = deployment.json()
        if orchestrator:
            body["application"]["orchestrator"] = orchestrator
        created = self.api.post("/deployment", json=body)
        assert created.status_code == 200, created.text
        return created.json()["string"]

    def undeploy_task(self) -> str:
        prepared = self.api.get("/deployment/prepare/undeploy", params={"deployedApplication": self.deployed_application})
        assert prepared.status_code == 200, prepared.text
        created = self.api.post("/deployment", json=prepared.json())
        assert created.status_code == 200, created.text
        return created.json()["string"]

    def deployeds(self) -> dict:
        """{deployed id: commandLine} of what the repository says is on the host, and the app's version."""
        found = self.api.get("/repository/query", params={"type": "cmd.DeployedCommand", "parent": self.host}).json()
        out = {}
        for ref in found:
            ci = self.api.get(f"/repository/ci/{ref['ref']}").json()
            out[ci["id"]] = ci["commandLine"]
        return out

    def application(self) -> dict | None:
        response = self.api.get(f"/repository/ci/{self.deployed_application}")
        return response.json() if response.status_code == 200 else None


def task(api, task_id: str) -> dict:
    response = api.get(f"/tasks/v2/{task_id}")
    assert response.status_code == 200, response.text
    return response.json()


def post(api, path: str, expect: int = 204, **kwargs):
    response = api.post(path, **kwargs)
    assert response.status_code == expect, response.text
    return response


def wait_state(api, task_id: str, states=("EXECUTED", "FAILED", "STOPPED", "ABORTED", "DONE", "CANCELLED"),
               timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = task(api, task_id)
        if current["state"] in states:
            return current
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} still {current['state']} after {timeout}s")


def wait_for(predicate, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def run(api, task_id: str, timeout: float = 30.0) -> dict:
    post(api, f"/tasks/v2/{task_id}/start")
    return wait_state(api, task_id, timeout=timeout)


def steps_of(block: dict) -> list[dict]:
    found = list(block.get("steps") or [])
    for child in block.get("blocks") or []:
        found.extend(steps_of(child))
    return found


def home_ext(server) -> Path:
    path = server.home / "ext"
    path.mkdir(exist_ok=True)
    return path


__all__ = ["LocalApp", "create_all", "script", "task", "post", "wait_state", "wait_for", "run", "steps_of",
           "home_ext", "os"]
