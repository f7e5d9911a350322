"""Files written for xl (by XL Deploy's generate and by people) apply unchanged through the real
`deployit-cli apply` against the real server: deployables, value tags, homes, the other kinds (Import,
Users, Roles, Permissions, Deployment), XL values, and re-applying an unchanged file changes nothing."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest

from tests.integration.security_helpers import PASSWORD, assign, create_user, grant, user


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def read(api, ci_id: str) -> dict:
    response = api.get(f"/repository/ci/{ci_id}")
    assert response.status_code == 200, response.text
    return response.json()


def exists(api, ci_id: str) -> bool:
    return api.get(f"/repository/exists/{ci_id}").json()["boolean"]


def applied(cli, *args, env=None):
    result = cli.run("apply", *args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


# -- 9, 13: a package's deployables and an application's lastVersion, as XL Deploy's generate writes them --
def test_a_package_with_deployables_and_last_version_applies_and_generates_back(cli, api):
    app = unique("PetShop")
    write(cli.cwd / "app.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Applications
        spec:
        - name: Applications/{app}
          type: udm.Application
          lastVersion: "1.1"
          children:
          - name: "1.1"
            type: udm.DeploymentPackage
            deployables:
            - name: greet
              type: cmd.Command
              commandLine: echo hello
            - name: settings
              type: file.File
              targetPath: /tmp/shop
    """)
    first = applied(cli, "-f", "app.yaml")
    assert first.splitlines()[0] == "Applied app.yaml: 4 created, 0 updated, 0 unchanged."
    assert read(api, f"Applications/{app}/1.1/greet")["commandLine"] == "echo hello"
    assert read(api, f"Applications/{app}")["lastVersion"] == "1.1"
    assert applied(cli, "-f", "app.yaml").startswith("No changes: the repository already matches app.yaml (4 CIs).")

    generated = cli.run("generate", "-p", f"Applications/{app}")
    assert generated.returncode == 0, generated.stderr
    assert "  lastVersion: '1.1'\n" in generated.stdout
    assert "    deployables:\n    - name: greet\n      type: cmd.Command\n" in generated.stdout
    assert "children:\n  - name: '1.1'\n" in generated.stdout
    write(cli.cwd / "generated.yaml", generated.stdout)
    assert applied(cli, "-f", "generated.yaml").startswith("No changes")


# -- 10, 11: value tags, ~ references and home folders ----------------------------------------------------
def test_value_tags_homes_and_tilde_references(cli, api):
    team = unique("team")
    for root in ("Infrastructure", "Environments"):
        assert api.post(f"/repository/ci/{root}/{team}", json={"type": "core.Directory"}).ok
    write(cli.cwd / "landscape.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Infrastructure
        metadata:
          Infrastructure-home: Infrastructure/{team}
        spec:
        - name: !format "%STAGE%-web"
          type: overthere.SshHost
          address: !value WEB_HOST
          username: deploy
          temporaryDirectoryPath: !format "/var/tmp/%STAGE%/100%%"
        ---
        apiVersion: xl-deploy/v1
        kind: Environments
        metadata:
          Environments-home: Environments/{team}
          Infrastructure-home: Infrastructure/{team}
        spec:
        - name: Test
          type: udm.Environment
          members:
          - ~Infrastructure/test-web
    """)
    values = {"XL_VALUE_STAGE": "test", "XL_VALUE_WEB_HOST": "web.test.example.com"}
    out = applied(cli, "-f", "landscape.yaml", env=values)
    assert f"  CREATE  Infrastructure/{team}/test-web (overthere.SshHost)" in out
    host = read(api, f"Infrastructure/{team}/test-web")
    assert (host["address"], host["temporaryDirectoryPath"]) == ("web.test.example.com", "/var/tmp/test/100%")
    assert read(api, f"Environments/{team}/Test")["members"] == [f"Infrastructure/{team}/test-web"]
    assert not exists(api, "Infrastructure/test-web") and not exists(api, "Environments/Test")
    assert applied(cli, "-f", "landscape.yaml", env=values).startswith("No changes")


@pytest.mark.parametrize("line, message", [
    ("address: !value NOPE", "tags.yaml, line 6: !value NOPE has no value; give it with --values NOPE=..., "
                             "XL_VALUE_NOPE or NOPE=... in a .xlvals file."),
    ('address: !format "%HOST%.example.com"', 'tags.yaml, line 6: !format "%HOST%.example.com" uses %HOST%, which '
                                             'has no value; give it with --values HOST=..., XL_VALUE_HOST or '
                                             'HOST=... in a .xlvals file.'),
    ('address: !format "50%"', 'tags.yaml, line 6: !format "50%" has a % without its closing %; write %% for a '
                               'percent sign.'),
    ("address: !include other.yaml", "tags.yaml, line 6: the tag !include is not supported; the tags are !value, "
                                     "!format, !secret, !file."),
])
def test_a_tag_that_cannot_be_resolved_is_one_sentence(cli, api, line, message):
    name = unique("tagged")
    write(cli.cwd / "tags.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Infrastructure
        spec:
        - name: {name}
          type: overthere.SshHost
          {line}
          username: deploy
    """)
    result = cli.run("apply", "-f", "tags.yaml")
    assert (result.returncode, result.stderr.strip()) == (1, message)
    assert not exists(api, f"Infrastructure/{name}")


# -- 14: XL values from the command line, ~/.xebialabs, the environment and .xlvals next to the file ----
def test_values_come_from_where_xl_takes_them_the_later_winning(cli, api):
    name = unique("valued")
    write(cli.cwd / "conf" / "host.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Infrastructure
        spec:
        - name: {name}
          type: overthere.SshHost
          address: !value ADDRESS
          username: !value USER
          temporaryDirectoryPath: !value TMP
          stagingDirectoryPath: !value STAGING
    """)
    write(cli.home / ".xebialabs" / "defaults.xlvals", "ADDRESS=home\nUSER=home\nTMP=home\nSTAGING=/from/home\n")
    write(cli.cwd / "conf" / "project.xlvals", "ADDRESS=project\nUSER=project\nTMP=/from/project\n")
    applied(cli, "-f", "conf/host.yaml", "--values", "ADDRESS=given.example.com", env={"XL_VALUE_USER": "env"})
    host = read(api, f"Infrastructure/{name}")
    assert (host["address"], host["username"], host["temporaryDirectoryPath"], host["stagingDirectoryPath"]) == \
           ("given.example.com", "env", "/from/project", "/from/home")
    bad = cli.run("apply", "-f", "conf/host.yaml", "--values", "ADDRESS")
    assert bad.returncode == 2 and bad.stderr.startswith('--values takes NAME=value pairs separated by commas')


# -- 15: re-applying an unchanged file says No changes -----------------------------------------------------
def test_secrets_in_clear_and_nested_clients_are_no_change_the_second_time(cli, api):
    name = unique("db")
    write(cli.cwd / "db.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Infrastructure
        spec:
        - name: {name}
          type: overthere.SshHost
          address: db.example.com
          username: deploy
          password: s3cret-host-pw
          children:
          - name: mysql
            type: sql.MySqlClient
            mySqlHome: /opt/mysql
            username: app
            password: !value DB_TOKEN
        ---
        apiVersion: xl-deploy/v1
        kind: Environments
        spec:
        - name: {name}-settings
          type: udm.Dictionary
          entries:
            db.port: "3306"
          encryptedEntries:
            db.password: very-secret
    """)
    values = {"XL_VALUE_DB_TOKEN": "t0ken"}
    first = applied(cli, "-f", "db.yaml", env=values)
    assert first.splitlines()[0] == "Applied db.yaml: 3 created, 0 updated, 0 unchanged."
    assert "s3cret" not in first and "t0ken" not in first and "very-secret" not in first
    assert read(api, f"Infrastructure/{name}/mysql")["mySqlHome"] == "/opt/mysql"
    again = applied(cli, "-f", "db.yaml", env=values)
    assert again.strip() == "No changes: the repository already matches db.yaml (3 CIs)."
    # A changed secret is still seen as a change, and written.
    changed = applied(cli, "-f", "db.yaml", env={"XL_VALUE_DB_TOKEN": "rotated"})
    assert changed.splitlines()[1:] == [f"  UPDATE  Infrastructure/{name}/mysql (sql.MySqlClient)",
                                        "            password: ******** -> ******** (new value)"]
    assert applied(cli, "-f", "db.yaml", env={"XL_VALUE_DB_TOKEN": "rotated"}).startswith("No changes")


def test_the_server_answers_whether_a_secret_matches_and_never_the_secret(api):
    host = f"Infrastructure/{unique('ssh')}"
    assert api.post(f"/repository/ci/{host}", json={"type": "overthere.SshHost", "address": "a", "username": "u",
                                                    "password": "pw-1"}).ok
    answer = api.post("/repository/secrets/matches", json=[{"id": host, "property": "password", "value": "pw-1"},
                                                           {"id": host, "property": "password", "value": "pw-2"}])
    assert answer.status_code == 200 and answer.json() == [True, False]
    bad = api.post("/repository/secrets/matches", json=[{"id": host, "property": "address", "value": "a"}])
    assert bad.status_code == 400
    assert bad.json()["message"] == (f"Secret check 1: overthere.SshHost {host} has no password property "
                                     f"'address'.")


def test_secrets_the_server_will_not_compare_now_are_set_again(cli, api):
    """The server limits how many secrets a user checks a minute (secrets.matches.per.minute, 30 here):
    past it, apply still works and sets the file's secrets again."""
    name, host = unique("limited"), f"Infrastructure/{unique('ssh')}"
    create_user(api, name)
    assign(api, name, name)
    for permission, ci_id in (("login", ""), ("read", "Infrastructure"), ("repo#edit", "Infrastructure")):
        grant(api, permission, name, ci_id)
    assert api.post(f"/repository/ci/{host}", json={"type": "overthere.SshHost", "os": "UNIX", "address": "a",
                                                    "username": "u", "password": "pw"}).ok
    write(cli.cwd / "host.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Infrastructure
        spec:
        - name: {host}
          type: overthere.SshHost
          os: UNIX
          address: a
          username: u
          password: pw
    """)
    check = {"id": host, "property": "password", "value": "guess"}
    assert user(api.server, name).post("/repository/secrets/matches", json=[check] * 30).status_code == 200
    result = cli.run(*cli.connection_args(name, PASSWORD), "apply", "-f", "host.yaml", login=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        f"  UPDATE  {host} (overthere.SshHost)",
        "            password: ******** -> ******** (new value)",
        "Note: the server did not compare the file's 1 stored secrets (Too many secret checks: at most 30 a minute "
        "per user (secrets.matches.per.minute); try again in a minute), so they are set again."]
    assert api.post("/repository/secrets/matches", json=[dict(check, value="pw")]).json() == [True]


# -- 16: unknown types ---------------------------------------------------------------------------------
@pytest.mark.parametrize("ci_type, end", [
    ("axis2.Deployer", ": no type of the server starts with axis2., so the axis2 plugin is not installed there."),
    ("overthere.SshHots", "; did you mean overthere.SshHost?"),
])
def test_an_unknown_type_says_whether_its_plugin_is_missing(cli, ci_type, end):
    name = unique("typed")
    write(cli.cwd / "types.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Infrastructure
        spec:
        - name: {name}
          type: {ci_type}
    """)
    result = cli.run("apply", "-f", "types.yaml")
    assert result.returncode == 1
    assert result.stderr.strip() == f"types.yaml, line 4: CI Infrastructure/{name} has the unknown type {ci_type}{end}"
    assert "factory.types()" not in result.stderr


# -- 12: Import, Users, Roles, Permissions, Deployment; XL Release documents are skipped --------------------
def test_an_import_file_applies_its_files_in_order_with_users_roles_permissions_and_a_deployment(cli, api):
    tag = unique("shop")
    user = f"{tag}-dev"
    write(cli.cwd / "xebialabs.yaml", """
        apiVersion: xl/v1
        kind: Import
        metadata:
          imports:
          - xebialabs/infrastructure.yaml
          - xebialabs/application.yaml
          - xebialabs/security.yaml
          - xebialabs/deploy.yaml
    """)
    write(cli.cwd / "xebialabs" / "infrastructure.yaml", f"""
        apiVersion: xl-deploy/v1beta1
        kind: Infrastructure
        spec:
        - directory: {tag}
          children:
          - name: local
            type: overthere.LocalHost
            os: UNIX
        ---
        apiVersion: xl-deploy/v1
        kind: Environments
        spec:
        - directory: {tag}
          children:
          - name: Dev
            type: udm.Environment
            members: [Infrastructure/{tag}/local]
    """)
    write(cli.cwd / "xebialabs" / "application.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Applications
        spec:
        - name: {tag}
          type: udm.Application
          children:
          - name: "1.0"
            type: udm.DeploymentPackage
            deployables:
            - name: hello
              type: cmd.Command
              commandLine: echo hello from {tag}
        ---
        apiVersion: xl-release/v1
        kind: Templates
        spec:
        - name: Release {tag}
          type: xlrelease.Release
    """)
    write(cli.cwd / "xebialabs" / "security.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Users
        spec:
        - username: {user}
          password: !value DEV_PASSWORD
        ---
        apiVersion: xl-deploy/v1
        kind: Roles
        spec:
        - name: {tag}-developers
          principals:
          - {user}
        ---
        apiVersion: xl-deploy/v1
        kind: Permissions
        spec:
        - global:
          - role: {tag}-developers
            permissions:
            - login
            - report#view
        - directory: Environments
          roles:
          - role: {tag}-developers
            permissions: [read]
        - directory: Environments/{tag}
          roles:
          - role: {tag}-developers
            permissions: [read, deploy#initial]
    """)
    write(cli.cwd / "xebialabs" / "deploy.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Deployment
        spec:
          package: Applications/{tag}/1.0
          environment: Environments/{tag}/Dev
          onSuccessPolicy: ARCHIVE
    """)
    values = {"XL_VALUE_DEV_PASSWORD": "Dev-pw-1"}
    dry = applied(cli, "-f", "xebialabs.yaml", "--dry-run", env=values)
    assert dry.splitlines()[0] == ("Dry run of xebialabs.yaml: 9 to create, 3 to update, 1 to deploy, 0 unchanged; "
                                   "nothing was written.")
    assert not exists(api, f"Applications/{tag}")

    out = applied(cli, "-f", "xebialabs.yaml", env=values)
    lines = out.splitlines()
    assert lines[0] == "Applied xebialabs.yaml: 9 created, 3 updated, 1 deployed, 0 unchanged."
    assert f"  CREATE  user {user}" in lines and f"  CREATE  role {tag}-developers" in lines
    assert f"  UPDATE  permissions of role {tag}-developers (on Environments/{tag})" in lines
    assert f"  DEPLOY  Applications/{tag}/1.0 to Environments/{tag}/Dev" in lines
    assert any(line.strip().endswith("EXECUTED and archived") for line in lines)
    assert lines[-1] == ("Note: xebialabs/application.yaml, line 14: skipped the Templates document for XL Release "
                         "(xl-release/v1); apply it to XL Release.")
    assert "Dev-pw-1" not in out
    assert read(api, f"Environments/{tag}/Dev/{tag}")["version"] == f"Applications/{tag}/1.0"
    granted = api.get(f"/security/granted-permissions/{tag}-developers").json()
    assert sorted(granted["global"]) == ["login", "report#view"]
    assert sorted(granted["cis"][f"Environments/{tag}"]) == ["deploy#initial", "read"]
    as_user = api.server.session(user, "Dev-pw-1").get(api.server.url + f"/repository/ci/Environments/{tag}/Dev")
    assert as_user.status_code == 200, as_user.text

    again = applied(cli, "-f", "xebialabs.yaml", env=values)
    assert again.splitlines()[0] == ("No changes: the repository already matches xebialabs.yaml (7 CIs, 1 user, "
                                     "1 role, 3 permission sets, 1 deployment).")
