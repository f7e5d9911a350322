"""The deployment service in-process: repository snapshot, secrets in and out, tasks stored."""

import pytest

from server.config import init_home, load_config
from server.errors import BadRequest, NotFound
from server.deployments.service import ValidationFailed
from server.services import build_services


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    home = tmp_path_factory.mktemp("deployments") / "home"
    init_home(home)
    built = build_services(load_config(home))
    repo = built.repository
    repo.create_many([
        {"id": "Applications/Shop", "type": "udm.Application"},
        {"id": "Applications/Shop/1.0", "type": "udm.DeploymentPackage"},
        {"id": "Applications/Shop/1.0/shop.conf", "type": "file.File", "targetPath": "/etc/shop",
         "placeholders": ["DB_PASSWORD", "DB_HOST"]},
        {"id": "Applications/Shop/1.0/migrate", "type": "cmd.Command", "commandLine": "migrate --password {{DB_PASSWORD}}"},
        {"id": "Infrastructure/web", "type": "overthere.SshHost", "address": "h", "username": "u", "password": "pw"},
        {"id": "Environments/vault", "type": "udm.EncryptedDictionary", "entries": {"DB_PASSWORD": "hunter2"}},
        {"id": "Environments/plain", "type": "udm.Dictionary", "entries": {"DB_HOST": "db.local"},
         "encryptedEntries": {"TOKEN": "t0ken"}},
        {"id": "Environments/Prod", "type": "udm.Environment", "members": ["Infrastructure/web"],
         "dictionaries": ["Environments/vault", "Environments/plain"]},
    ], "admin")
    yield built
    built.db.dispose()


def test_encrypted_values_are_used_in_clear_and_leave_encrypted(services):
    deployments, secrets = services.deployments, services.secrets
    prepared = deployments.auto_deployeds(deployments.prepare_initial("Applications/Shop/1.0", "Environments/Prod"))
    by_id = {d["id"]: d for d in prepared["deployeds"]}
    conf, migrate = by_id["Infrastructure/web/shop.conf"], by_id["Infrastructure/web/migrate"]
    assert secrets.decrypt(conf["placeholders"]["DB_PASSWORD"]) == "hunter2"
    assert conf["placeholders"]["DB_HOST"] == "db.local"
    assert migrate["commandLine"] == "migrate --password "  # a secret is blank outside password properties
    assert deployments.effective_dictionary("Environments/Prod", None, None) == {
        "DB_PASSWORD": "********", "DB_HOST": "db.local", "TOKEN": "********"}
    task_id = deployments.create_task(prepared, "alice")
    stored = services.tasks.get(task_id, with_specification=True)
    assert stored["state"] == "PENDING" and stored["owner"] == "alice" and stored["task_type"] == "INITIAL"
    [delta_conf] = [d for d in stored["specification"]["deltas"] if d["deployed"]["id"].endswith("shop.conf")]
    assert secrets.decrypt(delta_conf["deployed"]["placeholders"]["DB_PASSWORD"]) == "hunter2"
    assert "hunter2" not in str(stored)
    assert stored["specification"]["deployedApplication"]["id"] == "Environments/Prod/Shop"
    assert [t["id"] for t in services.tasks.list(owner="alice")] == [task_id]


def test_errors_name_what_is_wrong(services):
    deployments = services.deployments
    with pytest.raises(NotFound, match="Applications/Shop/9.9"):
        deployments.prepare_initial("Applications/Shop/9.9", "Environments/Prod")
    with pytest.raises(BadRequest, match="Query parameter 'version' is required"):
        deployments.prepare_initial("", "Environments/Prod")
    with pytest.raises(BadRequest, match="Infrastructure/web is of type overthere.SshHost, not an environment"):
        deployments.prepare_initial("Applications/Shop/1.0", "Infrastructure/web")
    with pytest.raises(BadRequest, match="Environments/Prod is of type udm.Environment, not a deployed application"):
        deployments.prepare_undeploy("Environments/Prod")
    with pytest.raises(NotFound, match="Environments/Prod/Shop not found"):
        deployments.prepare_undeploy("Environments/Prod/Shop")
    prepared = deployments.prepare_initial("Applications/Shop/1.0", "Environments/Prod")
    prepared["deployeds"] = [{"id": "Infrastructure/web/migrate", "type": "cmd.DeployedCommand",
                              "deployable": "Applications/Shop/1.0/migrate", "container": "Infrastructure/web"}]
    with pytest.raises(ValidationFailed, match="Property 'commandLine' is required") as failed:
        deployments.create_task(prepared, "admin")
    assert failed.value.messages == [{"ci": "Infrastructure/web/migrate", "property": "commandLine",
                                      "message": "Property 'commandLine' is required.", "level": "ERROR"}]
