"""com.xebialabs.deployit.plugin.api.udm and .udm.artifact: the CI interfaces scripts test CIs
against, as in `isinstance(ci.values._ci, Artifact)`.

Each stands for a udm type: a CI of the shell is an instance when its type is that type, extends it
or implements it (as the server's type descriptors say), so `isinstance(ci, ConfigurationItem)`
holds for every CI and `isinstance(ci, Artifact)` for file.File, file.Folder, ...
"""

from __future__ import annotations


class CiInterface(type):
    """The metaclass of the udm interfaces: isinstance() asks the CI's type registry."""

    udm_type = "udm.ConfigurationItem"

    def __instancecheck__(cls, instance) -> bool:
        from ...ci import ConfigurationItem as ShellCi

        if not isinstance(instance, ShellCi):
            return False
        if instance.type == cls.udm_type:
            return True
        registry = instance._registry
        return registry is not None and registry.is_a(instance.type, cls.udm_type)

    def __repr__(cls) -> str:
        return f"<interface {cls.__module__}.{cls.__name__} ({cls.udm_type})>"


def _interface(name: str, udm_type: str) -> CiInterface:
    return CiInterface(name, (), {"udm_type": udm_type, "__doc__": f"A CI whose type is or implements {udm_type}."})


ConfigurationItem = _interface("ConfigurationItem", "udm.ConfigurationItem")
Deployable = _interface("Deployable", "udm.Deployable")
Deployed = _interface("Deployed", "udm.Deployed")
Container = _interface("Container", "udm.Container")
Version = _interface("Version", "udm.Version")
DeploymentPackage = _interface("DeploymentPackage", "udm.DeploymentPackage")
Application = _interface("Application", "udm.Application")
Environment = _interface("Environment", "udm.Environment")
DeployedApplication = _interface("DeployedApplication", "udm.DeployedApplication")
Dictionary = _interface("Dictionary", "udm.Dictionary")
EmbeddedDeployable = _interface("EmbeddedDeployable", "udm.EmbeddedDeployable")
EmbeddedDeployed = _interface("EmbeddedDeployed", "udm.EmbeddedDeployed")

# com.xebialabs.deployit.plugin.api.udm.artifact
Artifact = _interface("Artifact", "udm.Artifact")
SourceArtifact = _interface("SourceArtifact", "udm.SourceArtifact")
DeployableArtifact = _interface("DeployableArtifact", "udm.DeployableArtifact")
DeployedArtifact = _interface("DeployedArtifact", "udm.DeployedArtifact")
FileArtifact = _interface("FileArtifact", "udm.FileArtifact")
FolderArtifact = _interface("FolderArtifact", "udm.FolderArtifact")

UDM = ["ConfigurationItem", "Deployable", "Deployed", "Container", "Version", "DeploymentPackage", "Application",
       "Environment", "DeployedApplication", "Dictionary", "EmbeddedDeployable", "EmbeddedDeployed"]
ARTIFACT = ["Artifact", "SourceArtifact", "DeployableArtifact", "DeployedArtifact", "FileArtifact", "FolderArtifact"]
__all__ = UDM + ["CiInterface"]  # the artifact ones are in xl_udm_artifact, as in Java
