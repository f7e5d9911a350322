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
    return render(_tool(kind).refactor_string(data, filename))


def render(tree) -> str:
    """The tree's text with every token that came from the script on the line it had there.

    Some fixers rebuild an expression and drop the line breaks inside it (`filter(lambda x: ...,`
    on one line and its list on the next becomes one comprehension), which would shift every later
    line. Wherever a script token comes out on an earlier line than it had, line breaks are put
    back before it: blank lines where it starts a line, a backslash continuation (valid between any
    two tokens) where it does not. Tokens a fixer moved or created are left where they are."""
    out: list[str] = []
    line = 1
    blank_tail = True  # nothing but whitespace written since the last line break
    for leaf in tree.leaves():
        prefix, value = leaf.prefix, leaf.value
        missing = leaf.lineno - (line + prefix.count("\n")) if leaf.lineno else 0
        if missing > 0:
            if "\n" in prefix:
                prefix = "\n" * missing + prefix
            elif blank_tail:
                text = "".join(out)
                cut = text.rfind("\n") + 1  # the indentation stays with the token
                out = [text[:cut], "\n" * missing, text[cut:]]
                line += missing
            else:
                prefix += "\\\n" * missing
        piece = prefix + value
        out.append(piece)
        breaks = piece.count("\n")
        line += breaks
        if breaks:
            blank_tail = not piece.rpartition("\n")[2].strip()
        elif piece.strip():
            blank_tail = False
    return "".join(out)


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
