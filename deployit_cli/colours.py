"""Colours for task and step states in a terminal: green when done, red when failed, yellow when stopped or
paused, cyan while running. Only when the output is a terminal and NO_COLOR (https://no-color.org) is not
set; pipes, files, cron and CI logs get plain text."""

from __future__ import annotations

import os

STYLES = {
    "DONE": "green", "EXECUTED": "green",
    "FAILED": "red", "FAILING": "red", "ABORTED": "red", "ABORTING": "red",
    "STOPPED": "yellow", "STOPPING": "yellow", "PAUSED": "yellow",
    "EXECUTING": "cyan", "QUEUED": "cyan", "SCHEDULED": "blue",
    "SKIPPED": "dim", "SKIP": "dim", "CANCELLED": "dim",
}
ANSI = {"green": "32", "red": "31", "yellow": "33", "cyan": "36", "blue": "34", "dim": "2"}


def enabled(stream) -> bool:
    """Whether text written to the stream may be coloured."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def style_of(state) -> str | None:
    return STYLES.get(str(state)) if state is not None else None


def paint(text: str, state, on: bool = True) -> str:
    """The text in the colour of the state (as it is when colours are off or the state has none)."""
    style = style_of(state) if on else None
    return f"\x1b[{ANSI[style]}m{text}\x1b[0m" if style else text


def shown(value, stream) -> str:
    """How the prompt echoes a value: its repr, with its state coloured when the value can do that
    (`_painted_repr`) and the stream takes colours."""
    painted = getattr(type(value), "_painted_repr", None)
    if painted is not None and enabled(stream):
        return painted(value, lambda text, state: paint(text, state))
    state_enum = _state_enums()
    if state_enum and isinstance(value, state_enum) and enabled(stream):
        return paint(repr(value), value)
    return repr(value)


def _state_enums() -> tuple:
    try:
        from .jython.shims.xl_execution import BlockExecutionState, StepExecutionState, TaskExecutionState
    except ImportError:
        return ()
    return TaskExecutionState, StepExecutionState, BlockExecutionState
