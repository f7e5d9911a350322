"""Scripts written for XL Deploy set properties its plugins define (Remoting, Generic, Command, File, Database):
a stock server accepts them, keeps them, and acts on those it implements (tmpDeleteOnDisconnect, rerunCommand)."""

from __future__ import annotations

from tests.cli.sample_packages import run_ok, unique


def test_a_script_setting_xl_deploys_plugin_properties_runs_on_a_stock_server(cli, tmp_path):
    name = unique("props")
    kept = tmp_path / "kept"
    kept.mkdir()
    out = run_ok(cli, f"""
def ci(ci_id, ci_type, **values):
    return repository.create(factory.configurationItem(ci_id, ci_type, values))

jump = ci('Configuration/{name}-jump', 'overthere.SshJumpstation', address='jump.example.com', username='u',
          password='p', portAllocationRangeStart=2000, connectionTimeoutMillis=5000)
ssh = ci('Infrastructure/{name}-ssh', 'overthere.SshHost', os='UNIX', connectionType='SUDO', address='h.example.com',
         username='deployer', password='p', sudoUsername='app', sudoCommandPrefix='sudo -n -u {{0}}',
         sudoQuoteCommand=True, sudoOverrideUmask=False, allocatePty='vt220:80:24:0:0', openShellBeforeExecute=True,
         jumpstation=jump.id)
smb = ci('Infrastructure/{name}-smb', 'overthere.SmbHost', address='win.example.com', username='Administrator',
         password='p', smbPort=1445, winrmTimeout='PT120.000S', winrsNoprofile=True)
local = ci('Infrastructure/{name}', 'overthere.LocalHost', os='UNIX', temporaryDirectoryPath='{kept}',
           tmpDeleteOnDisconnect=False)
mssql = ci('Infrastructure/{name}/mssql', 'sql.MsSqlClient', serverName='db1\\\\SQLEXPRESS', envVars={{'TZ': 'UTC'}})
tomcat = ci('Infrastructure/{name}/tomcat', 'generic.Container', startScript='tc/start', stopWaitTime=5,
            inspectClasspathResources=['tc/inspect.py'])
for c in (jump, ssh, smb, local, mssql, tomcat):
    c = repository.read(c.id)
    for key in ('portAllocationRangeStart', 'connectionTimeoutMillis', 'sudoCommandPrefix', 'sudoQuoteCommand',
                'sudoOverrideUmask', 'allocatePty', 'openShellBeforeExecute', 'smbPort', 'winrmTimeout',
                'winrsNoprofile', 'tmpDeleteOnDisconnect', 'serverName', 'envVars', 'stopWaitTime',
                'inspectClasspathResources'):
        if key in c.values:
            print('%s.%s=%s' % (c.name, key, c.values[key]))

ci('Environments/{name}', 'udm.Environment', members=[local.id])
ci('Applications/{name}', 'udm.Application')
for version in ('1.0', '2.0'):
    ci('Applications/{name}/' + version, 'udm.DeploymentPackage')
    ci('Applications/{name}/' + version + '/mark', 'cmd.Command', commandLine='touch ran')
first = deployment.prepareAutoDeployeds(deployment.prepareInitial('Applications/{name}/1.0', 'Environments/{name}'))
first.deployeds[0].rerunCommand = True
deployit.startTaskAndWait(deployment.createDeployTask(first).id)
print('rerunCommand=%s' % repository.read('Infrastructure/{name}/mark').rerunCommand)
upgrade = deployment.prepareUpgrade('Applications/{name}/2.0', 'Environments/{name}/{name}')
task = deployment.createDeployTask(upgrade)
deployit.startTaskAndWait(task.id)
print(repository.read('Environments/{name}/{name}').version)
""")
    lines = out.splitlines()
    for expected in (f"{name}-jump.portAllocationRangeStart=2000", f"{name}-jump.connectionTimeoutMillis=5000",
                     f"{name}-ssh.sudoCommandPrefix=sudo -n -u {{0}}", f"{name}-ssh.sudoQuoteCommand=True",
                     f"{name}-ssh.sudoOverrideUmask=False", f"{name}-ssh.allocatePty=vt220:80:24:0:0",
                     f"{name}-smb.smbPort=1445", f"{name}-smb.winrmTimeout=PT120.000S",
                     f"{name}.tmpDeleteOnDisconnect=False", "mssql.serverName=db1\\SQLEXPRESS",
                     "tomcat.stopWaitTime=5", "rerunCommand=True", f"Applications/{name}/2.0"):
        assert expected in lines, (expected, out)
    assert [line.split()[-3:] for line in lines if "DONE" in line and "Execute mark" in line] == \
        [["mark", "on", name]] * 2
    # The command ran twice (deploy, then the unchanged update because of rerunCommand), each time in a
    # temporary folder that tmpDeleteOnDisconnect=false left in place.
    assert len(list(kept.glob("deployit-*/ran"))) == 2
