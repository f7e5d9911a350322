"""Running Python (2 or 3) source in the shell's namespace: `-f` scripts, `ext/` extensions, short tracebacks.

A traceback shows only the user's frames (scripts, extensions, the prompt), not the CLI's or the
libraries' own, then `ExceptionName: message`.
"""

from __future__ import annotations

import io
import os
import sys
import tokenize
import traceback
from pathlib import Path

from .compat import compile_source

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _library_dirs() -> tuple[str, ...]:
    import sysconfig
    dirs = {_PACKAGE_DIR}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            dirs.add(os.path.abspath(path))
    return tuple(sorted(dirs))


_LIBRARY_DIRS: tuple[str, ...] | None = None


def _is_library(filename: str) -> bool:
    global _LIBRARY_DIRS
    if filename.startswith("<"):
        return False
    if _LIBRARY_DIRS is None:
        _LIBRARY_DIRS = _library_dirs()
    path = os.path.abspath(filename)
    return any(path == d or path.startswith(d + os.sep) for d in _LIBRARY_DIRS)


def read_source(path: str | Path) -> str:
    """A script's text: its coding cookie or BOM when it has one, else UTF-8, else Latin-1 (old scripts)."""
    data = Path(path).read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        text = data.decode("latin-1")
    return text[1:] if text.startswith("\ufeff") else text


def run_file(path: str | Path, namespace: dict) -> None:
    """Compile (translating Python 2 when needed) and run a file in the namespace."""
    filename = str(path)
    code = compile_source(read_source(path), filename, "exec")
    exec(code, namespace)


def exception_summary(exc: BaseException) -> str:
    """The last line of a traceback, with the short class name: `DeployitException: CI x not found.`"""
    if isinstance(exc, SyntaxError):
        return "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n")
    message = str(exc)
    name = type(exc).__name__
    return f"{name}: {message}" if message else name


def format_exception(exc: BaseException, skip_prompt_frames: bool = False) -> str:
    """A short traceback: the user's frames only, then the exception."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _is_library(f.filename)]
    if skip_prompt_frames and all(f.filename == "<stdin>" for f in frames) and len(frames) <= 1:
        frames = []
    text = ""
    if frames and not isinstance(exc, SyntaxError):
        text = "Traceback (most recent call last):\n"
        for frame in frames:
            text += f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n'
            if frame.line:
                text += f"    {frame.line.strip()}\n"
    return text + exception_summary(exc) + "\n"


def exit_status(exc: SystemExit) -> int:
    """The process exit status for sys.exit(code), as Python itself computes it."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, bool):
        return int(code)
    if isinstance(code, int):
        return code & 0xFF if code >= 0 else code % 256
    sys.stderr.write(f"{code}\n")
    return 1


def extension_files(cwd: Path, cli_home: Path) -> list[Path]:
    """`ext/*.py` and `ext/*.cli` of the CLI home, then of the current directory (each folder once)."""
    seen, files = set(), []
    for folder in (cli_home / "ext", cwd / "ext"):
        try:
            key = folder.resolve()
        except OSError:
            continue
        if key in seen or not folder.is_dir():
            continue
        seen.add(key)
        files += sorted(p for p in folder.iterdir() if p.suffix in (".py", ".cli") and p.is_file())
    return files


def run_extensions(files: list[Path], namespace: dict) -> None:
    """Run each extension; an error in one is reported and the others still run. sys.exit is honoured."""
    for path in files:
        try:
            run_file(path, namespace)
        except SystemExit:
            raise
        except Exception as exc:  # report and go on: one broken extension should not lock users out
            sys.stdout.flush()
            sys.stderr.write(f"Error in extension {path}:\n{format_exception(exc)}")
            sys.stderr.flush()
