"""com.xebialabs.deployit.engine.api.dto: ConfigurationItemId, what repository queries of the REST
proxies return (`proxies.repository.query(...)`): an id and a Type."""

from __future__ import annotations

from ..beans import JavaBean
from .xl_reflect import Type


class ConfigurationItemId(JavaBean):
    """A CI reference: `.id` and `.type` (a Type); equal to another with the same id."""

    __slots__ = ("_id", "_type")

    def __init__(self, id, type=None):  # noqa: A002 - Java's names
        self._id = str(id)
        self._type = Type(str(type)) if type is not None else None

    @property
    def id(self) -> str:
        return self._id

    @property
    def type(self):
        return self._type

    def getId(self) -> str:
        return self._id

    def getType(self):
        return self._type

    def __eq__(self, other):
        if isinstance(other, ConfigurationItemId):
            return self._id == other._id
        return self._id == other if isinstance(other, str) else NotImplemented

    def __hash__(self):
        return hash(self._id)

    def __str__(self) -> str:
        return self._id

    def __repr__(self) -> str:
        return f"ConfigurationItemId({self._id}, {self._type})"

    toString = __str__


__all__ = ["ConfigurationItemId"]
