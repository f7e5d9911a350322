"""Specification: tags, deployed types, property copying, placeholders, embedded deployeds, validation."""

import pytest

from server.errors import BadRequest, Conflict
from server.planning import specification as spec
from server.planning.matching import TypeMatcher, tags_match
from server.planning.model import UPDATE, WARNING
from tests.server.planning_helpers import World, by_id, deployed, types


@pytest.mark.parametrize("deployable, container, expected", [
    ([], [], True),                    # both without tags
    (["*"], [], True), ([], ["*"], True), (["*"], ["x"], True),
    (["+"], ["x"], True), (["x"], ["+"], True),
    (["+"], [], False), ([], ["+"], False),
    (["FE"], ["FE", "BE"], True),
    (["FE"], ["BE"], False),
    (["FE"], [], False), ([], ["FE"], False),
    (["+"], ["+"], True),
])
def test_tag_matching_rules(deployable, container, expected):
    assert tags_match(deployable, container) is expected


def test_tags_decide_which_containers_get_a_deployed():
    w = World()
    w.deployable("front", tags=["FE"], port="1")
    w.deployable("back", tags=["BE"], port="2")
    w.deployable("everywhere", tags=["*"], port="3")
    w.deployable("untagged", port="4")
    w.container("web", tags=["FE"])
    w.container("app", tags=["BE"])
    w.container("plain")
    ids = sorted(by_id(w.initial()))
    assert ids == sorted(["Infrastructure/web/front", "Infrastructure/app/back", "Infrastructure/web/everywhere",
                          "Infrastructure/app/everywhere", "Infrastructure/plain/everywhere",
                          "Infrastructure/plain/untagged"])


def test_most_specific_deployed_type_and_ambiguity():
    matcher = TypeMatcher(types())
    assert matcher.most_specific("test.Spec", "test.Server") == ["test.Deployed"]
    assert matcher.most_specific("test.Spec", "test.SpecialServer") == ["test.SpecialDeployed"]
    assert matcher.most_specific("test.Spec", "test.TwinServer") == ["test.TwinA", "test.TwinB"]
    assert matcher.most_specific("file.File", "overthere.SshHost") == ["file.DeployedFile"]
    assert matcher.most_specific("cmd.Command", "test.Server") == []


def test_ambiguous_pairs_are_not_mapped_and_say_why():
    w = World()
    spec_id = w.deployable("thing", port="1")
    w.container("special", "test.SpecialServer")
    w.container("twin", "test.TwinServer")
    deployment = w.initial()
    assert [d.type for d in deployment.deployeds] == ["test.SpecialDeployed"]
    warning = deployment.messages[0]
    assert warning.level == WARNING and warning.ci == spec_id
    assert "test.TwinA, test.TwinB" in warning.message and "generateSingleDeployed" in warning.message
    chosen = spec.generate_single(deployment, w.snap, w.types, spec_id, "Infrastructure/twin", "test.TwinB")
    assert by_id(chosen)["Infrastructure/twin/thing"].type == "test.TwinB"
    with pytest.raises(BadRequest, match="as any of test.TwinA, test.TwinB"):
        spec.generate_single(deployment, w.snap, w.types, spec_id, "Infrastructure/twin", None)
    with pytest.raises(BadRequest, match="cannot map"):
        spec.generate_single(deployment, w.snap, w.types, spec_id, "Infrastructure/twin", "file.DeployedFile")


def test_properties_are_copied_resolved_and_converted_to_the_deployed_kinds():
    w = World()
    w.deployable("web", port="{{PORT}}", url="http://{{HOST}}:{{PORT}}/{{UNKNOWN}}", enabled="false")
    w.container("host")
    w.dictionary("dict", {"PORT": "8080", "HOST": "example.org"})
    d = w.initial().deployeds[0]
    assert d.id == "Infrastructure/host/web" and d.container == "Infrastructure/host"
    assert d.properties["port"] == 8080
    assert d.properties["enabled"] is False
    assert d.properties["url"] == "http://example.org:8080/{{UNKNOWN}}"  # property placeholders stay when unknown
    assert "path" not in d.properties  # left to the type's default
    assert d.messages == []


def test_values_that_do_not_convert_or_miss_are_validation_errors():
    w = World()
    w.deployable("web", port="{{PORT}}")
    w.deployable("nothing")
    w.container("host")
    deployment = w.initial()
    messages = {(m.ci, m.property): m.message for m in deployment.errors()}
    assert messages[("Infrastructure/host/web", "port")] == "Property 'port' must be an integer, not '{{PORT}}'."
    assert messages[("Infrastructure/host/nothing", "port")] == "Property 'port' is required."


def test_dictionary_keys_for_deployed_properties():
    w = World()
    w.deployable("web", port="1")
    w.container("host")
    w.dictionary("dict", {"test.Deployed.note": "from the dictionary", "test.Deployed.path": "/srv/{{APP}}",
                          "APP": "shop", "test.Deployed.port": "9"})
    d = w.initial().deployeds[0]
    assert d.properties["note"] == "from the dictionary"
    assert d.properties["path"] == "/srv/shop"
    assert d.properties["port"] == 1  # the deployable's value comes first


def test_encrypted_values_only_reach_password_properties():
    w = World()
    w.deployable("web", port="1", url="{{PW}}", secret="{{PW}}")
    w.container("host")
    w.dictionary("vault", {"PW": "s3cret"}, secret=["PW"])
    d = w.initial().deployeds[0]
    assert d.properties["secret"] == "s3cret"
    assert "url" not in d.properties  # blank: the manual says secrets are blank in non-password properties


def test_file_placeholders_are_required_and_special_values_count():
    w = World()
    w.deployable("app.conf", "file.File", targetPath="/etc", placeholders=["DB", "EMPTY", "KEEP", "MISSING"])
    w.container("host", "overthere.SshHost", address="h", username="u")
    w.dictionary("dict", {"DB": "jdbc:x", "EMPTY": "<empty>", "KEEP": "<ignore>"})
    d = w.initial().deployeds[0]
    assert d.type == "file.DeployedFile"
    assert d.properties["placeholders"] == {"DB": "jdbc:x", "EMPTY": "<empty>", "KEEP": "<ignore>", "MISSING": ""}
    [message] = d.messages
    assert message.property == "placeholders" and "MISSING" in message.message


def test_restricted_dictionaries_per_container():
    w = World()
    w.deployable("web", port="{{PORT}}")
    w.container("a")
    w.container("b")
    w.dictionary("only-a", {"PORT": "1"}, containers=["Infrastructure/a"])
    w.dictionary("other-app", {"PORT": "3"}, applications=["Applications/Other"])
    w.dictionary("all", {"PORT": "2"})
    ports = {d.id: d.properties["port"] for d in w.initial().deployeds}
    assert ports == {"Infrastructure/a/web": 1, "Infrastructure/b/web": 2}


def test_embedded_deployeds_follow_their_parent():
    w = World()
    web = w.deployable("web", port="1")
    w.embedded(web, "http", port="{{HTTP}}")
    w.embedded(web, "https", port="443")
    w.container("host")
    w.dictionary("dict", {"HTTP": "80"})
    d = w.initial().deployeds[0]
    assert [(e.id, e.type, e.collection, e.properties["port"]) for e in d.embedded] == [
        ("Infrastructure/host/web/http", "test.Binding", "bindings", 80),
        ("Infrastructure/host/web/https", "test.Binding", "bindings", 443)]
    assert all(e.container == d.id for e in d.embedded)


def test_composite_packages_are_flattened_in_member_order():
    w = World()
    w.snap.members = ["Applications/App/1.0", "Applications/Lib/2.0"]
    w.deployable("a", port="1")
    w.deployable("b", port="2", package="Applications/Lib/2.0")
    w.container("host")
    assert [d.deployable for d in w.initial().deployeds] == ["Applications/App/1.0/a", "Applications/Lib/2.0/b"]


def test_prepare_initial_refuses_an_application_already_deployed():
    w = World()
    w.container("host")
    w.deployed_previously([])
    with pytest.raises(Conflict, match="already deployed"):
        spec.prepare_initial(w.snap, w.types)


def test_update_keeps_mappings_resolves_again_and_keeps_last_known_values():
    w = World()
    w.container("host")
    w.container("new-host")
    w.container("ssh", "overthere.SshHost", address="h", username="u")
    w.version("2.0")
    w.deployable("web", port="{{PORT}}")
    w.deployable("conf", "file.File", targetPath="/etc", placeholders=["DB", "GONE"])
    w.deployable("added", port="5")
    old_web = deployed("Infrastructure/host/web", "test.Deployed", "Applications/App/0.9/web", port=1,
                       note="set by hand", path="/custom")
    old_conf = deployed("Infrastructure/ssh/conf", "file.DeployedFile", "Applications/App/0.9/conf", targetPath="/etc",
                        placeholders={"DB": "old", "GONE": "last known"})
    old_removed = deployed("Infrastructure/host/removed", "test.Deployed", "Applications/App/0.9/removed", port=3)
    w.deployed_previously([old_web, old_conf, old_removed], orchestrator=["parallel-by-container"])
    w.dictionary("dict", {"PORT": "8080", "DB": "new"})
    prepared = spec.prepare_update(w.snap, w.types)
    assert prepared.type == UPDATE and prepared.application.id == "Environments/Env/App"
    assert prepared.application.properties["version"] == "Applications/App/2.0"
    assert prepared.application.properties["orchestrator"] == ["parallel-by-container"]
    # existing mappings only (the removed deployable's is gone); auto-mapping adds the new ones
    assert sorted(by_id(prepared)) == ["Infrastructure/host/web", "Infrastructure/ssh/conf"]
    web = by_id(prepared)["Infrastructure/host/web"]
    assert web.deployable == "Applications/App/2.0/web"
    assert web.properties["port"] == 8080                  # resolved again
    assert web.properties["note"] == "set by hand"          # not on the deployable: the previous value
    assert web.properties["path"] == "/custom"
    conf = by_id(prepared)["Infrastructure/ssh/conf"]
    assert conf.properties["placeholders"] == {"DB": "new", "GONE": "last known"}
    full = spec.auto_deployeds(prepared, w.snap, w.types)
    assert sorted(by_id(full)) == ["Infrastructure/host/added", "Infrastructure/host/web",
                                   "Infrastructure/new-host/added", "Infrastructure/new-host/web",
                                   "Infrastructure/ssh/conf"]
    assert by_id(full)["Infrastructure/host/web"].properties["note"] == "set by hand"


def test_auto_deployeds_keeps_what_the_user_changed_and_drops_stale_deployeds():
    w = World()
    web = w.deployable("web", port="1")
    w.container("host")
    deployment = w.initial()
    deployment.deployeds[0].properties["note"] = "mine"
    stale = deployed("Infrastructure/host/gone", "test.Deployed", "Applications/App/1.0/gone", port=1)
    deployment.deployeds.append(stale)
    again = spec.auto_deployeds(deployment, w.snap, w.types)
    assert [(d.deployable, d.properties.get("note")) for d in again.deployeds] == [(web, "mine")]


def test_generate_selected_and_all():
    w = World()
    a = w.deployable("a", port="1")
    w.deployable("b", port="2")
    w.container("h1")
    w.container("h2")
    initial = spec.prepare_initial(w.snap, w.types)
    selected = spec.generate_selected(initial, w.snap, w.types, [a])
    assert sorted(by_id(selected)) == ["Infrastructure/h1/a", "Infrastructure/h2/a"]
    with pytest.raises(BadRequest, match="not part of"):
        spec.generate_selected(initial, w.snap, w.types, ["Applications/Other/1.0/x"])
    selected.deployeds[0].properties["note"] = "changed"
    everything = spec.generate_all(selected, w.snap, w.types)
    assert len(everything.deployeds) == 4 and all("note" not in d.properties for d in everything.deployeds)


def test_validation_of_deployeds_sent_by_a_client():
    w = World()
    web = w.deployable("web", port="1")
    w.container("host")
    deployment = spec.prepare_initial(w.snap, w.types)
    deployment.deployeds = [
        deployed("Infrastructure/host/web", "test.Deployed", web, port="many"),
        deployed("Infrastructure/elsewhere/web", "test.Deployed", web, port=1),
        deployed("Infrastructure/host/other", "test.Deployed", "Applications/App/1.0/other", port=1),
        deployed("Infrastructure/host/cmd", "cmd.DeployedCommand", web, commandLine="x"),
    ]
    spec.validate(deployment, w.snap, w.types)
    found = {(m.ci, m.property): m.message for m in deployment.errors()}
    assert found[("Infrastructure/host/web", "port")] == "Property 'port' must be an integer, not 'many'."
    assert "not a member of Environments/Env" in found[("Infrastructure/elsewhere/web", "container")]
    assert "does not exist" in found[("Infrastructure/host/other", "deployable")]
    assert "cannot be made from" in found[("Infrastructure/host/cmd", "deployable")]


def test_deployeds_are_never_shared():
    """A deployed id another deployed application owns is refused; the owner's own upgrade is not."""
    w = World()
    w.deployable("web", port="1")
    w.container("host")
    w.snap.owners = {"Infrastructure/host/web": ["Environments/Other/Shop"]}
    initial = w.initial()
    [error] = initial.errors()
    assert (error.ci, error.property, error.message) == (
        "Infrastructure/host/web", None,
        "Deployed Infrastructure/host/web already belongs to deployed application Environments/Other/Shop; "
        "rename the deployable or deploy to another container.")
    w.snap.owners = {"Infrastructure/host/web": ["Environments/Env/App"]}
    assert w.initial().errors() == []


def test_two_deployables_mapped_to_one_deployed_id_are_refused():
    w = World()
    first = w.deployable("web", port="1")
    w.container("host")
    deployment = spec.prepare_initial(w.snap, w.types)
    deployment.deployeds = [deployed("Infrastructure/host/web", "test.Deployed", first, port=1),
                            deployed("Infrastructure/host/web", "test.Deployed", "Applications/App/1.0/web2", port=1)]
    w.snap.deployables.append("Applications/App/1.0/web2")
    spec.validate(deployment, w.snap, w.types)
    assert [m.message for m in deployment.errors() if m.property is None] == [
        f"Deployed Infrastructure/host/web is also mapped from {first} in this deployment; rename the deployable "
        f"or deploy to another container."]
