"""What the REST API reveals to, and lets through for, a user with limited permissions: references and
package imports answer for a hidden CI as for a missing one, guesses of secrets are audited and limited,
and export/import tasks check their owner's permissions again when they run."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.integration.helpers import unique
from tests.integration.security_helpers import assign, create_user, dar, grant, ok, revoke, user
from tests.integration.tasks_helpers import run, steps_of
from tests.support.server import InProcessServer

GUESSES = 5  # secrets.matches.per.minute of this module's server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = InProcessServer(tmp_path_factory.mktemp("home") / "server",
                           conf={"secrets.matches.per.minute": str(GUESSES)}).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def api(server):
    return Api(server)


def member_of(api, team: str) -> str:
    name = unique("u")
    create_user(api, name)
    assign(api, team, name)
    grant(api, "login", team)
    return name


def editor(api, server, *roots: str) -> tuple[str, Api]:
    """A user with read and repo#edit on the given CIs, and the team they are in."""
    team = unique("team")
    name = member_of(api, team)
    for root in roots:
        grant(api, "read", team, root)
        grant(api, "repo#edit", team, root)
    return team, user(server, name)


def hidden_dir(api, root: str) -> str:
    """A directory with permissions of its own that grant nobody anything."""
    folder = f"{root}/{unique('hidden')}"
    ok(api.post(f"/repository/ci/{folder}", json={"id": folder, "type": "core.Directory"}))
    other = unique("nobody")
    assign(api, other)
    grant(api, "read", other, folder)
    return folder


# -- 1. references to CIs the caller may not read ---------------------------------------------------
def env_with(ci_id: str, *dictionaries: str) -> dict:
    return {"id": ci_id, "type": "udm.Environment", "dictionaries": list(dictionaries)}


def test_a_reference_to_a_hidden_ci_is_answered_as_one_to_a_missing_ci(server, api):
    _, as_editor = editor(api, server, "Environments")
    hidden = hidden_dir(api, "Environments")
    secret_dict, secret_env = f"{hidden}/dict", f"{hidden}/env"
    ok(api.post(f"/repository/ci/{secret_dict}", json={"id": secret_dict, "type": "udm.Dictionary"}))
    ok(api.post(f"/repository/ci/{secret_env}", json=env_with(secret_env)))
    missing = f"{hidden}/missing"
    env = f"Environments/{unique('env')}"

    def answers(target: str) -> list[tuple[int, str]]:
        """The answers to a create, a batch create and an XML create referring to target, and to an update."""
        body = env_with(env, target)
        xml = (f'<udm.Environment id="{env}"><dictionaries><ci ref="{target}"/></dictionaries>'
               f'</udm.Environment>')
        replies = [as_editor.post(f"/repository/ci/{env}", json=body),
                   as_editor.post("/repository/cis", json=[body]),
                   as_editor.post(f"/repository/ci/{env}", data=xml, headers={"Content-Type": "application/xml"}),
                   as_editor.put("/repository/cis", json=[dict(body, id=f"{env}-kept")]),
                   as_editor.put(f"/repository/ci/{env}-kept", json=dict(body, id=f"{env}-kept"))]
        return [(r.status_code, r.json()["message"].replace(target, "TARGET")) for r in replies]

    ok(as_editor.post(f"/repository/ci/{env}-kept", json=env_with(f"{env}-kept")))
    expected = answers(missing)
    assert {status for status, _ in expected} == {400}
    assert answers(secret_dict) == expected  # exists, but hidden
    assert answers(secret_env) == expected   # hidden, and of the wrong type
    # A parent the caller may not read: the same answer whether it is there or not.
    there, missing_parent = f"{hidden}/sub", f"{hidden}/nosub"
    ok(api.post(f"/repository/ci/{there}", json={"id": there, "type": "core.Directory"}))
    under = [as_editor.post(f"/repository/ci/{p}/x", json={"id": f"{p}/x", "type": "udm.Dictionary"})
             for p in (there, missing_parent)]
    assert [(r.status_code, r.json()["message"].replace(p, "PARENT")) for r, p in zip(under, (there, missing_parent))] \
        == [(403, f"User {as_editor.session.auth[0]} does not have permission repo#edit on PARENT/x.")] * 2
    # Admins see what is there, as before.
    refused = api.post(f"/repository/ci/{env}", json=env_with(env, secret_env))
    assert refused.status_code == 400 and "of type udm.Environment" in refused.json()["message"]
    ok(api.post(f"/repository/ci/{env}", json=env_with(env, secret_dict)))


def test_a_hidden_reference_already_there_stays_when_the_ci_is_updated(server, api):
    _, as_editor = editor(api, server, "Environments")
    hidden = hidden_dir(api, "Environments")
    secret_dict = f"{hidden}/dict"
    ok(api.post(f"/repository/ci/{secret_dict}", json={"id": secret_dict, "type": "udm.Dictionary"}))
    env = f"Environments/{unique('env')}"
    ok(api.post(f"/repository/ci/{env}", json=env_with(env, secret_dict)))
    current = ok(as_editor.get(f"/repository/ci/{env}")).json()
    ok(as_editor.put(f"/repository/ci/{env}", json=dict(current, dictionaries=current["dictionaries"])))


# -- 2. package import ----------------------------------------------------------------------------
def upload(as_user: Api, app: str, version: str = "1.0"):
    return as_user.post(f"/package/upload/{app}-{version}.dar", files={"fileData": ("p.dar", dar(app, version))},
                        headers={"Content-Type": None})


def test_an_import_does_not_name_a_hidden_application_of_the_same_name(server, api):
    team = unique("team")
    as_importer = user(server, member_of(api, team))
    mine = f"Applications/{unique('mine')}"
    ok(api.post(f"/repository/ci/{mine}", json={"id": mine, "type": "core.Directory"}))
    grant(api, "read", team, "Applications")
    for permission in ("read", "import#initial", "import#upgrade"):
        grant(api, permission, team, mine)
    hidden = hidden_dir(api, "Applications")
    app = unique("App")
    ok(api.post(f"/repository/ci/{hidden}/{app}", json={"id": f"{hidden}/{app}", "type": "udm.Application"}))

    refused = upload(as_importer, f"{mine.split('/', 1)[1]}/{app}")
    assert refused.status_code == 409
    assert hidden not in refused.text and refused.json()["message"] == \
        f"Cannot import {mine}/{app}/1.0: an application named {app} already exists elsewhere in the repository."
    # Who may read it is told where it is, as before.
    grant(api, "read", team, hidden)
    told = upload(as_importer, f"{mine.split('/', 1)[1]}/{app}")
    assert told.status_code == 409 and f"already exists as {hidden}/{app}" in told.json()["message"]


def test_an_import_refusal_does_not_tell_whether_a_hidden_application_has_versions(server, api):
    team = unique("team")
    as_importer = user(server, member_of(api, team))
    grant(api, "import#initial", team, "Applications")
    grant(api, "read", team, "Applications")
    hidden = hidden_dir(api, "Applications")
    app = unique("App")
    ok(upload(Api(server), f"{hidden.split('/', 1)[1]}/{app}"))  # the admin imports a first version
    with_versions = upload(as_importer, f"{hidden.split('/', 1)[1]}/{app}", "2.0")
    without = upload(as_importer, f"{hidden.split('/', 1)[1]}/{unique('App')}", "2.0")
    assert with_versions.status_code == without.status_code == 403
    assert "import#initial on" in with_versions.json()["message"]
    assert with_versions.json()["message"].split(" on ")[0] == without.json()["message"].split(" on ")[0]


# -- 3. guessing secrets ----------------------------------------------------------------------------
def test_secret_checks_are_audited_and_limited_per_user(server, api):
    _, as_editor = editor(api, server, "Infrastructure")
    host = f"Infrastructure/{unique('host')}"
    guess = "Guessed-Value-77"
    ok(api.post(f"/repository/ci/{host}", json={"id": host, "type": "overthere.SshHost", "os": "UNIX",
                                                  "address": "a", "username": "u", "password": "pw"}))
    check = {"id": host, "property": "password", "value": guess}
    assert ok(as_editor.post("/repository/secrets/matches", json=[check, dict(check, value="pw")])).json() == \
        [False, True]
    assert ok(as_editor.post("/repository/secrets/matches", json=[check] * (GUESSES - 2))).json() == \
        [False] * (GUESSES - 2)
    refused = as_editor.post("/repository/secrets/matches", json=[check])
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["message"] == (f"Too many secret checks: at most {GUESSES} a minute per user "
                                         f"(secrets.matches.per.minute); try again in a minute.")
    ok(api.post("/repository/secrets/matches", json=[check]))  # every user has a budget of their own
    entries = ok(api.get("/security/audit", params={"resultsPerPage": 1000})).json()
    mine = [e for e in entries if e["action"] == "POST /repository/secrets/matches" and host in (e["target"] or "")]
    assert [e["status"] for e in mine] == [200, 200, 429, 200]
    assert guess not in api.get("/security/audit", params={"resultsPerPage": 1000}).text
    assert guess not in (server.home / "log" / "audit.log").read_text()


def test_a_batch_larger_than_the_limit_is_refused_whole(server, api):
    _, as_editor = editor(api, server, "Infrastructure")
    host = f"Infrastructure/{unique('host')}"
    ok(api.post(f"/repository/ci/{host}", json={"id": host, "type": "overthere.SshHost", "os": "UNIX",
                                                  "address": "a", "username": "u", "password": "pw"}))
    check = {"id": host, "property": "password", "value": "x"}
    assert as_editor.post("/repository/secrets/matches", json=[check] * (GUESSES + 1)).status_code == 429
    assert ok(as_editor.post("/repository/secrets/matches", json=[check] * GUESSES)).json() == [False] * GUESSES


# -- 4. export and import tasks check their owner when they run ---------------------------------------
def failed_step(api, task_id: str) -> dict:
    done = run(api, task_id)
    assert done["state"] == "FAILED", done["state"]
    [step] = steps_of(done["block"])
    assert step["state"] == "FAILED"
    return step


def test_an_export_task_fails_when_its_owner_lost_read_before_it_ran(server, api):
    team, as_editor = editor(api, server, "Configuration")
    folder = f"Configuration/{unique('exp')}"
    ok(api.post(f"/repository/ci/{folder}", json={"id": folder, "type": "core.Directory"}))
    created = ok(as_editor.post(f"/repository/export/{folder}")).json()
    revoke(api, "read", team, "Configuration")
    revoke(api, "repo#edit", team, "Configuration")
    step = failed_step(as_editor, created["string"])  # its owner starts it
    assert step["log"].strip().splitlines()[-1] == \
        f"User {as_editor.session.auth[0]} does not have permission read on {folder}."
    assert not (server.home / "export" / created["file"]).exists()


def test_an_import_task_fails_when_its_owner_lost_repo_edit_before_it_ran(server, api):
    team, as_editor = editor(api, server, "Configuration")
    folder = f"Configuration/{unique('imp')}"
    ok(api.post(f"/repository/ci/{folder}", json={"id": folder, "type": "core.Directory"}))
    exported = ok(api.post(f"/repository/export/{folder}")).json()
    assert run(api, exported["string"])["state"] == "EXECUTED"
    ok(api.post(f"/repository/ci/{folder}/added", json={"id": f"{folder}/added", "type": "core.Directory"}))
    created = ok(as_editor.post("/repository/import", params={"archive": exported["file"]})).json()
    revoke(api, "repo#edit", team, "Configuration")
    step = failed_step(as_editor, created["string"])
    assert step["log"].strip().splitlines()[-1] == \
        f"User {as_editor.session.auth[0]} does not have permission repo#edit on {folder}."
    assert api.get(f"/repository/exists/{folder}/added").json()["boolean"] is True  # nothing imported

