"""repository.exportArchivedTasks: archived tasks with their steps and logs as an XML file.

    <tasks>
      <task id="..." state="DONE" owner="admin" currentStep="1" totalSteps="1" failures="0"
            startDate="..." completionDate="...">
        <description>Initial deployment of Environments/Dev/PetPortal</description>
        <metadata><entry key="application">PetPortal</entry>...</metadata>
        <steps>
          <step nr="1" path="0_1_1_1" state="DONE" failures="0" startDate="..." completionDate="...">
            <description>...</description><log>...</log>
          </step>
        </steps>
      </task>
    </tasks>

The attribute names follow the task XML of XL Deploy's REST API (id, currentStep, totalSteps,
failures, state, owner); dates are the server's (UTC).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .taskrecords import walk_steps


def _attrs(element, values: dict) -> None:
    for key, value in values.items():
        if value is not None:
            element.set(key, str(value))


def tasks_xml(tasks: list[dict]) -> ET.ElementTree:
    root = ET.Element("tasks")
    for task in tasks:
        node = ET.SubElement(root, "task")
        _attrs(node, {"id": task.get("id"), "state": task.get("state"), "owner": task.get("owner"),
                      "currentStep": task.get("currentStepNr"), "totalSteps": task.get("nrSteps"),
                      "failures": task.get("failureCount"), "startDate": task.get("startDate"),
                      "completionDate": task.get("completionDate")})
        ET.SubElement(node, "description").text = task.get("description") or ""
        metadata = ET.SubElement(node, "metadata")
        for key, value in (task.get("metadata") or {}).items():
            entry = ET.SubElement(metadata, "entry", key=str(key))
            entry.text = "" if value is None else str(value)
        steps = ET.SubElement(node, "steps")
        for step in walk_steps(task.get("block")):
            item = ET.SubElement(steps, "step")
            _attrs(item, {"nr": step.get("nr"), "path": step.get("path"), "state": step.get("state"),
                          "failures": step.get("failureCount"), "startDate": step.get("startDate"),
                          "completionDate": step.get("completionDate")})
            ET.SubElement(item, "description").text = step.get("description") or ""
            ET.SubElement(item, "log").text = step.get("log") or ""
    ET.indent(root)
    return ET.ElementTree(root)


def write_tasks_xml(tasks: list[dict], path: str) -> None:
    tasks_xml(tasks).write(path, encoding="UTF-8", xml_declaration=True)
