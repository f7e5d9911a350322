"""Python 2 (Jython 2.7) source to Python 3 source, translated once and cached.

Rules, in order:
1. Indentation that mixes tabs and spaces is expanded with tab stops of 8, as Python 2 read it
   (lines inside string literals are left alone).
2. Source that compiles as Python 3 runs as it is, except for two kinds of Python 2 code that
   Python 3 also parses: print statements that happen to be valid expressions (`print`,
   `print >>f, x`, `print -1`) make it Python 2 source; `d.has_key(k)` and `d.iteritems()` (and
   iterkeys/itervalues) are rewritten on their own, keeping every other line as Python 3.
3. Anything else is translated with fissix (lib2to3's fork) using the fixers listed in
   `fixers/__init__.py`, plus ours: print statements keep Python 2's soft space, `/` between
   integers floors (unless `from __future__ import division`), `sorted(x, cmp)` works, and
   keywords used as attribute names (`deployit.print(ci)`, which Jython allowed) survive.
   Line numbers are kept, so tracebacks point at the script's own lines: where a fixer rebuilds an
   expression and drops line breaks, `fixers.render` puts them back.

Translations are cached in memory and on disk (`$DEPLOYIT_CLI_CACHE`, else
`~/.deployit-cli/cache/`; set the variable to `off` to disable the disk cache), keyed by a hash of
the source and of this translator's version. fissix is imported only when a translation is
actually needed: start-up pays nothing for it.
"""

from __future__ import annotations

import os
import re

__all__ = ["translate", "compile_source", "compile_command", "expand_tabs", "cache_dir", "clear_memory_cache"]

#: bump when fixers or rules change, so cached translations made by an older version are not used
TRANSLATOR_VERSION = "4"

_PY_CF_ONLY_AST = 0x400  # ast.PyCF_ONLY_AST, without importing ast on the fast path

# Python 2 constructs that Python 3 also parses (with another meaning): worth a closer look.
_PY2_HINTS = re.compile(
    r"^[ \t]*print\b(?![ \t]*[(=.\[]|[ \t]+(?:in|is|if|and|or|for)\b)|\.has_key\(|\.iter(?:items|keys|values)\(",
    re.M,
)
_INDENT_TAB = re.compile(r"^[ \f]*\t", re.M)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_LEADING_WS = re.compile(r"[ \t\f]*")
_CODE_SPECIAL = re.compile(r"[#'\"]")
_STRING_END = {
    q: re.compile(r"\\(.)|" + re.escape(q), re.S) for q in ("'", '"', "'''", '"""')
}

_KEYWORD_ATTRIBUTE = re.compile(r"(\.[ \t]*)(print|exec)\b")
_HIDDEN_PREFIX = "__jython_keyword_attribute__"

_memory_cache: dict[str, str] = {}
_stats = {"fissix_runs": 0, "memory_hits": 0, "disk_hits": 0}


# ------------------------------------------------------------------------------------------ tabs

def expand_tabs(source: str) -> str:
    """Expands tabs in indentation to the next multiple of 8, as Python 2's tokenizer counted them.

    Lines that start inside a string literal keep their tabs (they are the string's content)."""
    if "\t" not in source or not _INDENT_TAB.search(source):
        return source
    out = []
    open_quote = None
    for line in _LINE.findall(source):
        if open_quote is None:
            ws = _LEADING_WS.match(line).group()
            if "\t" in ws:
                line = ws.expandtabs(8) + line[len(ws):]
        open_quote = _scan_strings(line, open_quote)
        out.append(line)
    return "".join(out)


def _scan_strings(line: str, open_quote):
    """The string literal still open at the end of `line` (None when none), given the one open at
    its start. Prefixes (r, u, b, f) do not matter: a backslash always protects the next quote."""
    i, n = 0, len(line)
    continued = False
    while i < n:
        if open_quote is None:
            m = _CODE_SPECIAL.search(line, i)
            if m is None or m.group() == "#":
                return None
            j = m.start()
            ch = m.group()
            open_quote = ch * 3 if line.startswith(ch * 3, j) else ch
            i = j + len(open_quote)
            continued = False
        else:
            m = _STRING_END[open_quote].search(line, i)
            if m is None:
                break
            if m.group(1) is not None:  # an escape
                continued = m.group(1) in "\r\n"
                i = m.end()
                continue
            open_quote = None
            i = m.end()
    if open_quote in ("'", '"') and not continued:
        return None  # an unterminated one-line string: a syntax error the compiler reports
    return open_quote


# ----------------------------------------------------------------------------------- decisions

def _compile_ast(src: str, filename: str, mode: str):
    return compile(src, filename, mode, _PY_CF_ONLY_AST, dont_inherit=True)


def _print_statement_shape(node) -> bool:
    """Whether an expression statement is really a Python 2 print statement (`print`,
    `print >>f, x`, `print -x`, `print >>f`)."""
    import ast

    if isinstance(node, ast.Tuple) and node.elts:
        node = node.elts[0]
    if isinstance(node, ast.Name):
        return node.id == "print"
    if isinstance(node, ast.BinOp):
        return isinstance(node.left, ast.Name) and node.left.id == "print"
    return False


def _classify_py3(tree) -> str | None:
    """'py2' when valid Python 3 source holds Python 2 print statements, 'idioms' when it calls
    has_key/iteritems/iterkeys/itervalues, else None (run as it is)."""
    import ast

    kind = None
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and _print_statement_shape(node.value):
            return "py2"
        if (
            kind is None
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("has_key", "iteritems", "iterkeys", "itervalues")
        ):
            kind = "idioms"
    return kind


def _decide(src: str, filename: str, mode: str):
    """(kind, py3_error): kind is None (valid Python 3, run as is), 'py2' or 'idioms'."""
    try:
        tree = _compile_ast(src, filename, mode)
    except SyntaxError as err:
        return "py2", err
    if not _PY2_HINTS.search(src):
        return None, None
    return _classify_py3(tree), None


# --------------------------------------------------------------------------------- public API

def translate(source: str, filename: str = "<script>") -> str:
    """Python 3 source for `source` (Python 2 or 3). Valid Python 3 comes back unchanged (after
    tab expansion). Raises SyntaxError when the source is neither."""
    src = expand_tabs(source)
    kind, py3_error = _decide(src, filename, "exec")
    if kind is None:
        return src
    return _cached_translation(src, filename, kind, py3_error)


def compile_source(source: str, filename: str = "<script>", mode: str = "exec"):
    """A code object for Python 2 or Python 3 source; mode is 'exec', 'single' (a statement typed
    at the prompt) or 'eval'. Python 3 source is compiled directly, without any translation cost."""
    src = expand_tabs(source)
    if not _PY2_HINTS.search(src):
        try:
            return compile(src, filename, mode, dont_inherit=True)
        except SyntaxError as err:
            kind, py3_error = "py2", err
    else:
        kind, py3_error = _decide(src, filename, mode)
        if kind is None:
            return compile(src, filename, mode, dont_inherit=True)
    translated = _cached_translation(src, filename, kind, py3_error)
    return compile(translated, filename, mode, dont_inherit=True)


def compile_command(source: str, filename: str = "<input>", symbol: str = "single"):
    """codeop.compile_command for Python 2 or 3 input at a prompt: a code object when the input is
    a complete statement, None when more lines are needed, SyntaxError when it is invalid."""
    import codeop

    src = expand_tabs(source)
    try:
        code = codeop.compile_command(src, filename, symbol)
    except SyntaxError as err:
        py3_error = err
    else:
        if code is None or not _PY2_HINTS.search(src):
            return code
        return compile_source(src, filename, symbol)
    try:
        translated = _cached_translation(src, filename, "py2", py3_error)
    except SyntaxError as err:
        if getattr(err, "incomplete_input", False):
            return None
        raise
    return codeop.compile_command(translated, filename, symbol)


# ------------------------------------------------------------------------------------- caching

def cache_dir() -> str | None:
    """Where translations are kept on disk; None when the disk cache is off."""
    configured = os.environ.get("DEPLOYIT_CLI_CACHE")
    if configured is not None:
        if configured.strip().lower() in ("", "off", "none", "0"):
            return None
        return configured
    return os.path.join(os.path.expanduser("~"), ".deployit-cli", "cache")


def clear_memory_cache() -> None:
    _memory_cache.clear()


def _cache_key(src: str, kind: str) -> str:
    import hashlib

    digest = hashlib.sha256()
    digest.update(f"{TRANSLATOR_VERSION}\0{kind}\0".encode())
    digest.update(src.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _cached_translation(src: str, filename: str, kind: str, py3_error) -> str:
    if not _helpers_installed:
        _install_helpers()
    key = _cache_key(src, kind)
    hit = _memory_cache.get(key)
    if hit is not None:
        _stats["memory_hits"] += 1
        return hit
    folder = cache_dir()
    path = os.path.join(folder, key[:2], key + ".py") if folder else None
    if path is not None:
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                hit = handle.read()
        except (OSError, UnicodeDecodeError):
            hit = None
        if hit is not None:
            _stats["disk_hits"] += 1
            _memory_cache[key] = hit
            return hit
    translated = _run_fissix(src, filename, kind, py3_error)
    _memory_cache[key] = translated
    if path is not None:
        _write_atomically(path, translated)
    return translated


_helpers_installed = False


def _install_helpers() -> None:
    """Translated code calls __py2print__/__py2div__/__cmp_to_key__: make sure they resolve in any
    namespace (they are dunder names in builtins, colliding with nothing)."""
    global _helpers_installed
    from .py2builtins import install_runtime_helpers

    install_runtime_helpers()
    _helpers_installed = True


def _write_atomically(path: str, text: str) -> None:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temp = f"{path}.{os.getpid()}.tmp"
        with open(temp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temp, path)
    except OSError:
        pass  # a read-only or full home only costs a re-translation next time


def _run_fissix(src: str, filename: str, kind: str, py3_error) -> str:
    from . import fixers

    _stats["fissix_runs"] += 1
    added_newline = not src.endswith(("\n", "\r"))
    data = src + "\n" if added_newline else src
    # Jython accepted Python 2 keywords as attribute names (`deployit.print(ci)`,
    # `formatter.print(dt)`); Python 2's grammar does not, Python 3's does: hide them from fissix.
    hidden = kind == "py2" and _KEYWORD_ATTRIBUTE.search(data) is not None
    if hidden:
        data = _KEYWORD_ATTRIBUTE.sub(lambda m: m.group(1) + _HIDDEN_PREFIX + m.group(2), data)
    try:
        result = fixers.refactor(data, filename, kind)
    except fixers.PARSE_ERRORS as err:
        if py3_error is None:
            return src  # valid Python 3 that fissix cannot parse: run it as it is
        raise _best_syntax_error(src, filename, err, py3_error) from None
    if hidden:
        result = result.replace(_HIDDEN_PREFIX, "")
    if added_newline and result.endswith("\n"):
        result = result[:-1]
    return result


def _best_syntax_error(src: str, filename: str, err, py3_error) -> SyntaxError:
    """Neither grammar accepts the source: report the error found further into the file, as that
    grammar is likely the one the script was written for (Python 3's wins a tie)."""
    from . import fixers

    lineno, col, incomplete, message = fixers.error_location(err)
    if incomplete:
        chosen = py3_error
    elif (lineno, col) > ((py3_error.lineno or 0), (py3_error.offset or 1) - 1):
        lines = src.splitlines()
        text = lines[lineno - 1] if 0 < lineno <= len(lines) else None
        chosen = SyntaxError(message, (filename, lineno, col + 1, text))
    else:
        chosen = py3_error
    chosen.incomplete_input = incomplete
    return chosen
