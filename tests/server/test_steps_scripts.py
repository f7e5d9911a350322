"""os-script and template: scripts found on the script path, rendered with `${deployed...}`, run on the host."""

import os
import shutil

import pytest

from server.engine.context import DONE, StepFailed
from tests.server.steps_helpers import Harness, ref

APP = "Applications/app/1.0"
HOST = "Infrastructure/local"
TOMCAT = "Infrastructure/local/tomcat"


@pytest.fixture
def scripts(tmp_path):
    folder = tmp_path / "ext"
    (folder / "tomcat").mkdir(parents=True)
    return folder


@pytest.fixture
def h(tmp_path, scripts):
    harness = Harness(tmp_path, script_paths=[scripts])
    harness.local_host()
    harness.add({"id": TOMCAT, "type": "generic.Container", "host": HOST, "home": str(tmp_path / "tomcat-home"),
                 "envVars": {"CATALINA_OPTS": "-Xmx1g"}})
    harness.task = {"deployedApplication": {"id": "Environments/dev/app", "type": "udm.DeployedApplication",
                                            "version": f"{APP}", "environment": "Environments/dev"}}
    return harness


def script(scripts, name, text):
    path = scripts / name
    path.write_text(text)
    return path


def test_a_script_renders_deployed_container_and_application_and_keeps_shell_variables(h, scripts):
    script(scripts, "tomcat/install.sh", "#!/bin/sh\n"
           "echo \"target ${deployed.targetPath} on ${deployed.container.name} (${container.type})\"\n"
           "echo \"host ${deployed.container.host.id} app ${deployedApplication.name}\"\n"
           "echo \"${deployed.enabled} [${deployed.missingValue}] ${deployed.tags}\"\n"
           "{% if previousDeployed %}echo upgrade{% else %}echo fresh{% endif %}\n"
           "echo \"HOME is ${HOME}, opts $CATALINA_OPTS, placeholder {{KEEP}}\"\n"
           "echo \"step ${step.description}\"\n")
    h.add({"id": f"{TOMCAT}/app", "type": "generic.ExecutedScript", "deployable": f"{APP}/app", "container": TOMCAT,
           "targetPath": "/opt/app", "enabled": True, "missingValue": None, "tags": ["a", "b"]})
    result = h.run("os-script", description="Install app", script="tomcat/install", target_host=ref(HOST),
                   freemarker_context={"deployed": ref(f"{TOMCAT}/app", "deployed")})
    assert result == DONE
    assert h.lines == ["target /opt/app on tomcat (generic.Container)",
                       f"host {HOST} app app",
                       "true [] a,b",
                       "fresh",
                       f"HOME is {os.environ['HOME']}, opts -Xmx1g, placeholder {{{{KEEP}}}}",
                       "step Install app"]


def test_a_failing_script_names_itself_and_its_exit_code(h, scripts):
    script(scripts, "tomcat/broken.sh", "echo about to fail\necho oops >&2\nexit 4\n")
    with pytest.raises(StepFailed, match=r"^Script tomcat/broken on host Infrastructure/local exited with code 4\.$"):
        h.run("os-script", script="tomcat/broken", target_host=ref(HOST), freemarker_context={})
    assert h.lines == ["about to fail", "oops"]


def test_a_missing_property_or_script_is_one_sentence(h, scripts):
    script(scripts, "tomcat/typo.sh", "echo ${container.nosuch}\n")
    with pytest.raises(StepFailed, match=r"Script tomcat/typo cannot be rendered: Infrastructure/local/tomcat has no "
                                         r"property 'nosuch'"):
        h.run("os-script", script="tomcat/typo", target_host=ref(HOST), freemarker_context={"container": ref(TOMCAT)})
    script(scripts, "tomcat/syntax.sh", "line one\n{% if %}\n")
    with pytest.raises(StepFailed, match=r"Script tomcat/syntax cannot be rendered: line 2: "):
        h.run("os-script", script="tomcat/syntax", target_host=ref(HOST))
    script(scripts, "tomcat/shell.sh", "echo ${#ARGS[@]}\n")
    with pytest.raises(StepFailed, match=r"Script tomcat/shell cannot be rendered: line 1: .* \(a shell \$\{...\} that "
                                         r"is not a template expression is written \$NAME, or \$\{'\$\{...\}'\}\)\.$"):
        h.run("os-script", script="tomcat/shell", target_host=ref(HOST))
    script(scripts, "tomcat/escaped.sh", "X=${'${X:-default}'}; echo \"$X\" ${'${#X}'}\n")
    h.run("os-script", script="tomcat/escaped", target_host=ref(HOST))
    assert h.lines == ["default 7"]
    with pytest.raises(StepFailed, match=r"Cannot find the script 'tomcat/none' \(tried tomcat/none, tomcat/none.sh"):
        h.run("os-script", script="tomcat/none", target_host=ref(HOST))
    with pytest.raises(StepFailed, match="must be a relative path"):
        h.run("os-script", script="../../etc/passwd", target_host=ref(HOST))


def test_ftl_and_j2_templates_are_found_and_user_folders_come_first(h, scripts):
    script(scripts, "tomcat/start.sh.ftl", "echo started ${container.name}\n")
    h.run("os-script", script="tomcat/start", target_host=ref(HOST), freemarker_context={"container": ref(TOMCAT)})
    assert h.lines == ["started tomcat"]
    # The built-in sql/generic executor, overridden by a user script of the same name (ext/ comes first).
    (scripts / "sql").mkdir()
    script(scripts, "sql/generic.sh", "echo mine\n")
    h.run("os-script", script="sql/generic", target_host=ref(HOST))
    assert h.lines == ["mine"]


def test_resources_and_the_artifact_are_uploaded_beside_the_script(h, scripts):
    script(scripts, "tomcat/deploy.sh", "#!/bin/sh\nset -e\n"
           "cat \"${deployed.file}\"\n"
           "test \"${deployed.file}\" = \"${step.uploadedArtifactPath}\"\n"
           "test \"$(dirname ${deployed.file})\" = \"${step.remoteWorkingDirectory}\"\n"
           "test \"$(pwd)\" = \"${step.remoteWorkingDirectory}\"\n"
           "test \"${deployed.file.path}\" = \"${deployed.file}\" && echo \"${deployed.file.name}\"\n"
           "cat helper.txt rendered.properties\n")
    script(scripts, "tomcat/helper.txt", "plain ${not rendered}\n")
    script(scripts, "tomcat/rendered.properties.ftl", "target=${deployed.targetPath}\n")
    h.file_artifact(f"{APP}/war", "generic.File", "app.properties", "war for {{ENV}}\n")
    h.add({"id": f"{TOMCAT}/war", "type": "generic.ExecutedScriptWithDerivedArtifact", "deployable": f"{APP}/war",
           "container": TOMCAT, "targetPath": "/srv", "placeholders": {"ENV": "dev"}})
    h.run("os-script", script="tomcat/deploy", target_host=ref(HOST),
          freemarker_context={"deployed": ref(f"{TOMCAT}/war", "deployed")},
          classpath_resources=["tomcat/helper.txt"], template_classpath_resources=["tomcat/rendered.properties"])
    assert h.lines == ["war for dev", "app.properties", "plain ${not rendered}", "target=/srv"]


def test_upload_artifacts_false_uploads_nothing(h, scripts):
    script(scripts, "tomcat/ls.sh", "ls -A\n")
    h.file_artifact(f"{APP}/war", "generic.File", "app.war", "war")
    h.add({"id": f"{TOMCAT}/war", "type": "generic.ExecutedScriptWithDerivedArtifact", "deployable": f"{APP}/war",
           "container": TOMCAT})
    h.run("os-script", script="tomcat/ls", target_host=ref(HOST), upload_artifacts=False,
          freemarker_context={"deployed": ref(f"{TOMCAT}/war", "deployed")})
    assert h.lines == ["ls.sh"]


def test_secrets_are_masked_in_the_log(h, scripts):
    h.add({"id": f"{HOST}/db", "type": "sql.PostgreSqlClient", "host": HOST, "username": "app",
           "password": "very-secret-1"})
    script(scripts, "tomcat/leak.sh", "echo \"user ${db.username} password ${db.password}\"\n")
    h.run("os-script", script="tomcat/leak", target_host=ref(HOST), freemarker_context={"db": ref(f"{HOST}/db")})
    assert h.lines == ["user app password ********"]


# ----------------------------------------------------------------------------------------------- template

def test_a_template_is_rendered_to_the_target(h, scripts, tmp_path):
    script(scripts, "tomcat/server.xml.j2", "<Server port=\"${deployed.port}\" home=\"${container.home}\">\n"
           "{% for name in deployed.names %}<Host name=\"${name}\"/>\n{% endfor %}</Server>\n")
    h.add({"id": f"{TOMCAT}/conf", "type": "generic.ProcessedTemplate", "container": TOMCAT, "port": 8005,
           "names": ["a", "b"]})
    target = tmp_path / "tomcat-home" / "conf"
    with pytest.raises(StepFailed, match="does not exist on host Infrastructure/local"):
        h.run("template", template_path="tomcat/server.xml", target_path=str(target), target_host=ref(HOST),
              freemarker_context={"deployed": ref(f"{TOMCAT}/conf", "deployed")})
    h.run("template", template_path="tomcat/server.xml", target_path="${container.home}/conf", target_host=ref(HOST),
          create_target_directory=True, freemarker_context={"deployed": ref(f"{TOMCAT}/conf", "deployed")})
    assert (target / "server.xml").read_text() == (
        f"<Server port=\"8005\" home=\"{tmp_path}/tomcat-home\">\n<Host name=\"a\"/>\n<Host name=\"b\"/>\n</Server>\n")
    assert h.log == f"Wrote {target}/server.xml on {HOST} from the template tomcat/server.xml"
    h.run("template", template_path="tomcat/server.xml", target_path=str(target), target_file_name="other.xml",
          target_host=ref(HOST), freemarker_context={"deployed": ref(f"{TOMCAT}/conf", "deployed")})
    assert (target / "other.xml").exists()


# ----------------------------------------------------------------------------------------------- over SSH

def test_os_script_over_ssh(tmp_path, scripts):
    from tests.support.sshd import TEST_PASSWORD, TEST_USER, SshServer, make_shared_dir, require_root
    require_root()
    shared = make_shared_dir()
    try:
        with SshServer() as sshd:
            h = Harness(tmp_path, script_paths=[scripts])
            h.add(sshd.host(password=TEST_PASSWORD, temporaryDirectoryPath=shared, id="Infrastructure/ssh"))
            h.file_artifact(f"{APP}/war", "generic.File", "app.txt", "war for {{ENV}}")
            h.add({"id": "Infrastructure/ssh/war", "type": "generic.ExecutedScriptWithDerivedArtifact",
                   "deployable": f"{APP}/war", "container": "Infrastructure/ssh", "placeholders": {"ENV": "ssh"}})
            script(scripts, "tomcat/remote.sh", "id -un\ncat ${deployed.file}; echo\necho ${deployed.container.address}\n")
            h.run("os-script", script="tomcat/remote", target_host=ref("Infrastructure/ssh"),
                  freemarker_context={"deployed": ref("Infrastructure/ssh/war", "deployed")})
            assert h.lines == [TEST_USER, "war for ssh", "127.0.0.1"]
    finally:
        shutil.rmtree(shared, ignore_errors=True)
