"""`deployit-cli`: parse the options, log in, run `ext/` scripts, then the `-f` script or the interactive shell.

Exit status: 0 when all went well; 1 when the login fails, the server cannot be reached or a script
ends with an uncaught exception; n for sys.exit(n); 2 for a bad command line. `deployit-cli apply|generate`
log in the same way and then run the command instead (deployit_cli.ascode.command).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _err(message: str) -> None:
    sys.stdout.flush()
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def resolve_credentials(opts) -> tuple[str | None, str | None]:
    """Options first, then cli.username/cli.password in deployit.conf, then ask (the password without echo)."""
    from . import config
    username, password = opts.username, opts.password
    if username is None or password is None:
        props = config.read_properties(config.conf_file(opts.configuration))
        conf_user = props.get("cli.username") or None
        if username is None:
            username = conf_user
        if password is None and props.get("cli.password") is not None and conf_user in (None, username):
            password = props.get("cli.password")
    if username is None:
        sys.stdout.write("Username: ")
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            raise EOFError("no username")
        username = line.rstrip("\r\n")
    if password is None:
        import getpass
        password = getpass.getpass("Password: ")
    return username, password


def main(argv: list[str] | None = None) -> int:
    from .options import UsageError, parse, usage
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        opts = parse(args)
    except UsageError as exc:
        _err(f"{exc}\n\n{usage()}")
        return 2
    if opts.help:
        sys.stdout.write(usage())
        return 0
    command = None
    if opts.command:  # `apply` / `generate`: repository as code (deployit_cli.ascode.command)
        from .ascode.command import parse_command, usage as command_usage
        try:
            command = parse_command(opts.command, opts.command_args)
        except UsageError as exc:
            _err(f"{exc}\n\n{command_usage(opts.command)}")
            return 2
        if command.help:
            sys.stdout.write(command_usage(opts.command))
            return 0
    if opts.source and not os.path.isfile(opts.source):
        _err(f"Cannot run {opts.source}: there is no such file.")
        return 1

    from .client import Client, DeployitException
    try:
        username, password = resolve_credentials(opts)
    except (EOFError, KeyboardInterrupt):
        _err("\nNo credentials given: use -username and -password, cli.username and cli.password in "
             "deployit.conf, or type them when asked.")
        return 1
    client = Client(opts.base_url, username, password, proxy=opts.proxy_url,
                    socket_timeout_ms=opts.socket_timeout)
    try:
        client.check_login()
    except DeployitException as exc:
        _err(str(exc))
        return 1

    from .session import Session
    if command is not None:
        from .ascode.command import run
        return run(command, Session(client))
    from .namespace import BANNER, build_namespace
    session = Session(client, quiet=opts.quiet)
    namespace = build_namespace(session)
    if opts.expose_proxies:
        from .proxies import Proxies
        namespace["proxies"] = Proxies(namespace, client)
    from .compat import install_user_modules
    install_user_modules(opts.source)
    sys.argv = [opts.source or ""] + list(opts.arguments)
    if opts.source:
        # Keep print output and error output in order when both go to pipes or files.
        try:
            sys.stdout.reconfigure(line_buffering=True)
        except (AttributeError, ValueError):
            pass
    if not opts.quiet:
        sys.stdout.write(BANNER)
        sys.stdout.flush()

    from . import config
    from .runner import exit_status, extension_files, format_exception, run_extensions, run_file
    try:
        run_extensions(extension_files(Path.cwd(), config.cli_home()), namespace)
        if opts.source:
            namespace["__file__"] = opts.source
            try:
                run_file(opts.source, namespace)
            except KeyboardInterrupt:
                _err("Interrupted.")
                return 130
            except Exception as exc:
                sys.stdout.flush()
                _err(format_exception(exc))
                return 1
            return 0
    except SystemExit as exc:
        sys.stdout.flush()
        return exit_status(exc)
    finally:
        sys.stdout.flush()
    return run_interactive(namespace, session)


def run_interactive(namespace: dict, session) -> int:
    from .console import run_plain
    terminal = sys.stdin.isatty() and sys.stdout.isatty()
    if not terminal or os.environ.get("TERM") == "dumb":
        status = run_plain(namespace, show_prompt=terminal)
    else:
        from . import repl
        status = repl.run(namespace, session)
    session.client.set_credentials(None, None)  # quit logs out
    return status


if __name__ == "__main__":
    sys.exit(main())
