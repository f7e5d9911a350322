"""com.xebialabs.deployit.engine.api.execution: the task, block and step state enums.

A member is a str subclass holding its name, so `task.state == TaskExecutionState.EXECUTED` holds
whether `task.state` is the member or the plain string "EXECUTED", and `str()` gives the name.
Java's `name()`, `ordinal()`, `valueOf()`, `values()` are there, plus the state predicates
(isActive/isPassive/isFinal/isExecutionHalted; which states each covers is our reading of the
task life cycle: active = the engine is working on it, passive = waiting for a user's action,
final = archived or cancelled).
"""

from __future__ import annotations

from ..beans import JavaBean


class _JavaEnumType(type):
    def __iter__(cls):
        return iter(cls._members)

    def __len__(cls):
        return len(cls._members)

    def __contains__(cls, item):
        return item in cls._by_name


class JavaEnum(JavaBean, str, metaclass=_JavaEnumType):
    """Base of the Java enums: members are their names, as strings."""

    _members: tuple = ()
    _by_name: dict = {}

    def __new__(cls, name: str, ordinal: int = 0):
        member = str.__new__(cls, name)
        member._ordinal = ordinal
        return member

    def name(self) -> str:
        return str.__str__(self)

    def ordinal(self) -> int:
        return self._ordinal

    def toString(self) -> str:
        return str.__str__(self)

    def equals(self, other) -> bool:
        return self == other

    def compareTo(self, other) -> int:
        other = type(self).valueOf(other).ordinal()
        return (self._ordinal > other) - (self._ordinal < other)

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return str.__str__(self)

    def __reduce__(self):
        return type(self).valueOf, (str.__str__(self),)

    __hash__ = str.__hash__
    __eq__ = str.__eq__

    @classmethod
    def values(cls):
        from ..javacollections import JavaList

        return JavaList(cls._members)

    @classmethod
    def valueOf(cls, name):
        try:
            return cls._by_name[str(name)]
        except KeyError:
            raise ValueError(f"No enum constant {cls.__name__}.{name}") from None

    @classmethod
    def _define(cls, names):
        members = tuple(cls(name, i) for i, name in enumerate(names))
        for member in members:
            setattr(cls, str.__str__(member), member)
        cls._members = members
        cls._by_name = {str.__str__(m): m for m in members}
        return cls


def _in(*names):
    names = frozenset(names)
    return lambda self: str.__str__(self) in names


class TaskExecutionState(JavaEnum):
    isActive = _in("QUEUED", "EXECUTING", "STOPPING", "FAILING", "ABORTING", "CANCELLING")
    isPassive = _in("PENDING", "SCHEDULED", "EXECUTED", "STOPPED", "FAILED", "ABORTED")
    isFinal = _in("DONE", "CANCELLED")
    isExecutionHalted = _in("STOPPED", "FAILED", "ABORTED")
    isExecuting = _in("EXECUTING", "STOPPING", "FAILING", "ABORTING")


TaskExecutionState._define([
    "PENDING", "QUEUED", "SCHEDULED", "EXECUTING", "EXECUTED", "STOPPING", "STOPPED", "FAILING", "FAILED",
    "ABORTING", "ABORTED", "CANCELLING", "CANCELLED", "DONE",
])


class StepExecutionState(JavaEnum):
    isFinal = _in("DONE", "SKIPPED")
    isActive = _in("EXECUTING")
    isPassive = _in("PENDING", "SKIP", "PAUSED", "FAILED")


StepExecutionState._define(["PENDING", "SKIP", "EXECUTING", "PAUSED", "FAILED", "DONE", "SKIPPED"])


class BlockExecutionState(JavaEnum):
    isActive = _in("EXECUTING", "STOPPING", "FAILING", "ABORTING")
    isFinal = _in("DONE", "SKIPPED")


BlockExecutionState._define([
    "PENDING", "EXECUTING", "EXECUTED", "STOPPING", "STOPPED", "FAILING", "FAILED", "ABORTING", "ABORTED", "DONE",
    "SKIPPED",
])


__all__ = ["TaskExecutionState", "StepExecutionState", "BlockExecutionState", "JavaEnum"]
