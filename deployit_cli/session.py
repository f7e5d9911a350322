"""The state a running shell shares between its objects: the REST client and the type cache."""

from __future__ import annotations

from .ci import ConfigurationItem
from .descriptors import TypeRegistry


class Session:
    def __init__(self, client, quiet: bool = False):
        self.client = client
        self.types = TypeRegistry(client)
        self.quiet = quiet  # -q: no banner, and no live progress display while waiting for tasks

    def ci(self, data: dict) -> ConfigurationItem:
        """A CI from its REST JSON."""
        return ConfigurationItem.from_json(data, self.types)

    def new_ci(self, ci_id, ci_type, values=None) -> ConfigurationItem:
        return ConfigurationItem(ci_id, ci_type, values, registry=self.types)
