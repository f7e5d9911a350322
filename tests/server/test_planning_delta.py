"""Delta analysis: CREATE, MODIFY, DESTROY and NOOP against the previous deployed application."""

from server.planning import specification as spec
from server.planning.delta import analyse, changes
from server.planning.model import Ci, Deployed
from tests.server.planning_helpers import World, deployed


def operations(deltas):
    return [(d.operation, d.id) for d in deltas]


def upgrade_world():
    w = World()
    w.container("host")
    w.container("ssh", "overthere.SshHost", address="h", username="u")
    w.snap.add(Ci("Applications/App/0.9/same.txt", "file.File", {"checksum": "aaa"}))
    w.snap.add(Ci("Applications/App/0.9/changed.txt", "file.File", {"checksum": "bbb"}))
    w.version("2.0")
    w.deployable("same", port="1")
    w.deployable("changed", port="2")
    w.deployable("new", port="3")
    w.deployable("same.txt", "file.File", targetPath="/t", checksum="aaa")
    w.deployable("changed.txt", "file.File", targetPath="/t", checksum="ccc")
    previous = [
        deployed("Infrastructure/host/same", "test.Deployed", "Applications/App/0.9/same", port=1),
        deployed("Infrastructure/host/changed", "test.Deployed", "Applications/App/0.9/changed", port=1),
        deployed("Infrastructure/host/removed", "test.Deployed", "Applications/App/0.9/removed", port=1),
        deployed("Infrastructure/ssh/same.txt", "file.DeployedFile", "Applications/App/0.9/same.txt", targetPath="/t",
                 placeholders={}),
        deployed("Infrastructure/ssh/changed.txt", "file.DeployedFile", "Applications/App/0.9/changed.txt",
                 targetPath="/t", placeholders={}),
    ]
    w.deployed_previously(previous)
    return w


def test_initial_deployment_creates_everything():
    w = World()
    w.deployable("a", port="1")
    w.container("h1")
    w.container("h2")
    assert operations(analyse(w.initial(), w.snap, w.types)) == [
        ("CREATE", "Infrastructure/h1/a"), ("CREATE", "Infrastructure/h2/a")]


def test_upgrade_touches_only_what_changed():
    w = upgrade_world()
    deltas = analyse(w.update(), w.snap, w.types)
    assert sorted(operations(deltas)) == sorted([
        ("NOOP", "Infrastructure/host/same"),
        ("MODIFY", "Infrastructure/host/changed"),      # a property changed
        ("CREATE", "Infrastructure/host/new"),
        ("NOOP", "Infrastructure/ssh/same.txt"),        # same checksum, other version: nothing to do
        ("MODIFY", "Infrastructure/ssh/changed.txt"),   # same properties, new content
        ("DESTROY", "Infrastructure/host/removed"),
    ])
    assert [d.index for d in deltas] == list(range(len(deltas)))
    assert deltas[-1].operation == "DESTROY"


def test_changes_name_properties_and_checksums():
    w = upgrade_world()
    deltas = {d.id: d for d in analyse(w.update(), w.snap, w.types)}
    web = deltas["Infrastructure/host/changed"]
    assert changes(web.deployed, web.previous, w.snap, w.types) == [{"property": "port", "previous": 1, "new": 2}]
    txt = deltas["Infrastructure/ssh/changed.txt"]
    assert changes(txt.deployed, txt.previous, w.snap, w.types) == [
        {"property": "checksum", "previous": "bbb", "new": "ccc"}]


def test_a_changed_deployed_type_is_destroy_then_create():
    w = World()
    web = w.deployable("web", port="1")
    w.container("host")
    w.deployed_previously([deployed("Infrastructure/host/web", "test.SpecialDeployed", web, port=1)])
    deployment = spec.prepare_update(w.snap, w.types)
    deltas = analyse(deployment, w.snap, w.types)
    assert [(d.operation, d.id, (d.deployed or d.previous).type) for d in deltas] == [
        ("DESTROY", "Infrastructure/host/web", "test.SpecialDeployed"),
        ("CREATE", "Infrastructure/host/web", "test.Deployed")]


def test_embedded_changes_modify_the_parent():
    w = World()
    web = w.deployable("web", port="1")
    w.embedded(web, "http", port="81")
    w.container("host")
    old = deployed("Infrastructure/host/web", "test.Deployed", web, port=1)
    old.embedded = [Deployed("Infrastructure/host/web/http", "test.Binding", f"{web}/http", old.id, {"port": 80},
                             collection="bindings")]
    w.deployed_previously([old])
    [delta] = analyse(w.update(), w.snap, w.types)
    assert delta.operation == "MODIFY"
    assert changes(delta.deployed, delta.previous, w.snap, w.types) == [
        {"property": "Infrastructure/host/web/http.port", "previous": 80, "new": 81}]


def test_changed_dictionary_values_and_passwords():
    w = World()
    web = w.deployable("web", port="1", secret="{{PW}}")
    w.container("host")
    w.dictionary("vault", {"PW": "new"}, secret=["PW"])
    w.deployed_previously([deployed("Infrastructure/host/web", "test.Deployed", web, port=1, secret="old")])
    [delta] = analyse(w.update(), w.snap, w.types)
    assert delta.operation == "MODIFY"
    assert changes(delta.deployed, delta.previous, w.snap, w.types) == [
        {"property": "secret", "previous": "********", "new": "********"}]


def test_undeploy_destroys_every_previous_deployed():
    w = World()
    w.container("host")
    old = [deployed("Infrastructure/host/a", "test.Deployed", "Applications/App/0.9/a", port=1),
           deployed("Infrastructure/host/b", "test.Deployed", "Applications/App/0.9/b", port=1)]
    w.deployed_previously(old)
    undeploy = spec.prepare_undeploy(w.snap, w.types)
    assert undeploy.deployeds == [] and undeploy.application.id == "Environments/Env/App"
    assert operations(analyse(undeploy, w.snap, w.types)) == [
        ("DESTROY", "Infrastructure/host/a"), ("DESTROY", "Infrastructure/host/b")]
