"""The Control of a control task (deployit.prepareControlTask): which method of which CI, with what parameters.

    control = deployit.prepareControlTask(server, 'methodWithParams')
    control.parameters.values['paramA'] = 'value'     # or control.parameters.paramA = 'value'
    taskId = deployit.createControlTask(control)

`control.parameters` is a CI of the method's parameters type, filled with their defaults, or None
for a method without parameters. `control.ci` is the id of the CI the method runs on.
"""

from __future__ import annotations

from .ci import ConfigurationItem


class Control:
    def __init__(self, data: dict, session=None):
        data = dict(data or {})
        self.controlName = data.get("controlName")
        self.ci = data.get("ci")
        self.description = data.get("description")
        params = data.get("parameters")
        # The parameters type (<type>.<method>) is not a registered CI type: no descriptor checks.
        self.parameters = ConfigurationItem.from_json(params) if isinstance(params, dict) else None
        self._extra = {k: v for k, v in data.items() if k not in ("controlName", "ci", "description", "parameters")}

    def to_json(self) -> dict:
        data = dict(self._extra)
        data.update(controlName=self.controlName, ci=self.ci, description=self.description,
                    parameters=self.parameters.to_json() if isinstance(self.parameters, ConfigurationItem)
                    else self.parameters)
        return data

    toJson = to_json

    def getControlName(self): return self.controlName
    def getConfigurationItem(self): return self.ci
    def getCi(self): return self.ci
    def getParameters(self): return self.parameters
    def getDescription(self): return self.description

    def setParameters(self, parameters): self.parameters = parameters

    def __repr__(self) -> str:
        params = ""
        if isinstance(self.parameters, ConfigurationItem):
            params = " with " + ", ".join(f"{k}={v!r}" for k, v in self.parameters.values.items())
        return f"Control {self.controlName} on {self.ci}{params}"
