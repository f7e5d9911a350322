"""The type system: built-in types as data, users' synthetic.xml plugins, defaults overrides."""

import pytest

from server.types import PropertyKind, TypeRegistry, TypeSystemError, load_registry
from server.types.registry import builtin_sources

SYNTHETIC = '<synthetic xmlns="http://www.xebialabs.com/deployit/synthetic">{}</synthetic>'


@pytest.fixture(scope="module")
def builtin():
    return load_registry()


def registry_with(xml: str, defaults=None) -> TypeRegistry:
    registry = TypeRegistry()
    for source, text in builtin_sources():
        registry.add_xml(text, source)
    registry.add_xml(SYNTHETIC.format(xml), "test-plugin.xml")
    return registry.build(defaults)


def test_builtin_types_the_issue_names_exist(builtin):
    for name in ("udm.BaseConfigurationItem", "core.Directory", "udm.Application", "udm.DeploymentPackage",
                 "udm.CompositePackage", "udm.Environment", "udm.Dictionary", "udm.EncryptedDictionary",
                 "udm.DeployedApplication", "overthere.LocalHost", "overthere.SshHost", "file.File", "file.Folder",
                 "file.Archive", "file.DeployedFile", "file.DeployedFolder", "file.DeployedArchive", "cmd.Command",
                 "cmd.DeployedCommand", "generic.Container", "generic.ExecutedScript", "generic.CopiedArtifact",
                 "sql.SqlScripts", "sql.ExecutedSqlScripts", "sql.SqliteClient", "sql.PostgreSqlClient"):
        assert name in builtin, name


def test_every_property_kind_is_used_by_builtin_types(builtin):
    kinds = {p.kind for t in builtin.types.values() for p in t.properties.values()}
    assert kinds == set(PropertyKind) - {PropertyKind.DATE}  # DATE is for internal use and plugins


def test_dictionary_descriptor_matches_xl_deploy(builtin):
    desc = builtin.get("udm.Dictionary").to_json()
    props = {p["name"]: p for p in desc["properties"]}
    assert props["entries"]["kind"] == "MAP_STRING_STRING"
    assert props["restrictToContainers"]["kind"] == "SET_OF_CI"
    assert props["restrictToContainers"]["referencedType"] == "udm.Container"
    assert props["encryptedEntries"]["password"] is True
    assert "udm.BaseConfigurationItem" in desc["superTypes"]
    assert "udm.ConfigurationItem" in desc["interfaces"]
    assert desc["virtual"] is False


def test_inheritance_and_interfaces(builtin):
    assert builtin.is_a("file.File", "udm.Deployable")
    assert builtin.is_a("file.File", "udm.Artifact")
    assert builtin.is_a("overthere.SshHost", "udm.Container")
    assert builtin.is_a("overthere.SshHost", "overthere.HostContainer")
    assert not builtin.is_a("udm.Environment", "udm.Container")
    assert "overthere.SshHost" in builtin.subtypes("overthere.Host")
    assert "overthere.Host" not in builtin.subtypes("overthere.Host", include_virtual=False)
    ssh = builtin.get("overthere.SshHost")
    assert ssh.properties["port"].default == 22
    assert ssh.properties["password"].password
    assert ssh.properties["os"].enum_values[:2] == ["UNIX", "WINDOWS"]
    assert "checkConnection" in ssh.methods


def test_deployed_type_for_each_builtin_pair(builtin):
    assert builtin.deployed_types_for("file.File", "overthere.SshHost") == ["file.DeployedFile"]
    assert builtin.deployed_types_for("file.Folder", "overthere.LocalHost") == ["file.DeployedFolder"]
    assert builtin.deployed_types_for("cmd.Command", "overthere.LocalHost") == ["cmd.DeployedCommand"]
    assert builtin.deployed_types_for("sql.SqlScripts", "sql.SqliteClient") == ["sql.ExecutedSqlScripts"]
    assert builtin.deployed_types_for("file.File", "sql.SqliteClient") == []


def test_user_plugin_type_modification_and_generate_deployable():
    registry = registry_with("""
      <type type="acme.Server" extends="udm.BaseContainer">
        <property name="home" description="Install folder"/>
        <property name="mode" kind="enum" default="fast"><enum-values><value>fast</value><value>safe</value></enum-values></property>
        <method name="restart" label="Restart"/>
      </type>
      <type type="acme.DeployedScript" extends="generic.ExecutedScript" deployable-type="acme.Script"
            container-type="acme.Server">
        <generate-deployable type="acme.Script" extends="generic.Resource" copy-default-values="true"/>
        <property name="port" kind="integer" default="8080"/>
        <property name="secret" password="true" required="false"/>
      </type>
      <type-modification type="overthere.SshHost">
        <property name="rack" required="false" category="Placement"/>
        <property name="port" default="2222"/>
      </type-modification>""")
    server = registry.get("acme.Server")
    assert server.properties["home"].required is True
    assert server.properties["mode"].default == "fast"
    assert "restart" in server.methods
    script = registry.get("acme.Script")
    assert script.properties["port"].kind == PropertyKind.STRING
    assert script.properties["port"].default == "8080"
    assert script.properties["port"].required is False
    assert registry.deployed_types_for("acme.Script", "acme.Server") == ["acme.DeployedScript"]
    ssh = registry.get("overthere.SshHost")
    assert ssh.properties["rack"].category == "Placement"
    assert ssh.properties["port"].default == 2222 and ssh.properties["port"].kind == PropertyKind.INTEGER


def test_defaults_properties_override_and_are_inherited():
    registry = load_registry(defaults={"overthere.Host.temporaryDirectoryPath": "/var/tmp/xl",
                                       "overthere.SshHost.port": "2022",
                                       "udm.BaseDeployableArtifact.scanPlaceholders": "false"})
    assert registry.get("overthere.SshHost").properties["temporaryDirectoryPath"].default == "/var/tmp/xl"
    assert registry.get("overthere.LocalHost").properties["temporaryDirectoryPath"].default == "/var/tmp/xl"
    assert registry.get("overthere.SshHost").properties["port"].default == 2022
    assert registry.get("file.File").properties["scanPlaceholders"].default is False


@pytest.mark.parametrize("xml, message", [
    ('<type type="a.B" extends="no.Such"/>', "no.Such"),
    ('<type type="a.B" extends="udm.BaseContainer"><property name="x" hidden="true"/></type>', "must have a default"),
    ('<type type="a.B" extends="udm.BaseContainer"><property name="x" kind="enum"/></type>', "enum"),
    ('<type type="a.B" extends="udm.BaseContainer"><property name="x" kind="float"/></type>', "unknown kind"),
    ('<type type="a.B" extends="udm.BaseContainer"><property name="x" kind="integer" default="ten"/></type>',
     "not an integer"),
    ('<type type="udm.Environment" extends="udm.BaseConfigurationItem"/>', "already defined"),
    ('<type-modification type="no.Such"><property name="x"/></type-modification>', "unknown type"),
    ('<type type="a.B" extends="udm.BaseContainer"><property name="r" kind="ci" referenced-type="x.Y"/></type>',
     "x.Y"),
])
def test_bad_plugins_are_refused_with_a_message(xml, message):
    with pytest.raises(TypeSystemError, match=message):
        registry_with(xml)


def test_malformed_and_hostile_xml_is_refused(tmp_path):
    (tmp_path / "broken.xml").write_text("<synthetic><type")
    with pytest.raises(TypeSystemError, match="broken.xml"):
        load_registry(tmp_path)
    (tmp_path / "broken.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><synthetic>&b;</synthetic>')
    with pytest.raises(TypeSystemError, match="broken.xml"):
        load_registry(tmp_path)


def test_the_sample_plugin_loads(tmp_path):
    import shutil
    from pathlib import Path
    sample = Path(__file__).resolve().parents[2] / "samples" / "plugins" / "tomcat-synthetic.xml"
    shutil.copy(sample, tmp_path)
    registry = load_registry(tmp_path)
    assert registry.deployed_types_for("tomcat.War", "tomcat.Server") == ["tomcat.DeployedWar"]
    assert registry.is_a("tomcat.War", "udm.Artifact")
    assert registry.get("overthere.SshHost").properties["datacenter"].category == "Placement"


@pytest.mark.parametrize("client, names", [
    ("sql.OracleClient", ["oraHome", "sid"]),
    ("sql.MySqlClient", ["mySqlHome"]),
    ("sql.PostgreSqlClient", ["postgreSqlHome"]),
    ("sql.DB2Client", ["db2Home"]),
])
def test_sql_clients_take_the_properties_xl_deploys_database_plugin_defines(builtin, client, names):
    """Definitions written for XL Deploy (YAML, scripts, exports) set the client's install home by XL Deploy's
    own property name."""
    props = builtin.get(client).properties
    for name in names:
        assert name in props and props[name].kind == PropertyKind.STRING and not props[name].required, name


# Properties XL Deploy's plugin references define (Remoting, Generic, File, Command and Database plugins), with the
# kind, default and hidden flag they have there. Inherited ones are checked on the concrete types users create.
S, B, I, E, SET, MAP = (PropertyKind.STRING, PropertyKind.BOOLEAN, PropertyKind.INTEGER, PropertyKind.ENUM,
                        PropertyKind.SET_OF_STRING, PropertyKind.MAP_STRING_STRING)
XL_DEPLOY_PROPERTIES = [
    # overthere.Host, inherited by every host type
    ("overthere.LocalHost", "tmpDeleteOnDisconnect", B, True, True),
    ("overthere.LocalHost", "tmpFileCreationRetries", I, 1000, True),
    ("overthere.SshHost", "tmpDeleteOnDisconnect", B, True, True),
    ("overthere.CifsHost", "tmpFileCreationRetries", I, 1000, True),
    ("overthere.SshHost", "connectionTimeoutMillis", I, 1200000, True),
    # overthere.SshHost
    ("overthere.SshHost", "allocatePty", S, None, False),
    ("overthere.SshHost", "interactiveKeyboardAuthRegex", S, ".*Password:[ ]?", True),
    ("overthere.SshHost", "openShellBeforeExecute", B, False, True),
    ("overthere.SshHost", "sudoQuoteCommand", B, False, True),
    ("overthere.SshHost", "sudoOverrideUmask", B, True, True),
    ("overthere.SshHost", "sudoPreserveAttributesOnCopyFromTempFile", B, True, True),
    ("overthere.SshHost", "sudoPreserveAttributesOnCopyToTempFile", B, True, True),
    ("overthere.SshHost", "suQuoteCommand", B, True, True),
    ("overthere.SshHost", "suOverrideUmask", B, True, True),
    ("overthere.SshHost", "suPreserveAttributesOnCopyFromTempFile", B, True, True),
    ("overthere.SshHost", "suPreserveAttributesOnCopyToTempFile", B, True, True),
    # overthere.SshJumpstation
    ("overthere.SshJumpstation", "connectionTimeoutMillis", I, 1200000, True),
    ("overthere.SshJumpstation", "portAllocationRangeStart", I, 1025, True),
    # overthere.CifsHost and overthere.SmbHost (WinRM options)
    ("overthere.CifsHost", "winrmContext", S, "/wsman", True),
    ("overthere.CifsHost", "winrmEnvelopSize", I, 153600, True),
    ("overthere.CifsHost", "winrmLocale", S, "en-US", True),
    ("overthere.CifsHost", "winrmTimeout", S, "PT60.000S", True),
    ("overthere.CifsHost", "winrmHttpsCertificateTrustStrategy", E, "STRICT", True),
    ("overthere.CifsHost", "winrmHttpsHostnameVerificationStrategy", E, "STRICT", True),
    ("overthere.CifsHost", "winrmKerberosDebug", B, False, True),
    ("overthere.CifsHost", "winrmKerberosAddPortToSpn", B, False, True),
    ("overthere.CifsHost", "winrmKerberosUseHttpSpn", B, False, True),
    ("overthere.CifsHost", "winrsAllowDelegate", B, False, True),
    ("overthere.CifsHost", "winrsCompression", B, False, True),
    ("overthere.CifsHost", "winrsNoecho", B, False, True),
    ("overthere.CifsHost", "winrsNoprofile", B, False, True),
    ("overthere.CifsHost", "winrsUnencrypted", B, False, True),
    ("overthere.SmbHost", "smbPort", I, 445, False),
    ("overthere.SmbHost", "smbRequireSigning", B, False, False),
    ("overthere.SmbHost", "connectionType", E, "WINRM_INTERNAL", False),
    ("overthere.SmbHost", "port", I, 5985, False),
    ("overthere.SmbHost", "os", E, "WINDOWS", False),
    ("overthere.SmbHost", "pathShareMappings", MAP, None, False),
    ("overthere.SmbHost", "winrmEnableHttps", B, False, False),
    ("overthere.SmbHost", "winrmTimeout", S, "PT60.000S", True),
    ("overthere.SmbHost", "protocol", S, "smb", True),
    # generic.*
    ("generic.Container", "inspectClasspathResources", SET, None, True),
    ("generic.NestedContainer", "inspectTemplateClasspathResources", SET, None, True),
    ("generic.ExecutedScript", "inspectScript", S, None, False),
    ("generic.CopiedArtifact", "inspectClasspathResources", SET, None, True),
    ("generic.ProcessedTemplate", "inspectTemplateClasspathResources", SET, None, True),
    ("generic.ExecutedScript", "remoteWorkingDirectoryPath", S, None, False),
    ("generic.ExecutedScript", "retainRemoteWorkingDirectory", B, False, True),
    ("generic.ExecutedScriptWithDerivedArtifact", "remoteWorkingDirectoryPath", S, None, False),
    ("generic.ExecutedFolder", "classpathResources", SET, None, True),
    ("generic.ExecutedFolder", "templateClasspathResources", SET, None, True),
    # file.*
    ("file.Folder", "targetFileName", S, None, False),
    ("file.Archive", "targetFileName", S, None, False),
    ("file.DeployedFolder", "targetFileName", S, None, False),
    ("file.DeployedArchive", "targetFileName", S, None, False),
    # cmd.*
    ("cmd.DeployedCommand", "rerunCommand", B, False, False),
    # sql.*
    ("sql.PostgreSqlClient", "envVars", MAP, None, False),
    ("sql.SqliteClient", "envVars", MAP, None, False),
    ("sql.MsSqlClient", "serverName", S, None, False),
]


@pytest.mark.parametrize("type_name, name, kind, default, hidden", XL_DEPLOY_PROPERTIES,
                         ids=[f"{t}.{n}" for t, n, *_ in XL_DEPLOY_PROPERTIES])
def test_builtin_types_have_the_properties_xl_deploys_plugins_define(builtin, type_name, name, kind, default, hidden):
    """Scripts, YAML and exports written for XL Deploy set these; each exists with XL Deploy's kind and default,
    is optional, and is hidden where XL Deploy hides it."""
    prop = builtin.get(type_name).properties.get(name)
    assert prop is not None, f"{type_name} has no {name}"
    required = type_name == "overthere.SmbHost" and name in ("smbPort", "connectionType", "port", "os")
    assert (prop.kind, prop.hidden, prop.required) == (kind, hidden, required)
    if kind in (SET, MAP):
        assert not prop.default
    else:
        assert prop.default == default


def test_properties_not_acted_on_say_so(builtin):
    """A property that is accepted but changes nothing says so in its description, so nobody relies on it."""
    for type_name, name in [("overthere.SshHost", "sudoOverrideUmask"), ("overthere.SshHost", "openShellBeforeExecute"),
                            ("overthere.CifsHost", "winrmLocale"), ("generic.ExecutedScript", "remoteWorkingDirectoryPath"),
                            ("overthere.SshJumpstation", "portAllocationRangeStart")]:
        assert "Accepted, not acted on" in builtin.get(type_name).properties[name].description, name
