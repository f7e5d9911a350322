"""com.xebialabs.deployit.plugin.api.reflect.Type: a CI type name (`Type.valueOf("udm.Environment")`),
a string with Java's getPrefix()/getName()."""

from __future__ import annotations

from ..beans import JavaBean


class Type(JavaBean, str):
    @staticmethod
    def valueOf(name, *more):
        return Type(name if not more else f"{name}.{more[0]}")

    def getPrefix(self) -> str:
        return self.rpartition(".")[0]

    def getName(self) -> str:
        return self.rpartition(".")[2]

    def toString(self) -> str:
        return str(self)

    def equals(self, other) -> bool:
        return self == other


__all__ = ["Type"]
