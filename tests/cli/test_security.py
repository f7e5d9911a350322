"""The shell's `security` object, and the sample security set-up (samples/cli/security_setup.py) holding
when its users then work in the shell: through scripts and at the prompt."""

from __future__ import annotations

import io
import textwrap
import zipfile

import pexpect
import pytest

from tests.cli.conftest import SAMPLES

PROMPT = "deployit>"
TEAM_PASSWORD = "Team-pw-2024"


def run_ok(cli, source: str, user: str = "admin", password: str = "admin") -> str:
    path = cli.cwd / "script.py"
    path.write_text(textwrap.dedent(source))
    result = cli.run(*cli.connection_args(user, password), "-q", "-f", str(path), login=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_users_roles_and_permissions_from_a_python2_script(cli):
    out = run_ok(cli, """\
        repository.create(factory.configurationItem('Environments/cli-sec-dir', 'core.Directory'))
        u = security.createUser('cli-alice', 'first-pw')
        print u
        r = security.readUser('cli-alice')
        print r.username, r.admin, r.password
        r.password = 'second-pw'
        security.modifyUser(r)
        security.assignRole('cli-team', ['cli-alice'])
        security.assignRole('cli-empty', [])
        print 'cli-empty' in security.getRoleNames(), list(security.getRoles('cli-alice'))
        security.grant('login', 'cli-team')
        security.grant('read', 'cli-team', ['Environments', 'Environments/cli-sec-dir'])
        security.grant('deploy#initial', 'cli-team', ['Environments/cli-sec-dir'])
        permissions = security.getPermissions('cli-team')
        print permissions
        print 'deploy#initial' in str(permissions), 'login' in str(permissions), 'repo#edit' in str(permissions)
        print security.isGranted('cli-team', 'login'), security.isGranted('cli-team', 'repo#edit'), \\
            security.isGranted('cli-team', 'deploy#initial', 'Environments/cli-sec-dir/Env')
        security.revoke('deploy#initial', 'cli-team', ['Environments/cli-sec-dir'])
        print security.isGranted('cli-team', 'deploy#initial', 'Environments/cli-sec-dir')
        security.login('cli-alice', 'second-pw')
        print list(security.getRoles()), security.isGranted('login'), security.hasPermission('read', 'Environments')
        print security.isGranted('repo#edit', 'Environments/cli-sec-dir')
        try:
            repository.create(factory.configurationItem('Environments/cli-sec-dir/Env', 'udm.Environment'))
        except Exception, e:
            print 'refused:', e
        try:
            security.createUser('cli-mallory', 'x')
        except Exception, e:
            print 'refused:', e
        mine = security.getPermissions()
        print mine
        security.login('admin', 'admin')
        security.removeRole('cli-empty')
        print 'cli-empty' in security.getRoleNames()
        security.deleteUser('cli-alice')
        try:
            security.readUser('cli-alice')
        except Exception, e:
            print 'gone:', e
    """)
    assert out.splitlines() == [
        "User cli-alice (admin: false, password: ********)",
        "cli-alice False None",
        "True ['cli-team']",
        "Permissions of role cli-team:",
        "  global                   : login",
        "  Environments             : read",
        "  Environments/cli-sec-dir : deploy#initial, read",
        "True True False",
        "True False True",
        "False",
        "['cli-team'] True True",
        "False",
        "refused: User cli-alice does not have permission repo#edit on Environments/cli-sec-dir/Env.",
        "refused: User cli-alice does not have permission security#edit.",
        "Permissions of user cli-alice (cli-team):",
        "  global                   : login",
        "  Environments             : read",
        "  Environments/cli-sec-dir : read",
        "False",
        "gone: User cli-alice not found.",
    ]


def test_help_lists_the_security_methods(cli):
    out = run_ok(cli, "security.help()\nsecurity.help('grant')\n")
    for method in ("createUser", "readUser", "modifyUser", "deleteUser", "assignRole", "removeRole", "getRoleNames",
                   "getRoles", "grant", "revoke", "getPermissions", "isGranted", "hasPermission", "login", "logout"):
        assert f"security.{method}(" in out, method
    assert "security.grant(String permission, String role, List<String> ciIds) : void" in out


def dar(app: str, version: str) -> bytes:
    manifest = f"""<?xml version="1.0" encoding="UTF-8"?>
<udm.DeploymentPackage version="{version}" application="{app}">
  <deployables><cmd.Command name="run"><commandLine>true</commandLine></cmd.Command></deployables>
</udm.DeploymentPackage>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("deployit-manifest.xml", manifest)
    return buffer.getvalue()


@pytest.fixture
def payments(cli):
    """The sample run by admin, then the Payments infrastructure, environments and an application."""
    result = cli.run("-q", "-f", str(SAMPLES / "security_setup.py"), TEAM_PASSWORD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Permissions of role payments-deployers:" in result.stdout
    assert "  Environments/Payments/Test : deploy#initial, deploy#undeploy, deploy#upgrade, read, task#skip_step" \
        in result.stdout
    run_ok(cli, """\
        for name in ['dave', 'dora', 'olivia']:     # they may exist from an earlier run of the sample
            user = security.readUser(name)
            user.password = '%s'
            security.modifyUser(user)
        def ensure(id, type, values={}):
            if not repository.exists(id):
                repository.create(factory.configurationItem(id, type, values))
        ensure('Infrastructure/Payments/local', 'overthere.LocalHost', {'os': 'UNIX'})
        ensure('Environments/Payments/Test/PayTest', 'udm.Environment', {'members': ['Infrastructure/Payments/local']})
        ensure('Environments/Payments/Prod/PayProd', 'udm.Environment', {'members': ['Infrastructure/Payments/local']})
    """ % TEAM_PASSWORD)
    (cli.cwd / "PayApp-1.0.dar").write_bytes(dar("Payments/PayApp", "1.0"))
    (cli.cwd / "PayApp-2.0.dar").write_bytes(dar("Payments/PayApp", "2.0"))
    return result.stdout


def test_the_sample_setup_holds_for_its_users(cli, payments):
    out = run_ok(cli, """\
        import os
        print deployit.importPackage(os.path.abspath('PayApp-1.0.dar')).id
        test = deployment.prepareAutoDeployeds(deployment.prepareInitial('Applications/Payments/PayApp/1.0',
                                                                         'Environments/Payments/Test/PayTest'))
        print 'test task:', deployment.createDeployTask(test).id is not None
        prod = deployment.prepareAutoDeployeds(deployment.prepareInitial('Applications/Payments/PayApp/1.0',
                                                                         'Environments/Payments/Prod/PayProd'))
        try:
            deployment.createDeployTask(prod)
        except Exception, e:
            print 'prod:', e
        try:
            repository.create(factory.configurationItem('Infrastructure/Payments/extra', 'overthere.LocalHost',
                                                        {'os': 'UNIX'}))
        except Exception, e:
            print 'infrastructure:', e
        print sorted(security.getRoles())
    """, "dave", TEAM_PASSWORD)
    assert out.splitlines() == [
        "Applications/Payments/PayApp/1.0",
        "test task: True",
        "prod: User dave does not have permission deploy#initial on Environments/Payments/Prod/PayProd.",
        "infrastructure: User dave does not have permission repo#edit on Infrastructure/Payments/extra.",
        "['payments-deployers']",
    ]
    out = run_ok(cli, """\
        import os
        prod = deployment.prepareAutoDeployeds(deployment.prepareInitial('Applications/Payments/PayApp/1.0',
                                                                         'Environments/Payments/Prod/PayProd'))
        print 'prod task:', deployment.createDeployTask(prod).id is not None
        host = repository.create(factory.configurationItem('Infrastructure/Payments/ops-host', 'overthere.LocalHost',
                                                           {'os': 'UNIX'}))
        print host.id
        try:
            deployit.importPackage(os.path.abspath('PayApp-2.0.dar'))
        except Exception, e:
            print 'import:', e
        print 'payments-ops' in str(security.getPermissions()), security.isGranted('report#view')  # roles in the title
    """, "olivia", TEAM_PASSWORD)
    assert out.splitlines() == [
        "prod task: True",
        "Infrastructure/Payments/ops-host",
        "import: User olivia does not have permission import#initial or import#upgrade on any application.",
        "True True",
    ]


def test_a_team_member_at_the_prompt(cli, payments, shell):
    child = shell("-username", "dora", "-password", TEAM_PASSWORD, login=False)
    child.expect("Welcome to the XL Deploy Jython CLI!")
    child.expect(PROMPT)
    child.sendline("repository.read('Infrastructure/Payments/local').type")
    child.expect("overthere.LocalHost")
    child.expect(PROMPT)
    child.sendline("repository.delete('Infrastructure/Payments/local')")
    child.expect("User dora does not have permission repo#edit on Infrastructure/Payments/local.")
    child.expect(PROMPT)
    child.sendline("print(security.getPermissions())")
    child.expect("Permissions of user dora")
    child.expect(r"Applications/Payments\s+: import#initial, import#remove, import#upgrade, read")
    child.expect(PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)
