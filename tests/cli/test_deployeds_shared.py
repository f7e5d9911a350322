"""Deployeds are never shared, through the shell: two applications with a `run` command on one host."""

from __future__ import annotations

from tests.cli.sample_packages import run_ok, unique


def test_the_shell_refuses_a_deployed_that_another_application_owns(cli):
    name = unique("shared")
    host, deployed = f"Infrastructure/{name}", f"Infrastructure/{name}/run"
    out = run_ok(cli, f"""
def ci(ci_id, ci_type, **values):
    return repository.create(factory.configurationItem(ci_id, ci_type, values))

ci('{host}', 'overthere.LocalHost', os='UNIX')
for env in ('A', 'B'):
    ci('Environments/{name}-' + env, 'udm.Environment', members=['{host}'])
for app in ('App1', 'App2'):
    ci('Applications/{name}-' + app, 'udm.Application')
    ci('Applications/{name}-' + app + '/1.0', 'udm.DeploymentPackage')
    ci('Applications/{name}-' + app + '/1.0/run', 'cmd.Command', commandLine='echo ' + app)

first = deployment.prepareAutoDeployeds(deployment.prepareInitial('Applications/{name}-App1/1.0',
                                                                  'Environments/{name}-A'))
deployit.startTaskAndWait(deployment.createDeployTask(first).id)
print('--')
print(list(repository.read('Environments/{name}-A/{name}-App1').deployeds))
second = deployment.prepareAutoDeployeds(deployment.prepareInitial('Applications/{name}-App2/1.0',
                                                                   'Environments/{name}-B'))
for v in deployment.validate(second).validations:
    print(v.level + ' ' + v.message)
for method in (deployment.createDeployTask, deployment.taskPreviewBlock, deployment.previewChanges):
    try:
        method(second)
        print('accepted')
    except DeployitException as e:
        print('refused: ' + str(e))
print(repository.read('{deployed}').deployable)
""")
    sentence = (f"Deployed {deployed} already belongs to deployed application Environments/{name}-A/{name}-App1; "
                f"rename the deployable or deploy to another container.")
    assert out.split("--\n", 1)[1].splitlines() == [
        repr([deployed]),
        f"ERROR {sentence}",
        f"refused: The deployment is not valid: {sentence}",
        f"refused: The deployment is not valid: {sentence}",
        f"refused: The deployment is not valid: {sentence}",
        f"Applications/{name}-App1/1.0/run",
    ]
