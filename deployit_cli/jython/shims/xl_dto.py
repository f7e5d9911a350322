"""com.xebialabs.deployit.engine.api.dto: the shell's own classes under their Java names, for the
imports and isinstance() tests of scripts and extensions: ConfigurationItemId (`.id`, `.type`; what
`proxies.repository.query(...)` returns), Deployment (deployment.prepareInitial/prepareUpdate),
Control (deployit.prepareControlTask) and ValidatedConfigurationItem (every CI of the shell carries
its `.validations`)."""

from __future__ import annotations

from ...ci import ConfigurationItem as ValidatedConfigurationItem
from ...control import Control
from ...deployment import ConfigurationItemId, Deployment

__all__ = ["ConfigurationItemId", "Deployment", "Control", "ValidatedConfigurationItem"]
