"""com.xebialabs.deployit.plugin.api.reflect: `Type`, a CI type name (`Type.valueOf("udm.Environment")`)
that is a string with Java's getPrefix()/getName(), and `DescriptorRegistry`, the type descriptors of
the server the shell is logged in to (the same object as the `DescriptorRegistry` global)."""

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


def __getattr__(name):
    if name == "DescriptorRegistry":  # bound to the session when the shell starts
        from ...descriptors import SCRIPT_REGISTRY

        return SCRIPT_REGISTRY
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Type", "DescriptorRegistry"]  # noqa: F822 (DescriptorRegistry comes from __getattr__)
