"""Scripts and files users already have, run unchanged with `deployit-cli -f` against the real server:
their helper modules, Java bean properties, the Java and XL Deploy classes they import, `-expose-proxies`,
exact line numbers in tracebacks, and .properties files with Unicode escapes."""

from __future__ import annotations

import textwrap


def script(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# ------------------------------------------------------------------ imported modules (item 1)

TOOLS = (
    "import sys\n"
    "\n"
    "def check(settings, key):\n"
    "    if not settings.has_key(key):\n"
    "\tprint >>sys.stderr, 'missing', key\n"  # a tab where the other lines have spaces
    "\treturn None\n"
    "    return settings[key]\n"
)


def test_python2_modules_from_the_script_folder_jythonpath_and_pythonpath(cli, tmp_path):
    """A helper module next to the script, one on JYTHONPATH and one on PYTHONPATH, all in Python 2
    (tabs mixed with spaces, print >>sys.stderr, has_key), imported as `from x import *`."""
    (cli.cwd / "tools.py").write_text(TOOLS)
    lib, legacy = tmp_path / "lib", tmp_path / "legacy"
    lib.mkdir()
    legacy.mkdir()
    (lib / "naming.py").write_text("import string\n\ndef label(name):\n\treturn string.upper(name)\n"
                                   "def labels(names):\n    return [label(n) for n in names]\n")
    (legacy / "envs.py").write_text("def first(d):\n    for k, v in d.iteritems():\n        print 'env', k\n"
                                    "\treturn k\n")
    source = script('''
        from tools import *
        from naming import labels
        import envs
        print check({"port": 8080}, "port"), check({}, "host")
        print labels(["web", "db"])
        envs.first({"dev": 1})
    ''')
    import os
    pythonpath = os.pathsep.join(p for p in (str(legacy), os.environ.get("PYTHONPATH")) if p)
    result = cli.script(source, env={"JYTHONPATH": str(lib), "PYTHONPATH": pythonpath})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "8080 None\n['WEB', 'DB']\nenv dev\n"
    assert result.stderr == "missing host\n"


# ------------------------------------------------------------------- bean properties (item 2)

def test_java_bean_properties_read_and_set(cli):
    """Jython's `obj.name` for `obj.getName()`, `obj.empty` for `obj.isEmpty()`, `obj.x = v` for
    `obj.setX(v)`, on the Java classes scripts use, with real attributes and methods still first."""
    (cli.cwd / "conf").mkdir()
    (cli.cwd / "conf" / "app.properties").write_text("a=1\n")
    source = script('''
        from java.io import File
        from java.util import HashMap, Calendar
        from java.lang import IllegalStateException
        from org.joda.time import DateTime
        conf = File("conf/app.properties")
        print conf.name, File(conf.parent).name, conf.absolutePath == conf.canonicalPath, conf.file
        print conf.parentFile.directory, conf.length() == 4
        built = DateTime(2014, 7, 1, 12, 0, 0, 0)
        print built.year, built.monthOfYear, built.dayOfMonth, DateTime().year >= 2024
        seen = HashMap()
        print seen.empty,
        seen.put("web", 1)
        print seen.empty
        when = Calendar.getInstance()
        when.timeInMillis = 86400000
        print when.timeInMillis, when.time.time
        print IllegalStateException("stopped", ValueError("disk full")).cause
    ''')
    result = cli.script(source)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("app.properties conf True True\nTrue True\n2014 7 1 True\nTrue False\n"
                             "86400000 86400000\ndisk full\n")


# ----------------------------------------------------- Java and XL Deploy classes (item 3)

def test_xl_deploy_classes_scripts_import(cli):
    """The exceptions scripts catch by their Java names, the udm interfaces they test CIs against,
    and DescriptorRegistry imported rather than used as a global."""
    source = script('''
        from javax.script import ScriptException
        from com.xebialabs.deployit.security.authentication import UserAlreadyExistsException
        from com.xebialabs.deployit.booter.remote.resteasy import DeployitClientException
        from com.xebialabs.deployit.plugin.api.udm import ConfigurationItem
        from com.xebialabs.deployit.plugin.api.udm.artifact import Artifact
        from com.xebialabs.deployit.plugin.api.reflect import DescriptorRegistry
        from com.xebialabs.deployit.engine.api.dto import ConfigurationItemId, Deployment, Control

        def ensure_user(name):
            try:
                security.createUser(name, "s3cret")
                print "created", name
            except UserAlreadyExistsException:
                print name, "exists already"

        ensure_user("deployer-c")
        ensure_user("deployer-c")

        repository.create(factory.configurationItem("Applications/classes-app", "udm.Application"))
        repository.create(factory.configurationItem("Applications/classes-app/1.0", "udm.DeploymentPackage"))
        repository.create(factory.artifact("Applications/classes-app/1.0/readme", "file.File", {}, "hello"))
        for ci_id in repository.search(None, "Applications/classes-app/1.0") + ["Applications/classes-app/1.0"]:
            ci = repository.read(ci_id)
            print ci.name, isinstance(ci.values._ci, Artifact), isinstance(ci, ConfigurationItem)

        try:
            repository.read("Applications/classes-app/2.0")
        except DeployitClientException, e:
            print "not found:", e.message

        descriptor = DescriptorRegistry.getDescriptor("file.File")
        print descriptor.getType().getPrefix(), descriptor.getType().getName()
        print [t.getName() for t in descriptor.getSuperClasses()][:1]
        print len([d for d in DescriptorRegistry.getDescriptors() if d.getType().getPrefix() == "udm"]) > 5

        def evaluate(expression):
            if not expression:
                raise ScriptException("nothing to evaluate")
            return expression
        try:
            evaluate("")
        except ScriptException, e:
            print "ScriptException:", e.getMessage()
        print ConfigurationItemId("Applications/classes-app", "udm.Application") == "Applications/classes-app"
    ''')
    result = cli.script(source)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == ["created deployer-c", "deployer-c exists already", "readme True True", "1.0 False True"]
    assert lines[4].startswith("not found: ") and "Applications/classes-app/2.0" in lines[4]
    assert lines[5:] == ["file File", "['BaseDeployableFileArtifact']", "True",
                         "ScriptException: nothing to evaluate", "True"]


# --------------------------------------------------------------------- -expose-proxies (item 4)

PROXIES_REPORT = script('''
    import sys
    from com.xebialabs.deployit.plugin.api.reflect import Type

    try:
        if proxies != None:
            pass
    except NameError:
        print "run me with -expose-proxies"
        sys.exit(1)

    counts = {}
    for descriptor in proxies.referenceData.listDescriptors():
        found = repository.search(str(descriptor.type))
        if len(found) > 0 and descriptor.type.getPrefix() == "overthere":
            counts[str(descriptor.type)] = len(found)
    print "hosts by type:", sorted(counts.items())
    print len(proxies.referenceData.list().entity.descriptors) == len(proxies.descriptors.list().entity.descriptors)

    apps = proxies.getRepository().query(Type.valueOf("udm.Application"), None, "proxied%", None, None, 0, -1)
    print [str(app.id) for app in apps], [str(app.type) for app in apps]
    print proxies.getRepositoryService().exists("Applications/proxied-app")
''')


def test_expose_proxies_gives_scripts_the_rest_services(cli):
    setup = cli.script(script('''
        repository.create(factory.configurationItem("Applications/proxied-app", "udm.Application"))
        repository.create(factory.configurationItem("Infrastructure/proxied-host", "overthere.LocalHost",
                                                    {"os": "UNIX"}))
    '''))
    assert setup.returncode == 0, setup.stderr
    result = cli.script(PROXIES_REPORT, "-expose-proxies", name="usage.py")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("hosts by type: [(") and "('overthere.LocalHost', " in lines[0]
    assert lines[1:] == [
        "True", "['Applications/proxied-app'] ['udm.Application']", "True"]


def test_without_expose_proxies_there_is_no_proxies_object(cli):
    result = cli.script(PROXIES_REPORT, name="usage.py")
    assert (result.returncode, result.stdout) == (1, "run me with -expose-proxies\n")


def test_task_steps_through_proxies(cli):
    """3.x scripts printed a task's steps with proxies.taskRegistry.getStepInfo(id, nr, None).entity."""
    source = script('''
        repository.create(factory.configurationItem("Infrastructure/steps-host", "overthere.LocalHost", {"os": "UNIX"}))
        repository.create(factory.configurationItem("Environments/steps-env", "udm.Environment",
                                                    {"members": ["Infrastructure/steps-host"]}))
        repository.create(factory.configurationItem("Applications/steps-app", "udm.Application"))
        repository.create(factory.configurationItem("Applications/steps-app/1.0", "udm.DeploymentPackage"))
        repository.create(factory.artifact("Applications/steps-app/1.0/notes", "file.File",
                                           {"targetPath": "/tmp/steps-app-notes"}, "some notes"))
        spec = deployment.prepareAutoDeployeds(deployment.prepareInitial("Applications/steps-app/1.0",
                                                                         "Environments/steps-env"))
        taskInfo = deployit.retrieveTaskInfo(deployment.createDeployTask(spec).id)
        for i in range(taskInfo.nrOfSteps):
            info = proxies.taskRegistry.getStepInfo(taskInfo.id, i + 1, None).entity
            print '#' + str(i + 1) + '  ' + info.state + '\t' + info.description
        deployit.cancelTask(taskInfo.id)
    ''')
    result = cli.script(source, "-expose-proxies")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("#1  PENDING\t"), result.stdout


# ------------------------------------------------------------------------- line numbers (item 5)

def test_traceback_line_after_a_rewritten_filter_is_the_script_line(cli):
    """fissix turns `filter(lambda ...,` spread over lines into one comprehension; later lines must
    keep their numbers, and the traceback shows the script's own text for them."""
    source = script('''
        hosts = ["web-1", "db-1",
                 "web-2"]
        web = filter(lambda h: h.startswith("web"),
                     hosts)
        upper = map(lambda h: h.upper(),
                    web)
        print "web hosts:", len(web)
        print upper[5]
    ''')
    result = cli.script(source, name="hosts.py")
    assert result.returncode == 1
    assert result.stdout == "web hosts: 2\n"
    assert 'hosts.py", line 8, in <module>' in result.stderr
    assert "    print upper[5]\n" in result.stderr
    assert result.stderr.rstrip().endswith("IndexError: list index out of range")


# ------------------------------------------------------------------- .properties files (item 17)

def test_server_conf_unicode_escape_is_the_character(tmp_path, cli):
    """`admin.password=caf\\u00e9` in the server's deployit.conf is the password café."""
    from tests.support.server import ServerProcess

    other = ServerProcess(tmp_path / "server", conf={"admin.password": "caf\\u00e9"}).start()
    try:
        cli.server = other
        result = cli.run("-q", *cli.connection_args("admin", "caf\u00e9"), "-f", str(_write(cli, "print 'in'\n")),
                         login=False)
    finally:
        other.stop()
    assert result.returncode == 0, result.stderr
    assert result.stdout == "in\n"


def test_cli_conf_unicode_escape_is_the_character(cli):
    """`cli.username=ren\\u00e9` in the CLI's deployit.conf logs in as rené."""
    created = cli.script("security.createUser(u'ren\\u00e9', 'secret')\n"
                         "security.assignRole('renes', [u'ren\\u00e9'])\n"
                         "security.grant('login', 'renes')\n")
    assert created.returncode == 0, created.stderr
    conf = cli.home / ".deployit-cli" / "conf"
    conf.mkdir(parents=True)
    (conf / "deployit.conf").write_text("cli.username=ren\\u00e9\ncli.password=secret\n")
    result = cli.run("-q", "-host", "127.0.0.1", "-port", str(cli.server.port),
                     "-f", str(_write(cli, "print security.getRoles()\n")),
                     login=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['renes']\n"


def _write(cli, text: str, name: str = "script.py"):
    path = cli.cwd / name
    path.write_text(text)
    return path


# -------------------------------------------------------------- samples/maintenance (item 18)

def test_clean_versions_keeps_releases_over_candidates_and_composite_members(cli):
    from tests.cli.conftest import REPO_ROOT

    setup = cli.script(script('''
        for app in ("Applications/cleanme", "Applications/cleanme-suite"):
            repository.create(factory.configurationItem(app, "udm.Application"))
        for name in ("1.0", "1.1", "2.0-rc1", "2.0", "2.1", "nightly-7"):
            repository.create(factory.configurationItem("Applications/cleanme/" + name, "udm.DeploymentPackage"))
        repository.create(factory.configurationItem("Applications/cleanme-suite/1.0", "udm.CompositePackage",
                                                    {"packages": ["Applications/cleanme/1.0"]}))
    '''))
    assert setup.returncode == 0, setup.stderr
    clean = REPO_ROOT / "samples" / "maintenance" / "clean-versions.py"
    result = cli.run("-q", "-f", str(clean), "--", "--keep", "2", "Applications/cleanme")
    assert result.returncode == 0, result.stdout + result.stderr
    left = cli.script("print sorted(v.split('/')[-1] for v in repository.search('udm.Version', "
                      "'Applications/cleanme'))\n")
    assert left.stdout == "['1.0', '2.0', '2.1']\n", result.stdout
    assert "keeping the newest 2 and in use 1.0" in result.stdout
