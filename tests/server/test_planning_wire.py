"""The Deployment JSON: what goes out comes back in; secrets leave concealed; bad input is named."""

import pytest

from server.errors import BadRequest
from server.planning.wire import deployment_from_json, deployment_to_json
from tests.server.planning_helpers import World

conceal = lambda text: "{b64}" + text[::-1]  # noqa: E731


def reveal(text):
    return (text[5:][::-1], True) if text.startswith("{b64}") else (text, False)


def test_round_trip_with_secrets_and_embedded_deployeds():
    w = World()
    web = w.deployable("web", port="1", secret="{{PW}}")
    w.embedded(web, "http", port="80")
    w.deployable("conf", "file.File", targetPath="/etc", placeholders=["PW", "PLAIN"])
    w.container("host")
    w.container("ssh", "overthere.SshHost", address="h", username="u")
    w.dictionary("vault", {"PW": "s3cret"}, secret=["PW"])
    w.dictionary("plain", {"PLAIN": "text"})
    deployment = w.initial()
    out = deployment_to_json(deployment, w.snap, w.types, conceal)
    assert set(out) == {"id", "type", "application", "deployeds", "deployables", "containers", "requiredDeployments"}
    assert out["type"] == "INITIAL" and out["application"]["type"] == "udm.DeployedApplication"
    assert out["application"]["deployeds"] == ["Infrastructure/host/web", "Infrastructure/ssh/conf"]
    assert out["deployables"][0] == {"id": web, "type": "test.Spec"}
    web_json, conf_json = out["deployeds"]
    assert web_json["secret"] == "{b64}terc3s" and web_json["path"] == "/opt" and web_json["validation-messages"] == []
    assert web_json["bindings"][0]["id"] == "Infrastructure/host/web/http" and web_json["bindings"][0]["port"] == 80
    assert conf_json["placeholders"] == {"PW": "{b64}terc3s", "PLAIN": "text"}
    back = deployment_from_json(out, w.types, reveal)
    assert back.deployeds[0].properties["secret"] == "s3cret"
    assert back.deployeds[0].embedded[0].collection == "bindings"
    assert back.deployeds[1].properties["placeholders"] == {"PW": "s3cret", "PLAIN": "text"}
    assert back.deployeds[1].secret_placeholders == {"PW"}
    assert deployment_to_json(back, w.snap, w.types, conceal)["deployeds"] == out["deployeds"]


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(type="SIDEWAYS"), "type must be one of INITIAL, UPDATE, UNDEPLOYMENT"),
    (lambda d: d.update(application="nope"), "must be the udm.DeployedApplication CI"),
    (lambda d: d["application"].pop("version"), "has no version"),
    (lambda d: d["application"].update(colour="red"), "Unknown property 'colour' on deployed application"),
    (lambda d: d["deployeds"][0].update(colour="red"), "Unknown property 'colour' on deployed Infrastructure/host/web"),
    (lambda d: d["deployeds"][0].update(type="no.Such"), "Unknown type 'no.Such' for deployed"),
    (lambda d: d["deployeds"][0].pop("deployable"), "has no deployable"),
    (lambda d: d.update(deployeds={}), "must be a list"),
])
def test_bad_deployment_json_is_refused_with_the_reason(change, message):
    w = World()
    w.deployable("web", port="1")
    w.container("host")
    data = deployment_to_json(w.initial(), w.snap, w.types, conceal)
    change(data)
    with pytest.raises(BadRequest, match=message):
        deployment_from_json(data, w.types, reveal)


def test_an_embedded_deployed_lives_in_its_parent():
    """Its container is its parent deployed: one naming another container would be written there, on a
    container the deployment's permission checks never looked at."""
    w = World()
    web = w.deployable("web", port="1")
    w.embedded(web, "http", port="80")
    w.container("host")
    data = deployment_to_json(w.initial(), w.snap, w.types, conceal)
    data["deployeds"][0]["bindings"][0].update(container="Infrastructure/other/web",
                                               id="Infrastructure/other/web/http")
    with pytest.raises(BadRequest, match="Embedded deployed Infrastructure/other/web/http belongs in its parent "
                                         "Infrastructure/host/web, not in Infrastructure/other/web"):
        deployment_from_json(data, w.types, reveal)
    data["deployeds"][0]["bindings"][0].pop("container")
    assert deployment_from_json(data, w.types, reveal).deployeds[0].embedded[0].container == "Infrastructure/host/web"
