"""Steps that need no host: noop, wait, manual (operator instructions, then a pause) and jython (a Python script)."""

from __future__ import annotations

import builtins
import io
import smtplib
import traceback
from email.message import EmailMessage
from pathlib import Path

from server.engine.context import DONE, PAUSE, StepAborted
from server.engine.steps.base import Run
from server.engine.steps.render import locate, read_template, render, template_candidates
from server.engine.steps.scope import variables


def noop(run: Run) -> str:
    return DONE


def wait(run: Run) -> str:
    seconds = run.integer("seconds", 0)
    if seconds <= 0:
        return DONE
    run.log(f"Waiting {seconds} second{'s' * (seconds != 1)}")
    if run.ctx.cancel.wait(seconds):
        raise StepAborted(f"Aborted while waiting {seconds} seconds.")
    return DONE


# ----------------------------------------------------------------------------------------------- manual

def _paused_key(run: Run) -> str:
    return f"manual-step-paused:{run.ctx.step_path}"


def manual(run: Run) -> str:
    """Shows the rendered instructions (and mails them) and pauses; run again in the same task, it is done."""
    key = _paused_key(run)
    if run.ctx.attributes.get(key):
        run.ctx.attributes.pop(key, None)
        run.log("Continuing after the manual step")
        return DONE
    source = run.text("message-template", required=True)
    text, where = source, "The instructions"
    if "\n" not in source and len(source) < 256:
        try:
            path = locate(run, source, template_candidates(source), "message template")
            text, where = read_template(run, path), f"Template {source}"
        except Exception:  # noqa: BLE001 - not a template on the script path: the text is the message itself
            pass
    message = render(run, text, variables(run), where)
    run.log(message.rstrip("\n"))
    _mail(run, message)
    run.ctx.attributes[key] = True
    return PAUSE


def _mail(run: Run, message: str) -> None:
    server = run.ci("mail-server")
    recipients = run.param("to") or []
    if isinstance(recipients, str):
        recipients = [r.strip() for r in recipients.split(",") if r.strip()]
    if server is None or not recipients:
        return
    mail = EmailMessage()
    mail["Subject"] = run.text("subject") or run.description
    mail["From"] = run.text("from") or server.get("fromAddress") or "xl-deploy@localhost"
    mail["To"] = ", ".join(recipients)
    mail.set_content(message)
    try:
        with smtplib.SMTP(str(server.get("host") or "localhost"), int(server.get("port") or 25), timeout=30) as smtp:
            if str(server.get("tls") or server.get("useTls") or "").lower() == "true":
                smtp.starttls()
            if server.get("username"):
                smtp.login(str(server["username"]), str(server.get("password") or ""))
            smtp.send_message(mail)
        run.log(f"Mailed the instructions to {', '.join(recipients)}")
    except (OSError, smtplib.SMTPException) as exc:
        run.log(f"Could not mail the instructions through {server.get('id')}: {exc}")


# ----------------------------------------------------------------------------------------------- jython

class ScriptContext:
    """`context` in Python step scripts: XL Deploy's ExecutionContext (attributes shared by the task's steps,
    log output)."""

    def __init__(self, run: Run):
        self._run = run

    def getAttribute(self, name):  # noqa: N802 - XL Deploy's names
        return self._run.ctx.attributes.get(name)

    def setAttribute(self, name, value):  # noqa: N802
        self._run.ctx.attributes[name] = value

    def logOutput(self, text):  # noqa: N802
        self._run.log(str(text))

    logError = logOutput

    def getTask(self):  # noqa: N802
        return self._run.ctx.task

    @property
    def task_id(self) -> str:
        return self._run.ctx.task_id


class ScriptLogger:
    """`logger` in Python step scripts: every level goes to the step log."""

    def __init__(self, run: Run):
        self._run = run

    def _write(self, message, *args):
        text = str(message)
        if args:
            try:
                text = text % args
            except TypeError:
                text = " ".join([text, *map(str, args)])
        self._run.log(text)

    info = warn = warning = error = debug = _write


def jython(run: Run) -> str:
    name = run.text("script", required=True)
    path = locate(run, name, [name, name + ".py"], "script")
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise run.fail(f"Script {name} is not a UTF-8 text file.") from None

    def script_print(*values, sep=" ", end="\n", file=None, flush=False):
        if file is not None:
            builtins.print(*values, sep=sep, end=end, file=file, flush=flush)
            return
        buffer = io.StringIO()
        builtins.print(*values, sep=sep, end=end, file=buffer)
        run.log(buffer.getvalue().rstrip("\n"))

    scope = variables(run, "jython-context")
    scope.update({"__name__": "__main__", "__file__": str(path), "__builtins__": builtins,
                  "context": ScriptContext(run), "logger": ScriptLogger(run), "print": script_print})
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as exc:
        raise run.fail(f"Script {name} has a syntax error at line {exc.lineno}: {exc.msg}.") from None
    try:
        exec(code, scope)  # noqa: S102 - running the administrator's step script is this step's job
    except SystemExit as exc:
        if exc.code not in (None, 0):
            raise run.fail(f"Script {name} exited with code {exc.code}.") from None
    except StepAborted:
        raise
    except Exception as exc:  # noqa: BLE001 - any error in the script fails the step
        _log_traceback(run, exc, path)
        raise run.fail(f"Script {name} failed: {type(exc).__name__}: {exc}") from None
    return DONE


def _log_traceback(run: Run, exc: BaseException, path: Path) -> None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    for frame in frames:
        run.log(f'  File "{Path(frame.filename).name}", line {frame.lineno}, in {frame.name}')
        if frame.line:
            run.log(f"    {frame.line}")
