"""Repository as code through the real `deployit-cli apply|generate` (and the shell's repository.generateYaml /
applyYaml) against the real server: generate -> apply changes nothing, dry runs write nothing, bad files
write nothing, comments survive a generate into an edited file, secrets never appear in clear."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create(api, *cis: dict) -> None:
    response = api.post("/repository/cis", json=list(cis))
    assert response.status_code == 200, response.text


def read(api, ci_id: str) -> dict:
    response = api.get(f"/repository/ci/{ci_id}")
    assert response.status_code == 200, response.text
    return response.json()


def exists(api, ci_id: str) -> bool:
    return api.get(f"/repository/exists/{ci_id}").json()["boolean"]


def history(api, ci_id: str) -> list[str]:
    return [e["action"] for e in api.get(f"/repository/history/{ci_id}").json()]


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


@pytest.fixture
def landscape(api):
    """An infrastructure directory with a host (password, tags) and an environment directory with a
    dictionary (plain and encrypted entries) and an environment using both."""
    name = unique("dev")
    infra, envs = f"Infrastructure/{name}", f"Environments/{name}"
    create(api,
           {"id": infra, "type": "core.Directory"},
           {"id": f"{infra}/web1", "type": "overthere.SshHost", "os": "UNIX", "address": "web1.example.com",
            "username": "deploy", "password": "s3cret-pw", "connectionType": "SCP", "tags": ["web", "front"]},
           {"id": f"{infra}/local", "type": "overthere.LocalHost", "os": "UNIX"},
           {"id": envs, "type": "core.Directory"},
           {"id": f"{envs}/settings", "type": "udm.Dictionary", "entries": {"db.port": "5432", "greeting": "hi there"},
            "encryptedEntries": {"db.password": "very-secret"}},
           {"id": f"{envs}/{name}", "type": "udm.Environment", "members": [f"{infra}/web1", f"{infra}/local"],
            "dictionaries": [f"{envs}/settings"]})
    return name, infra, envs


def test_generate_then_apply_changes_nothing(cli, api, landscape):
    name, infra, envs = landscape
    out = cli.run("generate", "-p", infra, "-p", envs, "-f", "repo.yaml")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"Wrote 6 CIs under {infra}, {envs} to repo.yaml."
    text = (cli.cwd / "repo.yaml").read_text()
    assert "apiVersion: xl-deploy/v1\nkind: Infrastructure\nspec:\n" in text
    assert "apiVersion: xl-deploy/v1\nkind: Environments\nspec:\n" in text
    assert f"- directory: {infra}\n  children:\n  - name: local\n    type: overthere.LocalHost\n" \
           f"  - name: web1\n    type: overthere.SshHost\n" in text
    assert f"password: !secret {name.replace('-', '_')}_web1_password" in text
    assert f"db.password: !secret {name.replace('-', '_')}_settings_encryptedEntries_db_password" in text
    assert "s3cret" not in text and "very-secret" not in text and "********" not in text
    assert "port: 22" not in text and "os: UNIX" not in text  # defaults are left out
    assert "tags: [web, front]" in text and "connectionType: SCP" in text
    assert f"    members:\n    - {infra}/web1\n    - {infra}/local\n" in text
    assert "db.port: '5432'" in text  # a string that looks like a number stays a string
    before = read(api, f"{infra}/web1")["$token"]

    applied = cli.run("apply", "-f", "repo.yaml")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.strip() == "No changes: the repository already matches repo.yaml (6 CIs)."
    assert read(api, f"{infra}/web1")["$token"] == before
    assert read(api, f"{infra}/web1")["password"] == "********"  # the secret was kept


def test_edit_dry_run_then_apply(cli, api, landscape):
    name, infra, envs = landscape
    assert cli.run("generate", "-p", infra, "-p", envs, "-f", "repo.yaml").returncode == 0
    path = cli.cwd / "repo.yaml"
    text = path.read_text()
    text = text.replace("address: web1.example.com", "address: web1.internal")
    text = text.replace("  - name: local\n", "  - name: web2\n    type: overthere.SshHost\n    address: web2.internal\n"
                                             "    username: deploy\n    port: 2222\n  - name: local\n")
    text = text.replace(f"    - {infra}/local\n", f"    - {infra}/local\n    - {infra}/web2\n")
    path.write_text(text)

    dry = cli.run("apply", "-f", "repo.yaml", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "Dry run of repo.yaml: 1 to create, 2 to update, 4 unchanged; nothing was written.",
        f"  CREATE  {infra}/web2 (overthere.SshHost)",
        '            address: "web2.internal"',
        "            port: 2222",
        '            username: "deploy"',
        f"  UPDATE  {infra}/web1 (overthere.SshHost)",
        '            address: "web1.example.com" -> "web1.internal"',
        f"  UPDATE  {envs}/{name} (udm.Environment)",
        f'            members: ["{infra}/web1", "{infra}/local"] -> ["{infra}/web1", "{infra}/local", "{infra}/web2"]',
    ]
    assert not exists(api, f"{infra}/web2")
    assert read(api, f"{infra}/web1")["address"] == "web1.example.com"

    applied = cli.run("apply", "-f", "repo.yaml")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines()[0] == "Applied repo.yaml: 1 created, 2 updated, 4 unchanged."
    web2 = read(api, f"{infra}/web2")
    assert (web2["address"], web2["port"], web2["username"]) == ("web2.internal", 2222, "deploy")
    web1 = read(api, f"{infra}/web1")
    assert web1["address"] == "web1.internal" and web1["password"] == "********" and web1["connectionType"] == "SCP"
    assert sorted(read(api, f"{envs}/{name}")["members"]) == sorted([f"{infra}/web1", f"{infra}/local",
                                                                      f"{infra}/web2"])
    assert history(api, f"{infra}/web1") == ["CREATE", "UPDATE"]

    again = cli.run("apply", "-f", "repo.yaml")
    assert again.stdout.strip() == "No changes: the repository already matches repo.yaml (7 CIs)."
    assert history(api, f"{infra}/web1") == ["CREATE", "UPDATE"]


def test_leaving_a_property_out_resets_it_and_other_cis_are_left_alone(cli, api, landscape):
    name, infra, envs = landscape
    assert cli.run("generate", "-p", f"{infra}/web1", "-f", "web1.yaml").returncode == 0
    path = cli.cwd / "web1.yaml"
    assert f"- name: {infra}/web1\n  type: overthere.SshHost\n" in path.read_text()
    path.write_text(path.read_text().replace("  connectionType: SCP\n", ""))
    applied = cli.run("apply", "-f", "web1.yaml")
    assert applied.returncode == 0, applied.stderr
    assert f'  UPDATE  {infra}/web1 (overthere.SshHost)\n            connectionType: "SCP" -> "SFTP"' in applied.stdout
    assert read(api, f"{infra}/web1")["connectionType"] == "SFTP"
    assert exists(api, f"{infra}/local")  # not in the file, not touched
    assert history(api, f"{infra}/local") == ["CREATE"]


def test_connection_options_may_follow_the_command(cli, landscape):
    _name, infra, _envs = landscape
    out = cli.run("generate", "-p", infra, *cli.connection_args(), login=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("# Generated by deployit-cli.") and f"- directory: {infra}\n" in out.stdout
    (cli.cwd / "infra.yaml").write_text(out.stdout)
    applied = cli.run("-host", "127.0.0.1", "apply", "-f", "infra.yaml", "-dry-run", "-port", str(cli.server.port),
                      "-username", "admin", "-password", "admin", login=False)
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.startswith("No changes: the repository already matches infra.yaml (3 CIs).")


def test_command_line_usage(cli):
    missing = cli.run("apply")
    assert missing.returncode == 2
    assert missing.stderr.startswith("apply needs the YAML file to apply: -f FILE\n\nUsage: deployit-cli [options] apply")
    bad = cli.run("generate", "-p", "Environments", "--bogus")
    assert bad.returncode == 2 and bad.stderr.startswith('"--bogus" is not a valid option of generate')
    helped = cli.run("-help", login=False)
    assert " apply -f FILE [--dry-run] " in helped.stdout and " generate -p ID [-p ID ...] [-f FILE] " in helped.stdout
    nofile = cli.run("apply", "-f", "nothing-here.yaml")
    assert nofile.returncode == 1 and nofile.stderr.strip() == "nothing-here.yaml: there is no such file."


VALID_NEW = """
    - name: {new}
      type: overthere.LocalHost
"""


@pytest.mark.parametrize("body, message", [
    ("- name: {infra}/web1\n  type: overthere.SshHots\n  address: x\n  username: y\n",
     "bad.yaml, line 6: CI {infra}/web1 has the unknown type overthere.SshHots; did you mean overthere.SshHost?"),
    ("- name: {infra}/web1\n  type: overthere.SshHost\n  adress: x\n  username: y\n",
     "bad.yaml, line 8: CI {infra}/web1 of type overthere.SshHost has no property 'adress'; did you mean 'address'?"),
    ("- name: {infra}/web1\n  type: overthere.SshHost\n  address: x\n  username: y\n  port: twenty-two\n",
     "bad.yaml, line 10: property 'port' of CI {infra}/web1 must be an integer, not 'twenty-two'."),
    ("- name: {infra}/web1\n  type: overthere.SshHost\n  address: x\n  username: y\n  connectionType: TELNET\n",
     "bad.yaml, line 10: property 'connectionType' of CI {infra}/web1 must be one of SFTP, SFTP_CYGWIN, "
     "SFTP_WINSSHD, SCP, SUDO, INTERACTIVE_SUDO, SU, not 'TELNET'."),
    ("- name: {infra}/web1\n  type: overthere.LocalHost\n",
     "bad.yaml, line 7: CI {infra}/web1 is a overthere.SshHost in the repository and its type cannot change to "
     "overthere.LocalHost; delete it first or use another name."),
    ("- name: {infra}/web9\n  type: overthere.SshHost\n  address: x\n",
     "bad.yaml, line 6: CI {infra}/web9 (overthere.SshHost) needs a value for property 'username'."),
    ("- name: {infra}/web9\n  type: overthere.SshHost\n  address: x\n  username: y\n  jumpstation: Infrastructure/none\n",
     "bad.yaml, line 10: property 'jumpstation' of CI {infra}/web9 refers to Infrastructure/none, which is neither "
     "in the repository nor in the file."),
    ("- name: {infra}/web9\n  type: overthere.SshHost\n  address: x\n  username: y\n  password: !secret NOPE_pw\n",
     "bad.yaml, line 10: the secret NOPE_pw for property 'password' of CI {infra}/web9 has no value and none is "
     "stored: set the environment variable XL_VALUE_NOPE_pw or put NOPE_pw=... in a .xlvals file next to bad.yaml."),
    ("- name: {infra}/web9\n  type: overthere.SshHost\n  address: [x]\n  username: y\n",
     "bad.yaml, line 8: property 'address' of CI {infra}/web9 must be text, not a list."),
    ("- name: Environments/elsewhere\n  type: udm.Environment\n",
     "bad.yaml, line 6: CI Environments/elsewhere is under Environments, but the document is of kind "
     "Infrastructure; put it in a document of kind Environments."),
    ("- name: {infra}/none/web9\n  type: overthere.LocalHost\n",
     "bad.yaml, line 6: CI {infra}/none/web9 cannot be created because its parent {infra}/none is neither in the "
     "repository nor in the file."),
    ("- name: {infra}/web1\n  type: overthere.SshHost\n  address: x\n  username: y\n  file: !file nothing.txt\n",
     "bad.yaml, line 10: CI {infra}/web1 of type overthere.SshHost is not an artifact, so it takes no 'file: !file'."),
])
def test_a_bad_file_says_where_and_writes_nothing(cli, api, landscape, body, message):
    _name, infra, _envs = landscape
    new = f"{infra}/{unique('new')}"
    text = ("apiVersion: xl-deploy/v1\nkind: Infrastructure\nspec:\n"
            f"- name: {new}\n  type: overthere.LocalHost\n" + body.format(infra=infra))
    (cli.cwd / "bad.yaml").write_text(text)
    result = cli.run("apply", "-f", "bad.yaml")
    assert result.returncode == 1
    assert result.stderr.strip() == message.format(infra=infra)
    assert result.stdout == ""
    assert not exists(api, new)
    assert history(api, f"{infra}/web1") == ["CREATE"]


@pytest.mark.parametrize("head, message", [
    ("apiVersion: xl-deploy/v1\nkind: Infra\nspec: []\n",
     "bad.yaml, line 8: kind must be one of Applications, Infrastructure, Environments, Configuration, Users, "
     "Roles, Permissions, Deployment, not 'Infra'."),
    ("apiVersion: xl-deploy/v1\nkind: Deployment\nspec: {}\n",
     "bad.yaml, line 9: a Deployment needs 'package'."),
    ("apiVersion: xl-deploy/v2\nkind: Infrastructure\nspec: []\n",
     "bad.yaml, line 7: apiVersion must be xl-deploy/v1, not 'xl-deploy/v2'."),
    ("apiVersion: xl-deploy/v1\nkind: Infrastructure\nspec:\n- name: a\n  type: [x\n",
     "bad.yaml, line 12: the file is not valid YAML: expected ',' or ']', but got '<stream end>'."),
])
def test_a_bad_document_writes_nothing(cli, api, head, message):
    new = f"Infrastructure/{unique('new')}"
    text = f"apiVersion: xl-deploy/v1\nkind: Infrastructure\nspec:\n- name: {new}\n  type: overthere.LocalHost\n---\n"
    (cli.cwd / "bad.yaml").write_text(text + head)
    result = cli.run("apply", "-f", "bad.yaml")
    assert (result.returncode, result.stderr.strip()) == (1, message)
    assert not exists(api, new)


def test_a_server_refusal_writes_nothing(cli, api, landscape):
    """The server's own checks (here: where a type may live) refuse the whole file, located by CI."""
    _name, infra, envs = landscape
    new = f"{infra}/{unique('new')}"
    write(cli.cwd / "bad.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Infrastructure
        spec:
        - name: {new}
          type: overthere.LocalHost
        - name: {infra}/web1
          type: overthere.SshHost
          address: changed.example.com
          username: deploy
          password: !secret keep
        ---
        apiVersion: xl-deploy/v1
        kind: Environments
        spec:
        - name: {envs}/host-in-the-wrong-place
          type: overthere.LocalHost
    """)
    result = cli.run("apply", "-f", "bad.yaml")
    assert result.returncode == 1
    assert result.stderr.startswith("bad.yaml, line 15: the server refused the changes, so nothing was changed: ")
    assert f"{envs}/host-in-the-wrong-place" in result.stderr
    assert not exists(api, new)
    assert read(api, f"{infra}/web1")["address"] == "web1.example.com"


def test_comments_and_order_survive_a_generate_into_an_edited_file(cli, api, landscape):
    name, infra, envs = landscape
    path = write(cli.cwd / "mine.yaml", f"""
        # Our development landscape, kept in git.
        apiVersion: xl-deploy/v1
        kind: Infrastructure
        spec:
          # the web tier
          - name: {infra[len('Infrastructure/'):]}/web1   # relative to Infrastructure
            type: overthere.SshHost
            username: deploy        # the deploy account
            address: web1.example.com
            connectionType: SCP
            tags:
              - front
              - web
            password: !secret web1_password   # from XL_VALUE_web1_password
          - name: {infra}/local
            type: overthere.LocalHost
            # nothing to say about this one
        ---
        apiVersion: xl-deploy/v1
        kind: Environments
        spec:
          - name: {envs}/settings
            type: udm.Dictionary
            entries:
              greeting: hi there   # shown on the home page
              db.port: "5432"
            encryptedEntries:
              db.password: !secret db_password
    """)
    original = path.read_text()
    applied = cli.run("apply", "-f", "mine.yaml")
    assert applied.stdout.strip() == "No changes: the repository already matches mine.yaml (3 CIs)."

    # Someone changes the repository: generating into the file updates just that, in place.
    web1 = read(api, f"{infra}/web1")
    web1["address"] = "web1.new.example.com"
    assert api.put(f"/repository/ci/{infra}/web1", json=web1).status_code == 200
    create(api, {"id": f"{infra}/web3", "type": "overthere.LocalHost", "os": "WINDOWS"})
    assert cli.run("generate", "-p", f"{infra}/web1", "-p", f"{infra}/web3", "-p", f"{envs}/settings",
                   "-f", "mine.yaml").returncode == 0
    updated = path.read_text()
    # Byte for byte the file as it was, but for the changed value and the new CI at the end of its list.
    assert updated == original.replace("address: web1.example.com", "address: web1.new.example.com").replace(
        "    # nothing to say about this one\n",
        f"    # nothing to say about this one\n  - name: {infra}/web3\n    type: overthere.LocalHost\n    os: WINDOWS\n")

    # Generating the whole directory: the CI deleted in the repository leaves the file, the directory
    # itself is added, and the CIs the file already has stay where they are (not described twice).
    assert api.delete(f"/repository/ci/{infra}/web3").status_code == 204
    assert cli.run("generate", "-p", infra, "-f", "mine.yaml").returncode == 0
    assert path.read_text() == original.replace("address: web1.example.com", "address: web1.new.example.com").replace(
        "    # nothing to say about this one\n", f"    # nothing to say about this one\n  - directory: {infra}\n")
    again = cli.run("apply", "-f", "mine.yaml")
    assert again.stdout.strip() == "No changes: the repository already matches mine.yaml (4 CIs)."


def test_secrets_come_from_the_environment_or_xlvals(cli, api, landscape):
    _name, infra, _envs = landscape
    host = f"{infra}/{unique('db')}"
    write(cli.cwd / "db.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Infrastructure
        spec:
        - name: {host}
          type: overthere.SshHost
          address: db.example.com
          username: postgres
          password: !secret db_password
          passphrase: !secret db_passphrase
    """)
    (cli.cwd / "secrets.xlvals").write_text("db_passphrase=from-the-file\n")
    created = cli.run("apply", "-f", "db.yaml", env={"XL_VALUE_db_password": "from-the-environment"})
    assert created.returncode == 0, created.stderr
    assert "password: ******** (new value)" in created.stdout and "passphrase: ******** (new value)" in created.stdout
    assert "from-the" not in created.stdout
    ci = read(api, host)
    assert (ci["password"], ci["passphrase"]) == ("********", "********")
    # Without values the stored secrets are kept: nothing to do.
    (cli.cwd / "secrets.xlvals").unlink()
    assert cli.run("apply", "-f", "db.yaml").stdout.startswith("No changes")
    # A given value cannot be compared with the stored one, so it is written again.
    rewritten = cli.run("apply", "-f", "db.yaml", env={"XL_VALUE_db_password": "rotated"})
    assert rewritten.stdout.splitlines()[1:] == [f"  UPDATE  {host} (overthere.SshHost)",
                                                "            password: ******** -> ******** (new value)"]


def test_shell_methods(cli, api, landscape):
    name, infra, envs = landscape
    script = f"""
        text = repository.generateYaml(['{infra}', '{envs}/settings'])
        print(text.splitlines()[2:6])
        repository.generateYaml(['{infra}'], 'infra.yaml')
        changes = repository.applyYaml('infra.yaml')
        print(len(changes), changes.isEmpty() if hasattr(changes, 'isEmpty') else True)
        print(changes)
        with open('infra.yaml') as f:
            edited = f.read().replace('address: web1.example.com', 'address: web1.shell')
        with open('infra.yaml', 'w') as f:
            f.write(edited)
        preview = repository.applyYaml('infra.yaml', True)
        print(list(preview))
        print(repository.read('{infra}/web1').address)
        print(repository.applyYaml('infra.yaml'))
        print(repository.read('{infra}/web1').address)
        try:
            repository.applyYaml('missing.yaml')
        except Exception as e:
            print(type(e).__name__ + ': ' + str(e))
        repository.help('applyYaml')
    """
    result = cli.script(textwrap.dedent(script))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == str(["apiVersion: xl-deploy/v1", "kind: Infrastructure", "spec:", f"- directory: {infra}"])
    assert lines[1] == "Wrote 3 CIs to infra.yaml."
    assert lines[2] == "0 True"
    assert lines[3] == "No changes: the repository already matches infra.yaml (3 CIs)."
    assert lines[4] == str([f"UPDATE {infra}/web1 (overthere.SshHost): address"])
    assert lines[5] == "web1.example.com"
    assert lines[6:9] == ["Applied infra.yaml: 0 created, 1 updated, 2 unchanged.",
                          f"  UPDATE  {infra}/web1 (overthere.SshHost)",
                          '            address: "web1.example.com" -> "web1.shell"']
    assert lines[9] == "web1.shell"
    assert lines[10] == "DeployitException: missing.yaml: there is no such file."
    assert lines[11:13] == ["repository.applyYaml(String path) : List",
                            "repository.applyYaml(String path, boolean dryRun) : List"]


def test_artifacts_round_trip_with_an_artifacts_folder(cli, api, server):
    app = f"Applications/{unique('app')}"
    create(api, {"id": app, "type": "udm.Application"}, {"id": f"{app}/1.0", "type": "udm.DeploymentPackage"})
    import json
    with requests.post(f"{server.url}/repository/ci/{app}/1.0/readme", auth=("admin", "admin"),
                       files={"configurationItem": (None, json.dumps({"type": "file.File", "targetPath": "/tmp/x"}),
                                                    "application/json"),
                              "file": ("readme.txt", b"hello\n", "application/octet-stream")}) as response:
        assert response.status_code == 200, response.text

    plain = cli.run("generate", "-p", app)
    assert "type: file.File  # file: not included; generate with an artifacts folder to download it" in plain.stdout

    out = cli.run("generate", "-p", app, "-f", "yaml/app.yaml", "--artifacts", "yaml/artifacts")
    assert out.returncode == 0, out.stderr
    text = (cli.cwd / "yaml" / "app.yaml").read_text()
    assert "    - name: readme\n      type: file.File\n      targetPath: /tmp/x\n" in text
    assert f"      file: !file artifacts/{app}/1.0/readme/readme.txt\n" in text
    local = cli.cwd / "yaml" / "artifacts" / app / "1.0" / "readme" / "readme.txt"
    assert local.read_bytes() == b"hello\n"
    assert cli.run("apply", "-f", "yaml/app.yaml").stdout.startswith("No changes")

    local.write_bytes(b"hello again\n")
    dry = cli.run("apply", "-f", "yaml/app.yaml", "--dry-run")
    assert dry.stdout.splitlines()[1:] == [
        f"  UPDATE  {app}/1.0/readme (file.File)",
        f"            file: (stored content) -> artifacts/{app}/1.0/readme/readme.txt (new content)"]
    assert cli.run("apply", "-f", "yaml/app.yaml").returncode == 0
    assert api.get(f"/repository/artifact/{app}/1.0/readme").content == b"hello again\n"
    assert cli.run("apply", "-f", "yaml/app.yaml").stdout.startswith("No changes")

    # A new artifact in the file is created with its content.
    (cli.cwd / "yaml" / "notes.txt").write_text("notes\n")
    with open(cli.cwd / "yaml" / "app.yaml", "a") as handle:
        handle.write("    - name: notes\n      type: file.File\n      file: !file notes.txt\n")
    created = cli.run("apply", "-f", "yaml/app.yaml")
    assert created.returncode == 0, created.stderr
    assert f"  CREATE  {app}/1.0/notes (file.File)" in created.stdout
    assert api.get(f"/repository/artifact/{app}/1.0/notes").content == b"notes\n"


def test_the_sample_applies_and_then_has_nothing_to_do(cli, api):
    sample = REPO_ROOT / "samples" / "yaml" / "dev-landscape.yaml"
    env = {"XL_VALUE_DEV_web1_password": "sample-secret"}
    first = cli.run("apply", "-f", str(sample), env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"Applied {sample}: ")
    assert read(api, "Environments/DEV/DEV")["members"]
    assert cli.run("apply", "-f", str(sample)).stdout.startswith("No changes")
    generated = cli.run("generate", "-p", "Infrastructure/DEV", "-p", "Environments/DEV", "-f", "dev.yaml")
    assert generated.returncode == 0, generated.stderr
    assert cli.run("apply", "-f", "dev.yaml").stdout.startswith("No changes")


def test_a_change_refused_half_way_is_undone(server, api, landscape, tmp_path):
    """The new CIs go in first; when the updates are then refused (here: someone changed the CI since the
    file was planned, so its $token is stale) the new CIs are deleted again."""
    from deployit_cli.ascode.apply import apply_plan
    from deployit_cli.ascode.plan import make_plan
    from deployit_cli.client import Client
    from deployit_cli.session import Session
    _name, infra, _envs = landscape
    new = f"{infra}/{unique('new')}"
    path = write(tmp_path / "race.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Infrastructure
        spec:
        - name: {new}
          type: overthere.LocalHost
        - name: {infra}/local
          type: overthere.LocalHost
          os: WINDOWS
    """)
    session = Session(Client(server.url, "admin", "admin"))
    plan = make_plan(session, str(path))
    assert [c.summary() for c in plan.changes] == [f"CREATE {new} (overthere.LocalHost)",
                                                   f"UPDATE {infra}/local (overthere.LocalHost): os"]
    local = read(api, f"{infra}/local")
    local["temporaryDirectoryPath"] = "/var/tmp"
    assert api.put(f"/repository/ci/{infra}/local", json=local).status_code == 200
    with pytest.raises(Exception) as info:
        apply_plan(session, plan)
    assert str(info.value).startswith(f"{path}, line 6: the server refused the changes, so nothing was changed: "
                                      f"CI {infra}/local has been changed by another user")
    assert not exists(api, new)
    assert read(api, f"{infra}/local")["os"] == "UNIX"


def test_the_report_shows_at_the_prompt(shell, cli, landscape):
    import pexpect
    _name, infra, _envs = landscape
    assert cli.run("generate", "-p", infra, "-f", "infra.yaml").returncode == 0
    child = shell("-q")
    child.expect("deployit>")
    child.sendline("repository.applyYaml('infra.yaml')")
    child.expect_exact("No changes: the repository already matches infra.yaml (3 CIs).")
    child.expect("deployit>")
    child.sendline("repository.help('generateYaml')")
    child.expect_exact("repository.generateYaml(List ids, String path, String artifactsDir) : void")
    child.expect("deployit>")
    child.sendline("quit")
    child.expect(pexpect.EOF)


def test_documents_refer_to_each_other_and_a_whole_root_generates(cli, api):
    """A host in the Infrastructure document refers to a jumpstation of the Configuration document of the
    same file; generating a whole root (`-p Configuration`) lists its CIs at the top with their ids."""
    name = unique("tunnel")
    write(cli.cwd / "tunnel.yaml", f"""
        apiVersion: xl-deploy/v1
        kind: Infrastructure
        spec:
        - name: {name}-behind
          type: overthere.SshHost
          address: behind.example.com
          username: deploy
          jumpstation: Configuration/{name}-jump
        ---
        apiVersion: xl-deploy/v1
        kind: Configuration
        spec:
        - name: {name}-jump
          type: overthere.SshJumpstation
          address: jump.example.com
          username: tunnel
          password: !secret jump_password
    """)
    created = cli.run("apply", "-f", "tunnel.yaml", env={"XL_VALUE_jump_password": "j"})
    assert created.returncode == 0, created.stderr
    assert created.stdout.splitlines()[:3] == [
        "Applied tunnel.yaml: 2 created, 0 updated, 0 unchanged.",
        f"  CREATE  Infrastructure/{name}-behind (overthere.SshHost)",
        '            address: "behind.example.com"']
    assert read(api, f"Infrastructure/{name}-behind")["jumpstation"] == f"Configuration/{name}-jump"
    whole = cli.run("generate", "-p", "Configuration")
    assert whole.returncode == 0, whole.stderr
    assert (f"kind: Configuration\nspec:\n- name: Configuration/{name}-jump\n  type: overthere.SshJumpstation\n"
            f"  address: jump.example.com\n  username: tunnel\n"
            f"  password: !secret {name.replace('-', '_')}_jump_password\n") in whole.stdout
    (cli.cwd / "all.yaml").write_text(whole.stdout)
    assert cli.run("apply", "-f", "all.yaml").stdout.startswith("No changes")
