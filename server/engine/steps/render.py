"""Scripts and templates: finding them on the script path and rendering them with Jinja2 in FreeMarker's syntax.

Expressions are written `${deployed.targetPath}` as in XL Deploy's FreeMarker scripts; blocks are Jinja2's
`{% if %}...{% endif %}`, `{% for %}`; comments `{# #}`. Placeholders `{{NAME}}` are plain text here.
- A name the template does not know at the top level (`${HOME}`, `${JAVA_OPTS}`) is left as written, so shell
  variables pass through; a shell form that is not an expression (`${1}`, `${#A}`, `${X:-y}`) must be written
  `$1`, or quoted as a Jinja string: `${'${X:-y}'}`.
- A missing property of a CI (`${deployed.nosuch}`) fails the step and names the property; an unset one renders as
  nothing. Booleans render as `true`/`false` (Java's spelling).
- Filters `sh_quote` and `cmd_quote` quote a value for a Unix shell or cmd.exe.
FreeMarker directives (`<#if>`) and built-ins (`?c`) are not supported.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import jinja2

from server.engine.steps.base import Run, safe_relative

TEMPLATE_SUFFIXES = (".ftl", ".j2")


class KeepUndefined(jinja2.Undefined):
    """Unknown top-level names render as written (`${HOME}`); a missing attribute of a known object fails."""

    __slots__ = ()

    def __str__(self) -> str:
        if self._undefined_obj is jinja2.utils.missing and self._undefined_hint is None:
            return "${" + str(self._undefined_name) + "}"
        if self._undefined_obj is not jinja2.utils.missing:
            raise jinja2.UndefinedError(f"{self._undefined_obj} has no property '{self._undefined_name}'")
        return self._fail_with_undefined_error()

    __html__ = __str__


def _finalize(value):
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, KeepUndefined):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(str(_finalize(v)) for v in value)
    return value


def sh_quote(value) -> str:
    return shlex.quote("" if value is None else str(value))


def cmd_quote(value) -> str:
    text = "" if value is None else str(value)
    return '"' + text.replace('"', '""') + '"'


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(variable_start_string="${", variable_end_string="}",
                             block_start_string="{%", block_end_string="%}",
                             comment_start_string="{#", comment_end_string="#}",
                             keep_trailing_newline=True, autoescape=False, undefined=KeepUndefined,
                             finalize=_finalize)
    env.filters["sh_quote"] = sh_quote
    env.filters["cmd_quote"] = cmd_quote
    return env


ENV = _environment()


def render(run: Run, text: str, context: dict, where: str) -> str:
    """Render a template text; a syntax or evaluation error fails the step naming `where` and the line."""
    try:
        return ENV.from_string(text).render(context)
    except jinja2.TemplateSyntaxError as exc:
        lines = text.splitlines()
        source = lines[exc.lineno - 1] if exc.lineno and exc.lineno <= len(lines) else ""
        hint = (" (a shell ${...} that is not a template expression is written $NAME, or ${'${...}'})"
                if "${" in source else "")
        raise run.fail(f"{where} cannot be rendered: line {exc.lineno}: {exc.message}{hint}.") from None
    except jinja2.UndefinedError as exc:
        raise run.fail(f"{where} cannot be rendered: {exc}.") from None
    except Exception as exc:  # noqa: BLE001 - any error raised by an expression in the template
        line = _template_line(exc)
        raise run.fail(f"{where} cannot be rendered{f': line {line}' if line else ''}: "
                       f"{type(exc).__name__}: {exc}.") from None


class _Unset(Exception):
    """An expression in a parameter value evaluated to an unset property."""


def _strict_finalize(value):
    if value is None:
        raise _Unset()
    return _finalize(value)


STRICT = ENV.overlay(finalize=_strict_finalize)


def expand(run: Run, text: str | None, context: dict, what: str = "A parameter") -> str | None:
    """A parameter value (a path...) with the `${...}` expressions planning left in it filled in. Unknown top-level
    names stay as written and a text that is no template is kept as it is, but an expression naming a property that
    is missing or not set fails the step: a path must never silently lose a part."""
    if not text or "${" not in text:
        return text
    try:
        template = STRICT.from_string(text)
    except jinja2.TemplateSyntaxError:
        return text
    try:
        return template.render(context)
    except _Unset:
        raise run.fail(f"{what} '{text}' uses a property that is not set.") from None
    except jinja2.UndefinedError as exc:
        raise run.fail(f"{what} '{text}' cannot be filled in: {exc}.") from None


def _template_line(exc: BaseException) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


# ----------------------------------------------------------------------------------------------- lookup

def script_candidates(name: str, windows: bool) -> list[str]:
    """Names tried for an os-script `script`: as given, then with the host's script suffixes, each also as a
    template (`.ftl`, `.j2`)."""
    suffixes = (".bat", ".cmd") if windows else (".sh",)
    names = [name]
    for suffix in suffixes:
        names += [name + suffix, name + suffix + ".ftl", name + suffix + ".j2"]
    names += [name + ".ftl", name + ".j2"]
    return names


def template_candidates(name: str) -> list[str]:
    return [name, name + ".ftl", name + ".j2"]


def locate(run: Run, name: str, candidates: list[str], what: str) -> Path:
    """The first of `candidates` found in the script path folders (plugins/, ext/, then the built-in scripts)."""
    if not safe_relative(name):
        raise run.fail(f"The {what} '{name}' must be a relative path inside the script folders, without '..'.")
    folders = [Path(p) for p in run.ctx.script_paths]
    for folder in folders:
        for candidate in candidates:
            path = folder / candidate
            if path.is_file():
                return path
    tried = ", ".join(candidates)
    where = ", ".join(str(f) for f in folders) or "no script folders"
    raise run.fail(f"Cannot find the {what} '{name}' (tried {tried} in {where}).")


def output_name(path: Path) -> str:
    """The name a located script or template gets once rendered: without a .ftl or .j2 suffix."""
    name = path.name
    for suffix in TEMPLATE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def read_template(run: Run, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise run.fail(f"{path.name} is not a UTF-8 text file.") from None


def strip_template_suffix(name: str) -> str:
    return re.sub(r"\.(ftl|j2)$", "", name)
