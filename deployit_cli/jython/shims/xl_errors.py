"""The XL Deploy exceptions scripts catch, as the shell raises them:
com.xebialabs.deployit.booter.remote.resteasy.DeployitClientException (any error answer of the
server: the shell's DeployitException) and
com.xebialabs.deployit.security.authentication.UserAlreadyExistsException (security.createUser
for a user that exists)."""

from __future__ import annotations

from ...client import DeployitException as DeployitClientException
from ...objects.security import UserAlreadyExistsException

__all__ = ["DeployitClientException", "UserAlreadyExistsException"]
