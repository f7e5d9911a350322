"""The shell's objects (repository, factory, deployit, security) and ConfigurationItem, through scripts run
by the real CLI against the real server."""

import textwrap

import pytest


def run_ok(cli, source: str, *args: str) -> str:
    result = cli.script(textwrap.dedent(source), *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_factory_builds_a_ci_locally(cli, api):
    out = run_ok(cli, """
        h = factory.configurationItem('Infrastructure/local-only', 'overthere.SshHost', {'address': 'a1'})
        print(repr(h))
        print(h.id, h.type, h.name, h.address, h.port, h.os, list(h.tags))
        h.username = 'scott'
        h.tags.append('web')
        print(sorted(h.values.keys()))
        print(repository.exists(h.id))
    """)
    assert out.splitlines() == [
        "PyInstance: Infrastructure/local-only",
        "Infrastructure/local-only overthere.SshHost local-only a1 22 UNIX []",
        "['address', 'tags', 'username']",
        "False",
    ]


def test_factory_refuses_unknown_types_and_properties(cli):
    out = run_ok(cli, """
        for call in (lambda: factory.configurationItem('Infrastructure/x', 'overthere.NoSuchHost'),
                     lambda: factory.configurationItem('Infrastructure/x', 'overthere.SshHost', {'adress': 'a'})):
            try:
                call()
            except Exception as e:
                print(type(e).__name__ + ': ' + str(e))
        h = factory.configurationItem('Infrastructure/x', 'overthere.SshHost')
        try:
            h.adress
        except AttributeError as e:
            print('get: ' + str(e))
        try:
            h.adress = 'x'
        except AttributeError as e:
            print('set: ' + str(e))
    """)
    lines = out.splitlines()
    assert lines[0].startswith("DeployitException: Unknown type 'overthere.NoSuchHost'")
    assert lines[1] == ("AttributeError: CI type overthere.SshHost has no property 'adress' (CI Infrastructure/x). "
                        "Did you mean 'address'?")
    assert lines[2] == "get: " + lines[1][len("AttributeError: "):]
    assert lines[3] == lines[2].replace("get: ", "set: ")


def test_create_read_update_delete(cli, api):
    out = run_ok(cli, """
        h = factory.configurationItem('Infrastructure/crud-host', 'overthere.SshHost',
                                      {'address': 'h1', 'username': 'u', 'password': 'secret'})
        created = repository.create(h)
        print(created.id, created.address, created.password == '********')
        attrs = created._ci_attributes
        print(attrs.createdBy, attrs.lastModifiedBy, attrs.createdAt is not None, list(created.validations))
        read = repository.read('Infrastructure/crud-host')
        read.port = 2222
        read.tags = ['a', 'b']
        updated = repository.update(read)
        print(updated.port, sorted(updated.tags), updated.password == created.password)
        try:
            repository.read('Infrastructure/crud-missing')
        except Exception as e:
            print('missing: ' + str(e))
        repository.delete(updated)
        print(repository.exists('Infrastructure/crud-host'))
    """)
    assert out.splitlines() == [
        "Infrastructure/crud-host h1 True",
        "admin admin True []",
        "2222 ['a', 'b'] True",
        "missing: Repository entity Infrastructure/crud-missing not found.",
        "False",
    ]


def test_update_keeps_the_password_and_uses_the_token(cli, api):
    out = run_ok(cli, """
        h = repository.create(factory.configurationItem('Infrastructure/token-host', 'overthere.SshHost',
                                                        {'address': 'h', 'username': 'u', 'password': 'pw1'}))
        stale = repository.read(h.id)
        h.address = 'h2'
        repository.update(h)
        h.port = 2022  # the same object again: its token was refreshed by the first update
        repository.update(h)
        stale.address = 'h3'
        try:
            repository.update(stale)
        except Exception as e:
            print(e.status, 'stale' in str(e))
    """)
    assert out == "409 True\n"
    ci = api.get("/repository/ci/Infrastructure/token-host").json()
    assert ci["password"] == "********"
    assert (ci["address"], ci["port"]) == ("h2", 2022)


def test_lists_in_and_out(cli):
    # In a folder of its own: other tests leave hosts under Infrastructure on the shared server.
    out = run_ok(cli, """
        repository.create(factory.configurationItem('Infrastructure/lists', 'core.Directory'))
        cis = [factory.configurationItem('Infrastructure/lists/list-%d' % i, 'overthere.LocalHost') for i in range(3)]
        created = repository.create(cis)
        print([c.id for c in created])
        read = repository.read(['Infrastructure/lists/list-0', 'Infrastructure/lists/list-2'])
        print([c.name for c in read])
        for c in read:
            c.tags = ['batch']
        print([list(c.tags) for c in repository.update(read)])
        repository.delete(['Infrastructure/lists/list-0', created[1]])
        print(repository.search('overthere.LocalHost', 'Infrastructure/lists'))
        repository.delete(repository.search('overthere.LocalHost', 'Infrastructure/lists'))
        print(repository.search('overthere.LocalHost', 'Infrastructure/lists'))
    """)
    assert out.splitlines() == [
        "['Infrastructure/lists/list-0', 'Infrastructure/lists/list-1', 'Infrastructure/lists/list-2']",
        "['list-0', 'list-2']",
        "[['batch'], ['batch']]",
        "['Infrastructure/lists/list-2']",
        "[]",
    ]


def test_copy_move_rename_take_ids_or_cis(cli):
    out = run_ok(cli, """
        d = repository.create(factory.configurationItem('Infrastructure/cmr', 'core.Directory'))
        h = repository.create(factory.configurationItem('Infrastructure/cmr/h', 'overthere.LocalHost'))
        print(repository.copy(h, 'Infrastructure/cmr/h-copy').id)
        print(repository.rename('Infrastructure/cmr/h-copy', 'h-renamed').id)
        sub = repository.create(factory.configurationItem('Infrastructure/cmr/sub', 'core.Directory'))
        print(repository.move(h, sub.id + '/h').id)
        print(repository.search(None, 'Infrastructure/cmr'))
        print([e.action for e in repository.history('Infrastructure/cmr/sub/h')])
        repository.delete(d)
    """)
    assert out.splitlines() == [
        "Infrastructure/cmr/h-copy",
        "Infrastructure/cmr/h-renamed",
        "Infrastructure/cmr/sub/h",
        "['Infrastructure/cmr/h-renamed', 'Infrastructure/cmr/sub']",
        "['CREATE', 'MOVE']",
    ]


def test_search_variants_return_id_strings(cli):
    out = run_ok(cli, """
        import datetime
        repository.create(factory.configurationItem('Environments/search-env', 'udm.Environment'))
        repository.create(factory.configurationItem('Infrastructure/search-h', 'overthere.LocalHost'))
        ids = repository.search('udm.Environment')
        print('Environments/search-env' in ids, all(isinstance(i, str) for i in ids))
        print(repository.search('udm.Environment', 'Infrastructure'))
        print(repository.searchByName('search-h'), repository.searchByName('search-%'))
        future = datetime.datetime.now() + datetime.timedelta(days=1)
        past = datetime.datetime(2000, 1, 1)
        print('Infrastructure/search-h' in repository.search('overthere.Host', future),
              repository.search('overthere.Host', past))
        print([i.split('/')[-1] for i in repository.search(None, 'Environments') if i.endswith('search-env')])
    """)
    assert out.splitlines() == [
        "True True",
        "[]",
        "['Infrastructure/search-h'] ['Environments/search-env', 'Infrastructure/search-h']",
        "True []",
        "['search-env']",
    ]


def test_history_and_earlier_versions(cli):
    out = run_ok(cli, """
        h = repository.create(factory.configurationItem('Infrastructure/hist', 'overthere.SshHost', {'address': 'v1', 'username': 'u'}))
        h.address = 'v2'
        repository.update(h)
        for entry in repository.history(h.id):
            print(entry.version, entry.action, entry.changedBy)
        print(repository.readVersion(h.id, 1).address, repository.read(h.id).address)
    """)
    assert out.splitlines() == ["1 CREATE admin", "2 UPDATE admin", "v1 v2"]


def test_values_replace_and_synthetic_access(cli):
    out = run_ok(cli, """
        d = factory.configurationItem('Environments/vals-dict', 'udm.Dictionary', {'entries': {'a': '1'}})
        d.values = {'entries': {'b': '2', 'c': '3'}}
        d = repository.create(d)
        print(sorted(d.entries.items()))
        d.entries['d'] = '4'
        print(sorted(repository.update(d).entries))
        print(d.getSyntheticProperty('entries')['b'], d.values._ci.getSyntheticProperties()['entries']['c'])
        print(d.getId(), d.getType(), d.getName())
    """)
    assert out.splitlines() == ["[('b', '2'), ('c', '3')]", "['b', 'c', 'd']", "2 3",
                                "Environments/vals-dict udm.Dictionary vals-dict"]


def test_references_as_id_strings(cli):
    out = run_ok(cli, """
        host = repository.create(factory.configurationItem('Infrastructure/ref-host', 'overthere.LocalHost'))
        d = repository.create(factory.configurationItem('Environments/ref-dict', 'udm.Dictionary'))
        env = factory.configurationItem('Environments/ref-env', 'udm.Environment')
        env.members = [host.id]
        env.dictionaries = [d]
        env = repository.create(env)
        print(list(env.members), list(env.dictionaries))
        env.members = env.members + ['Infrastructure/ref-host']
        print(repository.read(env.members[0]).type)
    """)
    assert out.splitlines() == ["['Infrastructure/ref-host'] ['Environments/ref-dict']", "overthere.LocalHost"]


def test_describe_in_the_documented_format(cli):
    out = run_ok(cli, "deployit.describe('udm.Dictionary')\ndeployit.describe('overthere.SshHost')\n")
    lines = out.splitlines()
    assert lines[0] == "ConfigurationItem udm.Dictionary:"
    assert lines[1].startswith("Description: ")
    assert lines[2:4] == ["Control tasks:", "Properties:"]
    assert lines[4].startswith("    - entries(MAP_STRING_STRING): ")
    assert any(line.startswith("    - restrictToContainers(Set<udm.Container>): ") for line in lines)
    assert "\n    - *address(STRING): " in out.split("ConfigurationItem overthere.SshHost:")[1]
    assert lines[lines.index("") + 1:lines.index("") + 3] == [
        "Properties marked with a '!' are required for discovery.", "Properties marked with a '*' are required."]


def test_print_masks_passwords(cli):
    out = run_ok(cli, """
        h = repository.create(factory.configurationItem('Infrastructure/print-host', 'overthere.SshHost',
                                                        {'address': 'p.example.com', 'username': 'u', 'password': 'topsecret'}))
        deployit.print(h)
        deployit.print(factory.configurationItem('Infrastructure/unsaved', 'overthere.SshHost', {'password': 'x'}))
    """)
    assert out.startswith("overthere.SshHost Infrastructure/print-host:\n")
    assert "    address" in out and ": p.example.com" in out
    assert "topsecret" not in out and "{b64}" not in out
    assert out.count(": ********") == 2


def test_help_texts(cli):
    out = run_ok(cli, "factory.help()\nrepository.help('read')\nrepository.help('nothing')\nhelp()\n")
    assert out.startswith(
        "factory: Helper that can construct Configuration Items (CI) and Artifacts\n\n"
        "The methods available are:\n"
        "* factory.artifact(String id, String ciType, Map values, byte[] data) : ArtifactAndData - DEPRECATED\n"
        "* factory.artifactAsInputStream(String id, String ciType, Map values, InputStream data) : ArtifactAndData\n"
        "* factory.configurationItem(String id, String ciType) : ConfigurationItem\n"
        "* factory.configurationItem(String id, String ciType, Map values) : ConfigurationItem\n"
        "* factory.types() : void\n\n"
        "repository.read(String id) : ConfigurationItem\nrepository.read(List ids) : List\n\n    Read a CI")
    assert "There is no method 'nothing' on repository." in out
    assert ("XL Deploy Objects available on the CLI:\n\n* deployit: The main gateway to interfacing with XL Deploy.\n"
            in out)
    assert 'type <objectname>.help("<methodname>")\n' in out


def test_types_and_descriptor_registry(cli):
    out = run_ok(cli, """
        factory.types()
        d = DescriptorRegistry.getDescriptor('udm.Environment')
        names = [p.name for p in d.propertyDescriptors]
        print('members' in names and 'dictionaries' in names, d.getPropertyDescriptor('members').kind)
        print(d.isAssignableTo('udm.ConfigurationItem'), len(DescriptorRegistry.getDescriptors()) > 10)
    """)
    lines = out.splitlines()
    assert "udm.Environment" in lines and "overthere.SshHost" in lines
    assert lines[-2:] == ["True SET_OF_CI", "True True"]


def test_server_info(cli):
    out = run_ok(cli, "info = deployit.info()\nprint(info['version'] is not None)\n")
    assert out == "True\n"


def test_security_login_and_logout(cli):
    out = run_ok(cli, """
        try:
            security.login('admin', 'wrong')
        except Exception as e:
            print(str(e).startswith('Login failed for user admin'))
        print(repository.exists('Infrastructure'))
        security.logout()
        try:
            repository.exists('Infrastructure')
        except Exception as e:
            print(e)
        security.login('admin', 'admin')
        print(repository.exists('Infrastructure'))
    """)
    assert out.splitlines() == [
        "True", "True", "You are not logged in; use security.login(username, password) first.", "True"]


def test_artifact_upload(cli, api):
    out = run_ok(cli, """
        repository.create(factory.configurationItem('Applications/upload-app', 'udm.Application'))
        repository.create(factory.configurationItem('Applications/upload-app/1.0', 'udm.DeploymentPackage'))
        art = factory.artifact('Applications/upload-app/1.0/conf', 'file.File', {'fileName': 'app.conf'},
                               b'key=value\\n')
        stored = repository.create(art)
        print(stored.type, len(stored.checksum))
        art2 = factory.artifactAsInputStream('Applications/upload-app/1.0/other', 'file.File', {},
                                             open(__file__, 'rb'))
        print(repository.create(art2).id)
    """)
    assert out.splitlines() == ["file.File 40", "Applications/upload-app/1.0/other"]
    assert api.get("/repository/artifact/Applications/upload-app/1.0/conf").content == b"key=value\n"


def test_java_style_collections_when_the_jython_layer_is_there(cli):
    from deployit_cli import compat
    if compat.jython() is None:
        pytest.skip("the jython compatibility layer is not installed yet")
    out = run_ok(cli, """
        repository.create(factory.configurationItem('Infrastructure/java', 'core.Directory'))
        repository.create(factory.configurationItem('Infrastructure/java/h', 'overthere.LocalHost'))
        ids = repository.search('overthere.LocalHost', 'Infrastructure/java')
        print(ids.size(), ids.get(0), ids.isEmpty(), ids.contains('Infrastructure/java/h'))
        d = factory.configurationItem('Environments/java-d', 'udm.Dictionary', {'entries': {'k': 'v'}})
        print(d.entries.containsKey('k'), [e.getKey() + '=' + e.getValue() for e in d.entries.entrySet()])
        print(d.values.get('entries').get('k'))
    """)
    assert out.splitlines() == ["1 Infrastructure/java/h False True", "True ['k=v']", "v"]


def test_deployit_print_in_a_python2_script(cli):
    """`print` is a keyword in Python 2 but Jython took `deployit.print(ci)`; so must we."""
    out = run_ok(cli, """
        h = factory.configurationItem('Infrastructure/py2-print', 'overthere.SshHost', {'password': 'x'})
        print "printing"
        deployit.print(h)
    """)
    assert out.startswith("printing\noverthere.SshHost Infrastructure/py2-print:\n")
