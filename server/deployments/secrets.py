"""Secrets in deployments: ciphertext in the Deployment JSON, hidden in the steps of a task.

Planning works on clear values. Passwords and secret placeholder values leave in the Deployment JSON
as `{b64}` ciphertext (`conceal`) and come back in that form (`reveal`). A step parameter holding a
secret stays encrypted, and so does any parameter text containing one (a rule may build a command
line from a password): `in_plan` lists the secrets one plan may use, `hide` encrypts the texts
holding them.
"""

from __future__ import annotations

from ..planning.model import Deployment, Snapshot
from ..types import TypeRegistry


class DeploymentSecrets:
    def __init__(self, secrets, types: TypeRegistry):
        self.secrets = secrets
        self.types = types

    def conceal(self, text: str) -> str:
        return self.secrets.encrypt(str(text))

    def reveal(self, text: str) -> tuple[str, bool]:
        """(clear text, whether it was encrypted)."""
        if self.secrets.is_encrypted(text):
            return self.secrets.decrypt(text), True
        return text, False

    def is_encrypted(self, text: str) -> bool:
        return self.secrets.is_encrypted(text)

    def hide(self, value, secrets: frozenset):
        """The value with every text that holds one of `secrets` encrypted."""
        if isinstance(value, str):
            if not self.secrets.is_encrypted(value) and any(secret in value for secret in secrets):
                return self.conceal(value)
            return value
        if isinstance(value, dict):
            return {k: self.hide(v, secrets) for k, v in value.items()}
        if isinstance(value, list):
            return [self.hide(v, secrets) for v in value]
        return value

    def in_plan(self, deployment: Deployment, snap: Snapshot) -> frozenset:
        """The clear text of every secret a plan may use: password values of the CIs read, of the
        deployeds (new and previous), secret dictionary entries and secret placeholders."""
        found: set = set()

        def of_ci(type_name: str, props: dict) -> None:
            desc = self.types.get(type_name)
            for prop in (desc.properties.values() if desc else ()):
                value = props.get(prop.name)
                if prop.password and isinstance(value, str):
                    found.add(value)
                elif prop.password and isinstance(value, dict):
                    found.update(v for v in value.values() if isinstance(v, str))

        for ci in snap.cis.values():
            of_ci(ci.type, ci.properties)
        for dictionary in snap.dictionaries:
            found.update(v for k, v in dictionary.entries.items()
                         if k in dictionary.secret_keys and isinstance(v, str))
        for top in list(deployment.deployeds) + list(snap.previous_deployeds):
            for item in top.walk():
                of_ci(item.type, item.properties)
                placeholders = item.properties.get("placeholders")
                if isinstance(placeholders, dict):
                    found.update(placeholders[k] for k in item.secret_placeholders
                                 if isinstance(placeholders.get(k), str))
        return frozenset(v for v in found if len(v) >= 3 and not self.secrets.is_encrypted(v))
