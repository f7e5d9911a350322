"""The permission rules on plain data: admins, global grants, settings on nested directories replacing the
inherited ones, read on every node on the way, the grant checks, /metadata/permissions, and masking."""

import pytest

from server.errors import BadRequest
from server.security import permissions
from server.security.service import Checker
from server.security.store import GLOBAL, Snapshot
from server.repository import values
from server.store.secrets import MASK
from server.types import load_registry


def snapshot(grants: dict, roles_of: dict, admins=()) -> Checker:
    return Checker(Snapshot(users=frozenset(roles_of) | frozenset(admins), admins=frozenset(admins),
                            principals={}, roles_of={u: frozenset(r) for u, r in roles_of.items()},
                            grants={ci: {role: frozenset(p) for role, p in by_role.items()}
                                    for ci, by_role in grants.items()}))


def test_admins_have_everything_and_login_alone_sees_nothing():
    checker = snapshot({GLOBAL: {"users": {"login"}, "bosses": {"admin"}}},
                       {"alice": {"users"}, "boss": {"users", "bosses"}}, admins={"admin"})
    assert checker.has("admin", "deploy#initial", "Environments/PROD") and checker.has("admin", "security#edit")
    assert checker.has("boss", "repo#edit", "Infrastructure/x") and checker.is_admin("boss")
    assert checker.has("alice", "login")
    assert not checker.has("alice", "read", "Environments") and not checker.has("alice", "read", "Environments/x")
    assert not checker.has("nobody", "login") and not checker.has("", "login")


def test_a_global_grant_of_a_local_permission_holds_everywhere():
    checker = snapshot({GLOBAL: {"ops": {"login", "read", "deploy#initial"}}}, {"olga": {"ops"}})
    assert checker.has("olga", "deploy#initial", "Environments/deep/down/PROD")
    assert checker.has("olga", "read", "Applications/App/1.0")
    assert not checker.has("olga", "repo#edit", "Infrastructure/h")
    assert not checker.has("olga", "report#view")


def test_settings_on_a_directory_replace_the_inherited_ones():
    grants = {
        "Environments": {"dev": {"read", "repo#edit", "deploy#initial"}},
        "Environments/Prod": {"dev": {"read"}, "ops": {"read", "deploy#initial"}},
        "Environments/Prod/Eu": {"dev": {"read", "deploy#upgrade"}, "ops": {"read"}},
    }
    checker = snapshot(grants, {"dan": {"dev"}, "otto": {"ops"}})
    # inherited from the root
    assert checker.has("dan", "deploy#initial", "Environments/Test/App")
    assert checker.has("dan", "repo#edit", "Environments/Test")
    # Prod's own settings replace the root's: no more repo#edit or deploy#initial for dev there
    assert checker.has("dan", "read", "Environments/Prod/Env1")
    assert not checker.has("dan", "repo#edit", "Environments/Prod/Env1")
    assert not checker.has("dan", "deploy#initial", "Environments/Prod/Env1")
    # and Eu replaces Prod's
    assert checker.has("dan", "deploy#upgrade", "Environments/Prod/Eu/Env2")
    assert not checker.has("otto", "deploy#initial", "Environments/Prod/Eu/Env2")
    # otto has nothing at the root: the grants on Prod do not count without read above
    assert not checker.has("otto", "read", "Environments/Prod/Env1")
    assert not checker.has("otto", "deploy#initial", "Environments/Prod/Env1")


def test_every_node_on_the_way_must_grant_read():
    grants = {
        "Applications": {"team": {"read"}},
        "Applications/Team": {"team": {"import#initial"}},  # settings without read
        "Applications/Team/Sub": {"team": {"read", "import#initial"}},
        "Infrastructure/Hosts": {"team": {"read", "repo#edit"}},  # a root without any settings
    }
    checker = snapshot(grants, {"tia": {"team"}})
    assert checker.has("tia", "read", "Applications/Other")
    assert not checker.has("tia", "import#initial", "Applications/Team/App")
    assert not checker.has("tia", "import#initial", "Applications/Team/Sub/App")
    assert not checker.has("tia", "repo#edit", "Infrastructure/Hosts/h1")
    # a global read fulfils the condition
    grants[GLOBAL] = {"team": {"read"}}
    checker = snapshot(grants, {"tia": {"team"}})
    assert checker.has("tia", "import#initial", "Applications/Team/Sub/App")
    assert checker.has("tia", "repo#edit", "Infrastructure/Hosts/h1")


def test_read_may_come_from_another_role_of_the_same_user():
    grants = {"Environments": {"readers": {"read"}}, "Environments/Dev": {"readers": {"read"},
                                                                         "deployers": {"deploy#initial"}}}
    checker = snapshot(grants, {"rick": {"readers", "deployers"}, "dora": {"deployers"}})
    assert checker.has("rick", "deploy#initial", "Environments/Dev/App")
    assert not checker.has("dora", "deploy#initial", "Environments/Dev/App")


def test_a_grant_on_a_ci_must_be_local_on_a_root_or_directory_of_the_right_root():
    permissions.check_grant("read", "Environments/Dir", "core.Directory")
    permissions.check_grant("import#initial", "Applications", "internal.Root")
    permissions.check_grant("login", None, None)
    permissions.check_grant("deploy#initial", None, None)  # a local permission may be global
    with pytest.raises(BadRequest, match="global"):
        permissions.check_grant("login", "Environments", "internal.Root")
    with pytest.raises(BadRequest, match="root or a core.Directory"):
        permissions.check_grant("read", "Environments/Prod", "udm.Environment")
    with pytest.raises(BadRequest, match="applies under Applications"):
        permissions.check_grant("import#initial", "Environments/Dir", "core.Directory")
    assert permissions.canonical("deploy#remove") == "deploy#undeploy"
    with pytest.raises(BadRequest, match="Unknown permission 'deploy#all'"):
        permissions.canonical("deploy#all")


def test_permission_metadata():
    listed = permissions.metadata()
    assert {"level": "GLOBAL", "permissionName": "login"}.items() <= next(
        p for p in listed if p["permissionName"] == "login").items()
    deploy = [p for p in listed if p["permissionName"] == "deploy#initial"]
    assert {(p["level"], p.get("root")) for p in deploy} == {("GLOBAL", None), ("CI", "ENVIRONMENT")}
    read_ci = [p for p in listed if p["permissionName"] == "read" and p["level"] == "CI"]
    assert len(read_ci) == 1 and "root" not in read_ci[0]
    assert {p["permissionName"] for p in listed} == set(permissions.CATALOGUE)


@pytest.fixture(scope="module")
def types(tmp_path_factory):
    return load_registry(tmp_path_factory.mktemp("plugins"), {})


def test_secrets_are_masked_for_clients_and_the_mask_keeps_them(types):
    host = types.get("overthere.SshHost")
    shown = values.masked(host, values.to_json(host, {"password": "{b64}abc", "address": "h"}))
    assert shown["password"] == MASK and shown["address"] == "h" and shown["passphrase"] is None
    back = values.unmask(host, {"password": MASK, "address": "h2"}, {"password": "{b64}abc"})
    assert back == {"password": "{b64}abc", "address": "h2"}
    dictionary = types.get("udm.Dictionary")
    shown = values.masked(dictionary, values.to_json(dictionary, {"entries": {"a": "1"},
                                                                  "encryptedEntries": {"k": "{b64}x", "e": ""}}))
    assert shown["entries"] == {"a": "1"} and shown["encryptedEntries"] == {"k": MASK, "e": ""}
    back = values.unmask(dictionary, {"encryptedEntries": {"k": MASK, "new": "v"}},
                         {"encryptedEntries": {"k": "{b64}x"}})
    assert back["encryptedEntries"] == {"k": "{b64}x", "new": "v"}
    # a deployed's placeholders: the encrypted ones only
    deployed = types.get("file.DeployedFile")
    shown = values.masked(deployed, {"placeholders": {"PW": "{b64}zz", "NAME": "n"}})
    assert shown["placeholders"] == {"PW": MASK, "NAME": "n"}


def test_a_route_that_declares_no_permission_is_for_admins_only(monkeypatch):
    from starlette.routing import Route

    import server.api.app as app

    async def undeclared(request):
        return None

    monkeypatch.setattr(app, "api_routes", lambda: [Route("/new/thing", undeclared, methods=["POST"])])
    [route] = app.guarded_routes()
    assert route.path == "/new/thing" and route.methods == {"POST"}
    assert route.endpoint.__needs__ == "admin (no permission declared)"


def test_every_route_declares_what_it_needs():
    from server.api.app import api_routes
    missing = [f"{sorted(r.methods)} {r.path}" for r in api_routes() if not hasattr(r.endpoint, "__needs__")]
    assert missing == []


def test_a_refusal_names_the_node_above_that_withholds_read():
    """bob reads TestZone, but the root grants nothing: the refusal says so instead of leaving bob to guess."""
    checker = snapshot({"Environments/TestZone": {"testers": {"read"}},
                        "Infrastructure": {"testers": {"read"}},
                        "Infrastructure/Dmz": {"testers": {"repo#edit"}},
                        "Infrastructure/Dmz/Web": {"testers": {"read", "repo#edit"}}}, {"bob": {"testers"}})
    assert not checker.has("bob", "read", "Environments/TestZone/T1")
    assert checker.why_not("bob", "read", "Environments/TestZone/T1") == (
        ": Environments grants bob no read (read is needed on every node from the root down)")
    # a directory in between with settings but no read cuts off the grants below it
    assert not checker.has("bob", "repo#edit", "Infrastructure/Dmz/Web/h1")
    assert checker.why_not("bob", "repo#edit", "Infrastructure/Dmz/Web/h1") == (
        ": Infrastructure/Dmz grants bob no read (read is needed on every node from the root down)")
    # nothing granted anywhere on the path, or a global permission: the plain sentence says it all
    assert checker.why_not("bob", "read", "Applications/App") == ""
    assert checker.why_not("bob", "security#edit", None) == ""
