"""`deployit-cli apply` and `deployit-cli generate`: repository as code from the command line.

    deployit-cli [connection options] apply -f FILE.yaml [--dry-run] [--values NAME=value,...] [connection options]
    deployit-cli [connection options] generate -p ID [-p ID ...] [-f FILE.yaml] [--artifacts DIR]

The command is the first word of the command line that is not an option or an option's value (and
comes before any `-f script.py`, which keeps running a script as before). The connection options
(-host, -port, -username, -password, -context, -secure, -proxyHost, -proxyPort, -socketTimeout,
-configuration) may stand before or after it; the command's own options come after it. Exit status: 0
done, 1 the file or the server refused (one sentence on stderr; nothing written), 2 a bad command line.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

COMMANDS = ("apply", "generate")

USAGE_COMMANDS = """\
Commands (repository as code, XL YAML; connection options may come before or after the command):

 apply -f FILE [--dry-run]            : Create and update the CIs a YAML file describes; --dry-run
       [--values NAME=value,...]        lists the changes without making them; --values gives XL
                                        values (!value, !format, !secret), winning over XL_VALUE_*
                                        and .xlvals files
 generate -p ID [-p ID ...] [-f FILE] : Write the CIs under each ID as YAML (to FILE, updating it
          [--artifacts DIR]             in place when it exists; else to the output); --artifacts
                                        downloads artifact files to DIR
"""


@dataclass
class Command:
    name: str
    file: str | None = None
    paths: list[str] = field(default_factory=list)
    dry_run: bool = False
    artifacts: str | None = None
    help: bool = False
    values: dict = field(default_factory=dict)


_VALUES = {"-f": "file", "--file": "file", "-file": "file",
           "-p": "paths", "--path": "paths", "-path": "paths",
           "-a": "artifacts", "--artifacts": "artifacts", "-artifacts": "artifacts",
           "--values": "values", "-values": "values"}
_FLAGS = {"--dry-run": "dry_run", "-dry-run": "dry_run", "-dryRun": "dry_run",
          "-h": "help", "-help": "help", "--help": "help"}
_ALLOWED = {"apply": {"file", "dry_run", "help", "values"}, "generate": {"file", "paths", "artifacts", "help"}}


def parse_command(name: str, args: list[str]) -> Command:
    from ..options import UsageError
    command = Command(name)
    tokens = list(args)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        option, eq, inline = token.partition("=") if token.startswith("-") else (token, "", "")
        attr = _VALUES.get(option) or _FLAGS.get(option)
        if attr is None or attr not in _ALLOWED[name]:
            if token.startswith("-"):
                raise UsageError(f'"{token}" is not a valid option of {name}')
            raise UsageError(f'{name} takes no argument "{token}"')
        if option in _FLAGS:
            setattr(command, attr, True)
            continue
        if eq:
            value = inline
        elif i < len(tokens):
            value = tokens[i]
            i += 1
        else:
            raise UsageError(f'Option "{option}" takes an operand')
        if attr == "paths":
            command.paths.append(value)
        elif attr == "values":
            for pair in value.split(","):
                key, eq_sign, given = pair.partition("=")
                if not eq_sign or not key.strip():
                    raise UsageError(f'--values takes NAME=value pairs separated by commas, not "{pair}"')
                command.values[key.strip()] = given
        else:
            setattr(command, attr, value)
    if command.help:
        return command
    if name == "apply" and not command.file:
        raise UsageError("apply needs the YAML file to apply: -f FILE")
    if name == "generate" and not command.paths:
        raise UsageError("generate needs at least one id to generate: -p ID, such as -p Environments/DEV")
    return command


def usage(name: str | None = None) -> str:
    from ..options import usage as program_usage
    if name is None:
        return USAGE_COMMANDS
    first = program_usage().splitlines()[0].split(" [options]")[0]
    return f"{first} [options] {name} ...\n\n{USAGE_COMMANDS}"


def run(command: Command, session) -> int:
    from ..client import DeployitException
    from .document import AsCodeError
    try:
        if command.name == "apply":
            from .apply import apply_file
            changes = apply_file(session, command.file, command.dry_run, command.values)
            sys.stdout.write(changes.report + "\n")
        else:
            from .generate import generate_file, generate_text
            if command.file:
                count = generate_file(session, command.paths, command.file, command.artifacts)
                sys.stdout.write(f"Wrote {count} CI{'s' if count != 1 else ''} under "
                                 f"{', '.join(command.paths)} to {command.file}.\n")
            else:
                text, _count = generate_text(session, command.paths, None, command.artifacts)
                sys.stdout.write(text)
    except AsCodeError as exc:
        return _fail(str(exc))
    except DeployitException as exc:
        return _fail(f"{command.name} failed: {exc.message}")
    except OSError as exc:
        return _fail(f"{command.name} failed: {exc}")
    sys.stdout.flush()
    return 0


def _fail(message: str) -> int:
    sys.stdout.flush()
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()
    return 1
