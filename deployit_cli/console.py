"""What the prompt does with a typed statement, shared by the full-screen REPL and the plain line console.

A statement is compiled in "single" mode (Python 2 syntax translated), so an expression's value is echoed
through `display`: a CI as `PyInstance: <id>`, `help` as the object list. The plain console is used
when stdin or stdout is not a terminal (piped input) or TERM is dumb.
"""

from __future__ import annotations

import codeop
import sys

from .colours import shown
from .compat import compile_source, jython
from .runner import exit_status, format_exception

PROMPT = "deployit> "
CONTINUATION = "... "
QUIT_WORDS = ("quit", "quit()", "exit", "exit()")


class LeaveShell(Exception):
    """`quit` was typed."""


def display(value, namespace: dict) -> None:
    """Echo an expression's value at the prompt and keep it as `_`, as Python's prompt does."""
    if value is None:
        return
    text = shown(value, sys.stdout)
    sys.stdout.write(text.rstrip("\n") + "\n")
    sys.stdout.flush()
    namespace["_"] = value


def is_incomplete(source: str) -> bool:
    """True while a typed statement needs more lines (an open block, bracket or string)."""
    try:
        if codeop.compile_command(source, "<stdin>", "single") is None:
            return True
    except (SyntaxError, OverflowError, ValueError):
        pass
    lines = source.split("\n")
    first = lines[0].split("#", 1)[0].rstrip()
    # A Python 2 block (codeop, being Python 3, calls it an error): wait for the empty line that ends it.
    if first.endswith(":") and lines[-1].strip() != "":
        return True
    module = jython()
    if module is not None and hasattr(module, "compile_command"):
        try:
            return module.compile_command(source, "<stdin>", "single") is None
        except (SyntaxError, OverflowError, ValueError):
            return False
    return False


def compile_statement(source: str):
    """Code for one typed statement; several statements at once run as a block (without echo)."""
    text = source if source.endswith("\n") else source + "\n"
    try:
        return compile_source(text, "<stdin>", "single")
    except SyntaxError as exc:
        if "multiple statements" in str(exc):
            return compile_source(text, "<stdin>", "exec")
        raise


def execute(source: str, namespace: dict) -> None:
    """Run one typed statement; `quit` raises LeaveShell, SystemExit passes, other errors are printed."""
    if source.strip() in QUIT_WORDS:
        raise LeaveShell()
    previous = sys.displayhook
    sys.displayhook = lambda value: display(value, namespace)
    try:
        code = compile_statement(source)
        exec(code, namespace)
    except (SystemExit, LeaveShell):
        raise
    except KeyboardInterrupt:
        sys.stdout.flush()
        sys.stderr.write("KeyboardInterrupt\n")
    except BaseException as exc:  # the session goes on whatever the statement did
        sys.stdout.flush()
        sys.stderr.write(format_exception(exc, skip_prompt_frames=True))
        sys.stderr.flush()
    finally:
        sys.displayhook = previous
        sys.stdout.flush()


def run_plain(namespace: dict, show_prompt: bool) -> int:
    """A line-by-line console on stdin (no editing, no completion): for pipes and dumb terminals."""
    buffer: list[str] = []
    while True:
        prompt = (CONTINUATION if buffer else PROMPT) if show_prompt else ""
        try:
            line = input(prompt)
        except EOFError:
            if buffer and "".join(buffer).strip():
                code = _run_buffer(buffer, namespace)
                if code is not None:
                    return code
            if show_prompt:
                sys.stdout.write("\n")
            return 0
        except KeyboardInterrupt:
            sys.stdout.write("\nKeyboardInterrupt\n")
            buffer = []
            continue
        buffer.append(line)
        source = "\n".join(buffer)
        if not source.strip():
            buffer = []
            continue
        if is_incomplete(source):
            continue
        buffer = []
        code = _run_buffer([source], namespace)
        if code is not None:
            return code


def _run_buffer(lines: list[str], namespace: dict) -> int | None:
    try:
        execute("\n".join(lines), namespace)
    except LeaveShell:
        return 0
    except SystemExit as exc:
        return exit_status(exc)
    return None
