"""The metadata REST API: type descriptors as goxldeploy and xldeploy-py decode them, and orchestrators."""

import pytest

KINDS = {"BOOLEAN", "INTEGER", "STRING", "ENUM", "DATE", "CI", "SET_OF_STRING", "SET_OF_CI", "LIST_OF_STRING",
         "LIST_OF_CI", "MAP_STRING_STRING"}
PROPERTY_FIELDS = {"name", "fqn", "label", "kind", "description", "category", "asContainment", "inspection",
                   "required", "requiredInspection", "password", "transient", "size", "referencedType", "default"}


@pytest.fixture(scope="module")
def descriptors(api):
    response = api.get("/metadata/type")
    assert response.status_code == 200, response.text
    return {d["type"]: d for d in response.json()}


def prop(descriptor, name):
    return next(p for p in descriptor["properties"] if p["name"] == name)


def test_every_descriptor_has_the_documented_shape(descriptors):
    assert {"udm.Application", "udm.DeploymentPackage", "udm.Environment", "udm.Dictionary", "core.Directory",
            "overthere.SshHost", "overthere.LocalHost", "file.File", "cmd.Command"} <= set(descriptors)
    for name, d in descriptors.items():
        assert {"type", "virtual", "icon", "description", "properties", "interfaces", "superTypes"} <= set(d), name
        assert isinstance(d["virtual"], bool) and isinstance(d["interfaces"], list)
        for p in d["properties"]:
            assert PROPERTY_FIELDS <= set(p), (name, p)
            assert p["kind"] in KINDS, (name, p)
            assert p["fqn"].endswith("." + p["name"])
            if p["kind"] in ("CI", "SET_OF_CI", "LIST_OF_CI"):
                assert p["referencedType"] in descriptors, (name, p)


def test_one_descriptor(api, descriptors):
    response = api.get("/metadata/type/overthere.SshHost")
    assert response.status_code == 200
    ssh = response.json()
    assert ssh == descriptors["overthere.SshHost"]
    assert ssh["virtual"] is False
    assert "udm.Container" in ssh["interfaces"] and "overthere.Host" in ssh["superTypes"]
    assert prop(ssh, "password")["password"] is True and prop(ssh, "address")["required"] is True
    assert prop(ssh, "os")["kind"] == "ENUM" and "UNIX" in prop(ssh, "os")["enumValues"]
    env = api.get("/metadata/type/udm.Environment").json()
    assert prop(env, "members")["kind"] == "SET_OF_CI" and prop(env, "members")["referencedType"] == "udm.Container"
    pkg = api.get("/metadata/type/udm.DeploymentPackage").json()
    assert prop(pkg, "deployables")["asContainment"] is True
    assert api.get("/metadata/type/overthere.Host").json()["virtual"] is True


def test_unknown_type(api):
    response = api.get("/metadata/type/udm.NoSuchType")
    assert response.status_code == 404 and "udm.NoSuchType" in response.json()["message"]


def test_orchestrators(api):
    response = api.get("/metadata/orchestrators")
    assert response.status_code == 200
    names = response.json()
    assert all(isinstance(n, str) for n in names)
    assert {"default", "parallel-by-container", "sequential-by-container", "parallel-by-deployment-group"} <= set(names)


def test_metadata_needs_credentials(server):
    response = server.http().get(f"{server.url}/metadata/type", headers={"Accept": "application/json"})
    assert response.status_code == 401 and "message" in response.json()
