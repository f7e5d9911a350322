"""The interactive shell on ptpython: `deployit> ` prompt, editing, history across sessions, multi-line
statements (an empty line ends a block), tab completion of methods, CI types and repository ids.

Only imported for an interactive session, so scripts never pay for prompt_toolkit.
"""

from __future__ import annotations

import os
import sys

from ptpython.prompt_style import PromptStyle
from ptpython.repl import PythonRepl, ReplExit

from . import config
from .completion import DeployitCompleter
from .console import CONTINUATION, PROMPT, LeaveShell, execute
from .runner import exit_status, format_exception


class DeployitPrompt(PromptStyle):
    def in_prompt(self):
        return [("class:prompt", PROMPT)]

    def in2_prompt(self, width: int):
        return [("class:prompt.dots", CONTINUATION.rjust(width))]

    def out_prompt(self):
        return []


class DeployitRepl(PythonRepl):
    """ptpython's REPL with the shell's own evaluation: Python 2 syntax, CI echo, short tracebacks."""

    def eval(self, line: str) -> object:
        try:
            execute(line, self.get_globals())
        except LeaveShell:
            raise ReplExit() from None
        return None

    def _handle_exception(self, e: BaseException) -> None:
        sys.stderr.write(format_exception(e, skip_prompt_frames=True))
        sys.stderr.flush()

    def _add_to_namespace(self) -> None:
        """Keep the namespace as the shell built it (ptpython would add `exit` and `get_ptpython`)."""

    def _remove_from_namespace(self) -> None:
        pass


def _history_path() -> str | None:
    path = config.history_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError:
        return None
    return str(path)


def run(namespace: dict, session) -> int:
    """Run the shell until `quit` or Ctrl-D; the exit status (sys.exit(n) at the prompt gives n)."""
    repl = DeployitRepl(
        get_globals=lambda: namespace,
        history_filename=_history_path(),
        _completer=DeployitCompleter(namespace, session),
    )
    repl.all_prompt_styles["deployit"] = DeployitPrompt()
    repl.prompt_style = "deployit"
    repl.confirm_exit = False
    repl.show_status_bar = False
    repl.show_meta_enter_message = False
    repl.show_signature = False
    repl.show_docstring = False
    repl.complete_while_typing = False
    repl.enable_input_validation = False
    repl.enable_auto_suggest = False
    repl.insert_blank_line_after_output = False
    repl.enable_syntax_highlighting = os.environ.get("NO_COLOR") is None
    try:
        repl.run()
    except SystemExit as exc:
        return exit_status(exc)
    return 0
