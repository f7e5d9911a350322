"""The official Python SDK (xldeploy-py 0.0.22) against the real server.

SDK quirks this relies on, all in the SDK itself: `read_list` sends GET with a body to /ci/read,
`update_list` sends bound methods instead of CIs, and `create_list` calls the missing
`ConfigurationItem.as_cis` after the POST succeeded; `delete` does not report a refusal, and
`update_ci` turns an error body into a CI (KeyError). `ConfigurationItem` shares a mutable default
for its properties, so every CI here is built with its own dict.
"""

import time

import pytest
import xldeploy
from xldeploy.domain.ConfigurationItem import ConfigurationItem
from xldeploy.domain.QueryBuilder import QueryBuilder
from xldeploy.errors import APIError, XLDeployAuthenticationError

from tests.integration.helpers import unique


@pytest.fixture(scope="module")
def server(server_process):
    """The SDK talks HTTP to a real port."""
    return server_process


def client_for(server, username="admin", password="admin"):
    return xldeploy.Client(xldeploy.Config(host="127.0.0.1", port=server.port, context_path="deployit",
                                           username=username, password=password))


@pytest.fixture(scope="module")
def client(server):
    return client_for(server)


@pytest.fixture(scope="module")
def repo(client):
    return client.repository


def ci(ci_id, ci_type, **props):
    return ConfigurationItem(ci_id, ci_type, dict(props))


def test_authenticate(server, client, capsys):
    client.http_client.authenticate()
    assert "Successfully connected" in capsys.readouterr().out
    with pytest.raises(ValueError, match="not authenticated"):
        client_for(server, password="wrong").http_client.authenticate()


def test_create_read_exists_delete(repo):
    app_id = f"Applications/{unique('app')}"
    created = repo.create_ci(ci(app_id, "udm.Application"))
    assert created.id == app_id and created.type == "udm.Application"
    assert created.has_property("$token")
    read = repo.read(app_id)
    assert read.id == app_id and read.type == "udm.Application" and read.name == app_id.split("/")[-1]
    assert repo.exists(app_id) is True
    repo.delete(app_id)
    assert repo.exists(app_id) is False


def test_properties_round_trip_and_update(repo):
    host_id = f"Infrastructure/{unique('ssh')}"
    repo.create_ci(ci(host_id, "overthere.SshHost", os="UNIX", address="a.example.com", username="u",
                      password="s3cret", port=2222, tags=["web"]))
    host = repo.read(host_id)
    assert host.address == "a.example.com" and host.port == 2222 and host.tags == ["web"]
    assert host.password == "********"
    host.address = "b.example.com"
    updated = repo.update_ci(host)
    assert updated.address == "b.example.com" and updated.password == host.password
    assert repo.read(host_id).address == "b.example.com"


def test_update_with_a_stale_token_writes_nothing(repo):
    dict_id = f"Environments/{unique('dict')}"
    repo.create_ci(ci(dict_id, "udm.Dictionary", entries={"k": "v1"}))
    first, second = repo.read(dict_id), repo.read(dict_id)
    first.entries = {"k": "v2"}
    repo.update_ci(first)
    second.entries = {"k": "v3"}
    with pytest.raises(KeyError):  # the SDK turns the 409 body into a CI and misses its id
        repo.update_ci(second)
    assert repo.read(dict_id).entries == {"k": "v2"}


def test_create_list_and_delete_list(repo):
    app_id = f"Applications/{unique('app')}"
    batch = [ci(app_id, "udm.Application"), ci(f"{app_id}/1.0", "udm.DeploymentPackage"),
             ci(f"{app_id}/1.0/f", "file.File", targetPath="/tmp")]
    with pytest.raises(AttributeError, match="as_cis"):  # after the POST succeeded
        repo.create_list(batch)
    assert all(repo.exists(c.id) for c in batch)
    assert repo.read(f"{app_id}/1.0").deployables == [f"{app_id}/1.0/f"]
    repo.delete_list([f"{app_id}/1.0/f", app_id])
    assert not any(repo.exists(c.id) for c in batch)


def test_copy_move_rename(repo):
    app_id = f"Applications/{unique('app')}"
    repo.create_ci(ci(app_id, "udm.Application"))
    repo.create_ci(ci(f"{app_id}/1.0", "udm.DeploymentPackage"))
    copied = repo.copy(app_id, app_id + "-copy")
    assert copied.id == app_id + "-copy" and repo.exists(f"{app_id}-copy/1.0")
    folder = f"Applications/{unique('dir')}"
    repo.create_ci(ci(folder, "core.Directory"))
    moved = repo.move(app_id, f"{folder}/moved")
    assert moved.id == f"{folder}/moved" and moved.type == "udm.Application"
    assert not repo.exists(app_id) and repo.exists(f"{folder}/moved/1.0")
    renamed = repo.rename(f"{folder}/moved", "renamed")
    # As XL Deploy (and the SDK's own test_rename_by_ID): the answer carries the id that was renamed.
    assert renamed.id == f"{folder}/moved" and renamed.type == "udm.Application"
    assert repo.exists(f"{folder}/renamed/1.0") and not repo.exists(f"{folder}/moved")


def test_references_follow_a_rename_and_protect_a_delete(repo):
    host_id = f"Infrastructure/{unique('host')}"
    env_id = f"Environments/{unique('env')}"
    repo.create_ci(ci(host_id, "overthere.LocalHost", os="UNIX"))
    repo.create_ci(ci(env_id, "udm.Environment", members=[host_id]))
    new_name = "renamed-" + unique()
    assert repo.rename(host_id, new_name).id == host_id
    new_host = f"Infrastructure/{new_name}"
    assert repo.read(env_id).members == [new_host]
    repo.delete(new_host)  # refused with a 409, which the SDK's delete does not report
    assert repo.exists(new_host)
    repo.delete(env_id)
    repo.delete(new_host)
    assert not repo.exists(new_host) and not repo.exists(env_id)


def test_errors_arrive_as_api_errors(server, repo):
    app_id = f"Applications/{unique('app')}"
    repo.create_ci(ci(app_id, "udm.Application"))
    with pytest.raises(APIError) as duplicate:
        repo.create_ci(ci(app_id, "udm.Application"))
    assert duplicate.value.status_code == 409 and app_id in duplicate.value.explanation
    with pytest.raises(APIError) as missing:
        repo.read(app_id + "-missing")
    assert missing.value.status_code == 404 and app_id + "-missing" in missing.value.explanation
    with pytest.raises(APIError) as bad:
        repo.create_ci(ci(f"Infrastructure/{unique('app')}", "udm.Application"))
    assert bad.value.status_code == 400 and "Applications" in bad.value.explanation
    with pytest.raises(XLDeployAuthenticationError):
        client_for(server, password="wrong").repository.read(app_id)


@pytest.fixture(scope="module")
def tree(repo):
    """Applications/<dir>/{alpha, beta}/{1.0, 2.0}, the 2.0s created after a moment `middle`."""
    top = f"Applications/{unique('q')}"
    repo.create_ci(ci(top, "core.Directory"))
    for name in ("alpha", "beta"):
        repo.create_ci(ci(f"{top}/{name}", "udm.Application"))
        repo.create_ci(ci(f"{top}/{name}/1.0", "udm.DeploymentPackage"))
    time.sleep(0.01)  # server time stamps have milliseconds
    middle = repo.create_ci(ci(f"Applications/{unique('marker')}", "udm.Application")).properties["$createdAt"]
    time.sleep(0.01)
    for name in ("alpha", "beta"):
        repo.create_ci(ci(f"{top}/{name}/2.0", "udm.DeploymentPackage"))
    return top, middle


def ids(result):
    assert isinstance(result, list)
    return [r["ref"] for r in result]


def test_query_with_query_builder(repo, tree):
    top, middle = tree
    q = QueryBuilder
    assert ids(repo.query(q().type("udm.Application").ancestor(top).build())) == [f"{top}/alpha", f"{top}/beta"]
    assert ids(repo.query(q().type("udm.Version").parent(f"{top}/beta").build())) == \
        [f"{top}/beta/1.0", f"{top}/beta/2.0"]
    assert ids(repo.query(q().ancestor(top).name_pattern("%ph%").build())) == [f"{top}/alpha"]
    assert ids(repo.query(q().ancestor(top).name_pattern("2.%").build())) == [f"{top}/alpha/2.0", f"{top}/beta/2.0"]
    everything = ids(repo.query(q().ancestor(top).build()))
    assert len(everything) == 6
    pages = [ids(repo.query(q().ancestor(top).page(p).result_per_page(4).build())) for p in (0, 1)]
    assert pages == [everything[:4], everything[4:]]
    after = ids(repo.query(q().ancestor(top).last_modified_after(middle).build()))
    assert after == [f"{top}/alpha/2.0", f"{top}/beta/2.0"]
    before = ids(repo.query(q().ancestor(top).last_modified_before(middle).build()))
    assert before == [i for i in everything if not i.endswith("/2.0")]
    assert repo.query(q().type("udm.Environment").ancestor(top).build()) == []


def test_query_v3_with_id_pattern(repo, tree):
    top, _ = tree
    result = repo.queryV3(QueryBuilder().id_pattern(f"{top}/%/2.0").build())
    assert ids(result) == [f"{top}/alpha/2.0", f"{top}/beta/2.0"]
    assert all(r["type"] == "udm.DeploymentPackage" for r in result)


def test_list_descriptors(client):
    descriptors = client.metadata.list_descriptors()
    assert isinstance(descriptors, list)
    by_type = {d["type"]: d for d in descriptors}
    assert "udm.Environment" in by_type and "overthere.SshHost" in by_type
    assert any(p["name"] == "members" for p in by_type["udm.Environment"]["properties"])
