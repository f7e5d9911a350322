"""Control tasks over REST: checkConnection on hosts, start/stop scripts of generic containers."""

from __future__ import annotations

from tests.integration.helpers import unique
from tests.integration.tasks_helpers import create_all, home_ext, run, steps_of


def test_check_connection_on_the_local_host(api):
    host = f"Infrastructure/{unique('local')}"
    create_all(api, [{"id": host, "type": "overthere.LocalHost", "os": "UNIX"}])
    control = api.get(f"/control/prepare/checkConnection/{host}")
    assert control.status_code == 200, control.text
    body = control.json()
    assert body["controlName"] == "checkConnection" and body["ci"] == host and body["parameters"] is None
    assert body["description"]
    created = api.post("/control", json=body)
    assert created.status_code == 200, created.text
    task_id = created.json()["string"]
    task = api.get(f"/tasks/v2/{task_id}").json()
    assert task["state"] == "PENDING" and task["metadata"]["taskType"] == "CONTROL"
    assert task["description"] == f"Check connection on {host}"
    done = run(api, task_id)
    assert done["state"] == "EXECUTED", done
    [step] = steps_of(done["block"])
    assert step["state"] == "DONE" and step["log"]


def test_unknown_control_tasks_name_the_type_and_method(api):
    host = f"Infrastructure/{unique('local')}"
    create_all(api, [{"id": host, "type": "overthere.LocalHost", "os": "UNIX"}])
    response = api.get(f"/control/prepare/reboot/{host}")
    assert response.status_code == 404
    message = response.json()["message"]
    assert "overthere.LocalHost" in message and "reboot" in message and "checkConnection" in message
    response = api.post("/control", json={"controlName": "reboot", "ci": host})
    assert response.status_code == 404
    assert api.get("/control/prepare/checkConnection/Infrastructure/nothing-here").status_code == 404


def test_generic_container_start_and_stop_scripts(api, server):
    folder = home_ext(server) / "ctltest"
    folder.mkdir(exist_ok=True)
    (folder / "start.sh").write_text("echo container is starting\n")
    host = f"Infrastructure/{unique('local')}"
    container = f"{host}/tomcat"
    create_all(api, [{"id": host, "type": "overthere.LocalHost", "os": "UNIX"},
                     {"id": container, "type": "generic.Container", "host": host, "startScript": "ctltest/start"}])
    control = api.get(f"/control/prepare/start/{container}").json()
    task_id = api.post("/control", json=control).json()["string"]
    done = run(api, task_id)
    assert done["state"] == "EXECUTED", steps_of(done["block"])
    assert "container is starting" in steps_of(done["block"])[0]["log"]
    # No stop script set: a clear refusal naming the CI and the property.
    response = api.post("/control", json={"controlName": "stop", "ci": container})
    assert response.status_code == 400 and "stopScript" in response.json()["message"]
