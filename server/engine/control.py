"""Control tasks (`<method>` on types): prepared as Control JSON, created as CONTROL tasks of one step.

    Control: {"controlName": "start", "ci": "Infrastructure/host/tomcat",
              "parameters": null | {"id", "type", <parameter>: <value>...}, "description": "..."}

How a method becomes a step:
- `checkConnection` on an overthere.Host: a `check-connection` step on that host (connect, write and
  read back a temporary file, run a trivial command; server/engine/hosts.check_connection);
- delegate `shellScript`: an `os-script` step running the method's `script` on the CI's host (the CI
  itself when it is a host, else its `host`, following `parentContainer` up); `localShellScript`: the
  same on the server's own machine. A script of the form `${thisCi.startScript}` names the CI's
  property holding the script. The script template gets `thisCi` (the CI) and `params` (the
  parameters) in its context. When the CI has a `<method>WaitTime` above 0 (generic containers'
  startWaitTime...), a `wait` step follows;
- delegate `jythonScript`: a `jython` step running `script` on the server with `thisCi` and `params`.
An unknown method is a 404 naming the type and its control tasks.
"""

from __future__ import annotations

import re

from ..errors import BadRequest, NotFound
from ..refs import ref_id
from ..repository.values import to_json
from .stepcontext import SERVER_HOST_ID

CONTROL = "CONTROL"
_THIS_CI = re.compile(r"\$\{\s*thisCi\.(\w+)\s*\}")


def _step(type_name: str, description: str, parameters: dict, order: int = 50) -> dict:
    return {"description": description, "state": "PENDING", "startDate": None, "completionDate": None,
            "failureCount": 0, "log": "", "metadata": {"order": str(order), "previewAvailable": False},
            "type": type_name, "order": order, "parameters": parameters, "checkpoint": None}


class ControlTasks:
    def __init__(self, repository, types, store):
        self.repository, self.types, self.store = repository, types, store

    def _method(self, name: str, ci_id: str):
        ci_id = (ci_id or "").strip("/")
        rec = self.repository.read(ci_id)  # NotFound names the CI
        desc = self.types.get(rec.type)
        method = desc.methods.get(name) if desc is not None else None
        if method is None:
            known = ", ".join(sorted(desc.methods)) if desc is not None and desc.methods else ""
            tail = f"its control tasks are {known}" if known else "it has no control tasks"
            raise NotFound(f"Type {rec.type} of {ci_id} has no control task '{name}'; {tail}.")
        return rec, desc, method

    def prepare(self, name: str, ci_id: str) -> dict:
        rec, _, method = self._method(name, ci_id)
        parameters = None
        if method.parameters:
            parameters = {"id": f"{rec.id}/{name}", "type": method.attributes.get("parameters-type")
                          or f"{rec.type}.{name}"}
            for prop in method.parameters:
                parameters[prop.name] = prop.default if prop.default is not None else prop.empty_value()
        return {"controlName": name, "ci": rec.id, "parameters": parameters,
                "description": method.description or method.label or name}

    def _host_of(self, rec, seen=None):
        seen = seen or set()
        while rec is not None and rec.id not in seen:
            seen.add(rec.id)
            if self.types.is_a(rec.type, "overthere.Host"):
                return rec
            nxt = rec.properties.get("host") or rec.properties.get("parentContainer")
            rec = self.repository.read(nxt) if nxt and self.repository.exists(nxt) else None
        return None

    def create(self, control: dict, owner: str) -> str:
        if not isinstance(control, dict):
            raise BadRequest("The body must be a Control: {\"controlName\", \"ci\", \"parameters\"}.")
        name = control.get("controlName") or control.get("name")
        if not isinstance(name, str) or not name:
            raise BadRequest("The Control has no 'controlName'.")
        ci_id = ref_id(control.get("ci"), "The Control's 'ci'")
        rec, desc, method = self._method(name, ci_id)
        params = control.get("parameters") or {}
        if not isinstance(params, dict):
            raise BadRequest(f"The parameters of control task {name} must be a JSON object.")
        values = {p.name: params.get(p.name, p.default) for p in method.parameters}
        label = method.label or name
        this_ci = {"ref": rec.id, "type": rec.type, "from": "repository"}
        steps = self._steps(rec, desc, method, name, label, this_ci, values)
        block = {"id": "0", "description": f"{label} on {rec.id}", "state": "PENDING", "type": "serial", "root": True,
                 "blocks": [{"id": "0_1", "description": f"{label} on {rec.id}", "state": "PENDING", "type": "steps",
                             "current": 0, "steps": steps}]}
        metadata = {"taskType": CONTROL, "controlTaskName": name, "ci": rec.id, "ciType": rec.type}
        return self.store.create(task_type=CONTROL, description=f"{label} on {rec.id}", owner=owner,
                                 metadata=metadata, block=block, specification={"control": {
                                     "controlName": name, "ci": rec.id, "parameters": values}})

    def _steps(self, rec, desc, method, name, label, this_ci, values) -> list[dict]:
        delegate = method.delegate
        if delegate is None and name == "checkConnection" and self.types.is_a(rec.type, "overthere.Host"):
            return [_step("check-connection", f"Check connection to {rec.id}",
                          {"target-host": {"ref": rec.id, "type": rec.type, "from": "repository"}})]
        if delegate in ("shellScript", "localShellScript", "jythonScript"):
            script = self._script(rec, desc, method, name)
            context = {"thisCi": this_ci, "params": values}
            if delegate == "jythonScript":
                return [_step("jython", f"{label} {rec.id}", {"script": script, "jython-context": context})]
            if delegate == "localShellScript":
                host = {"ref": SERVER_HOST_ID, "type": "overthere.LocalHost", "from": "server"}
            else:
                host_rec = self._host_of(rec)
                if host_rec is None:
                    raise BadRequest(f"{rec.id} is not on a host (no 'host' or 'parentContainer' leading to an "
                                     f"overthere.Host), so control task {name} has nowhere to run.")
                host = {"ref": host_rec.id, "type": host_rec.type, "from": "repository"}
            steps = [_step("os-script", f"{label} {rec.id}",
                           {"script": script, "target-host": host, "freemarker-context": context,
                            "upload-artifacts": False})]
            wait = to_json(desc, rec.properties).get(f"{name}WaitTime") if desc.property(f"{name}WaitTime") else None
            if isinstance(wait, int) and wait > 0:
                steps.append(_step("wait", f"Wait {wait} seconds after {label.lower()}", {"seconds": wait}))
            return steps
        raise BadRequest(f"Control task {name} of type {rec.type} uses delegate '{delegate}', which this server "
                         f"cannot run (it runs shellScript, localShellScript and jythonScript methods, and "
                         f"checkConnection on hosts).")

    def _script(self, rec, desc, method, name) -> str:
        script = method.attributes.get("script") or ""
        effective = to_json(desc, rec.properties)
        match = _THIS_CI.fullmatch(script.strip())
        if match:
            prop = match.group(1)
            script = effective.get(prop) or ""
            if not script:
                raise BadRequest(f"{rec.id} has no {prop} set, which control task {name} runs.")
            return str(script)
        script = _THIS_CI.sub(lambda m: str(effective.get(m.group(1)) or ""), script)
        if not script.strip():
            raise BadRequest(f"Control task {name} of type {rec.type} names no script.")
        return script

