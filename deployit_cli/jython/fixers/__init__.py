"""The fissix side of the translator: which fixers run, and a few of our own.

Imported only when a translation is needed (fissix costs ~90 ms to load). Fixers that would add an
import line at the top (reduce, intern, reload, operator, sorted's cmp_to_key) are left out or
replaced, so translated line numbers match the script's in tracebacks; the names they would import
are provided by the script globals instead (see `py2builtins`).
"""

from __future__ import annotations

from fissix import pygram
from fissix.pgen2 import token
from fissix.pgen2.parse import ParseError
from fissix.pgen2.tokenize import TokenError
from fissix.refactor import RefactoringTool

PARSE_ERRORS = (ParseError, TokenError, IndentationError)

_STANDARD = [
    "apply", "basestring", "dict", "except", "exec", "exitfunc", "filter", "funcattrs", "getcwdu",
    "has_key", "imports", "imports2", "input", "isinstance", "itertools", "itertools_imports",
    "long", "map", "metaclass", "methodattrs", "ne", "next", "nonzero", "numliterals", "paren",
    "raise", "raw_input", "renames", "repr", "standarderror", "sys_exc", "throw",
    "tuple_params", "types", "unicode", "urllib", "xrange", "xreadlines", "zip",
]
_OURS = ["print_softspace", "classic_division", "sorted_cmp"]

FIXERS = {
    # Python 2 source: everything
    "py2": [f"fissix.fixes.fix_{name}" for name in _STANDARD] + [f"{__name__}.fix_{name}" for name in _OURS],
    # valid Python 3 that calls Python 2's dict methods: just those calls
    "idioms": ["fissix.fixes.fix_has_key", f"{__name__}.fix_dict_iter"],
}

_tools: dict[str, RefactoringTool] = {}


def _tool(kind: str) -> RefactoringTool:
    tool = _tools.get(kind)
    if tool is None:
        tool = RefactoringTool(FIXERS[kind])
        if kind == "idioms":
            # the source is valid Python 3: print and exec are names, not statements
            tool.grammar = pygram.python_grammar_no_print_and_exec_statement
            tool.driver.grammar = tool.grammar
        _tools[kind] = tool
    return tool


def refactor(data: str, filename: str, kind: str) -> str:
    """The translated text; raises one of PARSE_ERRORS when the grammar does not accept `data`."""
    return str(_tool(kind).refactor_string(data, filename))


def error_location(err) -> tuple[int, int, bool, str]:
    """(line, column, incomplete, message) of a fissix parse error; incomplete when the input just
    ended too early (more lines would be needed at a prompt)."""
    if isinstance(err, ParseError):
        lineno, col = err.context[1]
        incomplete = err.type in (token.ENDMARKER, token.DEDENT) or (err.type == token.INDENT and not err.value)
        message = "unexpected indent" if err.type == token.INDENT else "invalid syntax"
        return lineno, col, incomplete, message
    if isinstance(err, TokenError):
        lineno, col = err.args[1] if len(err.args) > 1 else (0, 0)
        return lineno, col, True, str(err.args[0])
    lineno = getattr(err, "lineno", 0) or 0
    return lineno, max((getattr(err, "offset", 1) or 1) - 1, 0), False, getattr(err, "msg", None) or str(err)
