"""Pipelines, checklists and notifications from the shell: a script shaped like XL Deploy's public demo
scripts (samples/cli/release_dashboard.py, Python 2) runs on a stock server; the reports as tables."""

from __future__ import annotations

from tests.cli.conftest import SAMPLES
from tests.support.smtp import SmtpServer


def test_the_release_dashboard_script_sets_pipelines_checklists_and_triggers(cli):
    smtp = SmtpServer().start()
    try:
        script = str(SAMPLES / "release_dashboard.py")
        result = cli.run("-q", "-f", script, "Dash", str(smtp.port), timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        out = result.stdout
        assert ("Refused: The deployment is not valid: Applications/Dash/1.0 does not satisfy the deployment "
                "checklist of Environments/Dash-TEST: set satisfiesReleaseNotes on the version first.") in out
        table = out[out.index("Pipeline of Applications/Dash (Configuration/Dash-pipeline):"):].splitlines()
        assert table[1].split() == ["Environment", "Version", "Deployed", "by", "Deployed", "at", "Checklist",
                                    "Next", "promotion"]
        dev, test, prod = (line.split() for line in table[3:6])
        assert dev[:3] == ["Environments/Dash-DEV", "1.0", "admin"] and dev[-3:] == ["allowed", "to",
                                                                                    "Environments/Dash-TEST"]
        assert test == ["Environments/Dash-TEST", "-", "-", "-", "satisfiesReleaseNotes", "-"]
        assert prod[:4] == ["Environments/Dash-PROD", "-", "-", "-"]
        assert "satisfiesChangeTicketNumber" in prod[4] + prod[5] + prod[6]

        # a deployment to PROD once its checklist is satisfied sends the trigger's mail
        deploy = cli.script(
            "v = repository.read('Applications/Dash/1.0')\n"
            "v.satisfiesPerformanceTested = True\n"
            "v.satisfiesChangeTicketNumber = 'CHG-7'\n"
            "repository.update(v)\n"
            "d = deployment.prepareAutoDeployeds(deployment.prepareInitial(v.id, 'Environments/Dash-PROD'))\n"
            "deployit.startTaskAndWait(deployment.createDeployTask(d).id)\n"
            "deployit.printEnvironmentsReport('Environments/Dash-PROD')\n"
            "deployit.printDeploymentsReport(None, None, 'application', ['Applications/Dash'])\n"
            "deployit.exportDeploymentsReport('deployments.csv')\n")
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        mail = smtp.wait_for(lambda m: m["to"] == ["team@example.com"])["mail"]
        assert mail["Subject"] == "Application Dash is EXECUTED on Dash-PROD"
        assert mail.get_content().strip() == "Task Initial deployment of Environments/Dash-PROD/Dash by admin"
        lines = deploy.stdout.splitlines()
        env_table = lines[lines.index(next(l for l in lines if l.startswith("Environment  "))):]
        assert env_table[2].split()[:4] == ["Environments/Dash-PROD", "Dash", "1.0", "admin"]
        header = next(l for l in lines if l.startswith("Completed"))
        assert header.split() == ["Completed", "Type", "Application", "Version", "Environment", "User", "State",
                                  "Duration"]
        rows = [l.split() for l in lines[lines.index(header) + 2:]]
        assert [(r[1], r[4], r[6]) for r in rows] == [("Initial", "Dash-DEV", "DONE"), ("Initial", "Dash-PROD", "DONE")]
        csv_text = (cli.cwd / "deployments.csv").read_text()
        assert csv_text.startswith("taskId,type,application,version,environment,user,status,startDate,")
        assert csv_text.count("Dash-PROD") == 1
    finally:
        smtp.stop()
