"""The deployment sample scripts (samples/cli/deploy_sample.py in Python 2 syntax, preview_upgrade.py)
run by the real CLI: a first deployment up to its task, then, with the deployed application stored as
the task engine will store it, the upgrade to 2.0 previewed and planned."""

from __future__ import annotations

from tests.cli.conftest import SAMPLES
from tests.cli.sample_packages import SAMPLE_DAR, unique


def store_deployed_application(api, version: str, env: str) -> str:
    """Deploy over REST and store the result as the task engine will after running the task."""
    initial = api.get("/deployment/prepare/initial", params={"version": version, "environment": env}).json()
    deployment = api.post("/deployment/prepare/deployeds", json=initial).json()
    deployeds = [{k: v for k, v in d.items() if k != "validation-messages"} for d in deployment["deployeds"]]
    app = {k: v for k, v in deployment["application"].items() if k != "validation-messages"}
    response = api.post("/repository/cis", json=deployeds + [app])
    assert response.status_code == 200, response.text
    return app["id"]


def test_deploy_sample_then_preview_the_upgrade(cli, api):
    env_name = unique("SampleEnv")
    deploy = str(SAMPLES / "deploy_sample.py")
    result = cli.run("-q", "-f", deploy, env_name)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    folder, env = f"Infrastructure/{env_name}", f"Environments/{env_name}"
    assert lines[:6] == [f"Creating {folder}", f"Creating {folder}/web", f"Creating {folder}/app",
                         f"Creating {folder}/app/sqlite", f"Creating {env}-settings", f"Creating {env}"]
    assert f"Deploying Applications/Sample/1.0 to {env}" in lines
    assert "4 deployeds (orchestrator parallel-by-container):" in lines
    assert f"  {folder + '/app/announce':<45} cmd.DeployedCommand" in lines
    assert "Changes (4 to create, 0 to modify, 0 to destroy, 0 unchanged):" in lines
    assert f"      [0_1_1] Deploy Sample 1.0 on {env_name} (parallel)" in lines
    created = [line for line in lines if line.startswith("Created task ")]
    assert len(created) == 1 and created[0].endswith(" (PENDING)")
    task_id = created[0].split()[2]
    assert api.get(f"/tasks/v2/{task_id}").json()["description"] == f"Initial deployment of {env}/Sample"
    assert lines[-1] == f"Start it with: deployit.startTaskAndWait('{task_id}')"

    deployed_app = store_deployed_application(api, "Applications/Sample/1.0", env)
    have_2 = api.get("/repository/exists/Applications/Sample/2.0").json()["boolean"]
    new_version = "Applications/Sample/2.0" if have_2 else str(SAMPLE_DAR / "Sample" / "2.0")
    preview = cli.run("-q", "-f", str(SAMPLES / "preview_upgrade.py"), deployed_app, new_version,
                      "parallel-by-container")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    out = preview.stdout
    assert ("Imported Applications/Sample/2.0\n" in out) == (not have_2)
    assert f"Update deployment of {deployed_app}\n\nChanges (0 to create, 2 to modify, 0 to destroy, 2 unchanged):\n" in out
    assert (f"  MODIFY   {folder}/app/announce (cmd.DeployedCommand)\n"
            '             commandLine: "echo Sample 1.0 installed" -> "echo Sample 2.0 installed"\n') in out
    assert f"  NOOP     {folder}/web/config (file.DeployedFolder)\n" in out
    assert f"      [0_1_1] Update Sample 2.0 on {env_name} (parallel)\n" in out
    assert "          2. Copy readme to " in out

    again = cli.run("-q", "-f", deploy, env_name, "2.0")
    assert again.returncode == 0, again.stdout + again.stderr
    assert not any(line.startswith("Creating ") for line in again.stdout.splitlines())
    assert f"Upgrading {deployed_app} to Applications/Sample/2.0\n" in again.stdout
    assert "Changes (0 to create, 2 to modify, 0 to destroy, 2 unchanged):" in again.stdout


def test_preview_upgrade_usage_and_refusals(cli):
    script = str(SAMPLES / "preview_upgrade.py")
    usage = cli.run("-q", "-f", script)
    assert usage.returncode == 2 and usage.stdout.startswith("Usage: scripts/cli.sh")
    missing = cli.run("-q", "-f", script, "Environments/none/Sample", "Applications/none/1.0")
    assert missing.returncode == 1
    assert "There is no package 'Applications/none/1.0'" in missing.stderr
