"""Command-line options as the original args4j parser took them: single-dash long options, `--` ends them.

Options may appear anywhere before `--` (args4j parses them wherever they are); every other token is
an argument, and everything after `--` is an argument even when it starts with `-`.

Our addition: when the first argument is a command (`apply`, `generate`; see deployit_cli.ascode.command)
and no `-f` script came before it, the tokens after it that are not connection options are the command's
(`command_args`): connection options may stand before or after the command, its own options after it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

USAGE_OPTIONS = """\
Options:

 -configuration VAL : Specify the location of the configuration directory. The
                      CLI will look for a deployit.conf in this location.
 -context VAL       : Context url XL Deploy is running at, defaults to ''
 -expose-proxies    : Expose the REST services to scripts as the 'proxies' object
 -f (-source) VAL   : Execute a specified python source file
 -help              : Prints this usage message
 -host VAL          : Connect to a specified host, defaults to 127.0.0.1
 -password VAL      : Connect with the specified password
 -port N            : Connect to a specified port, defaults to 4516
 -proxyHost VAL     : Proxy host
 -proxyPort N       : Proxy port
 -q (-quiet)        : Suppresses the welcome banner
 -secure            : Use https to connect to the XL Deploy server
 -socketTimeout N   : Socket timeout in milliseconds, defaults to no timeout
 -username VAL      : Connect as the specified user
"""


def usage() -> str:
    from .ascode.command import USAGE_COMMANDS
    program = os.environ.get("DEPLOYIT_CLI_NAME") or "deployit-cli"
    return f"Usage: {program} [options] [[--] arguments]\n\n{USAGE_OPTIONS}\n{USAGE_COMMANDS}"


class UsageError(Exception):
    """A bad command line; the message is one sentence in args4j's style."""


@dataclass
class Options:
    host: str = "127.0.0.1"
    port: int | None = None
    username: str | None = None
    password: str | None = None
    context: str = ""
    secure: bool = False
    proxy_host: str | None = None
    proxy_port: int | None = None
    socket_timeout: int | None = None
    configuration: str | None = None
    source: str | None = None
    quiet: bool = False
    expose_proxies: bool = False
    help: bool = False
    arguments: list[str] = field(default_factory=list)
    command: str | None = None  # apply or generate
    command_args: list[str] = field(default_factory=list)

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 4517 if self.secure else 4516

    @property
    def base_url(self) -> str:
        """The REST base, e.g. http://127.0.0.1:4516/deployit or http://h:4516/ctx/deployit."""
        scheme = "https" if self.secure else "http"
        host = self.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"  # an IPv6 address
        return f"{scheme}://{host}:{self.effective_port}{context_path(self.context)}"

    @property
    def proxy_url(self) -> str | None:
        if not self.proxy_host:
            return None
        if "://" in self.proxy_host:
            return self.proxy_host if self.proxy_port is None else f"{self.proxy_host}:{self.proxy_port}"
        return f"http://{self.proxy_host}:{self.proxy_port or 8080}"


def context_path(context: str | None) -> str:
    """`-context` as a path: a leading / is added, and a trailing /deployit when it is missing.

    '' -> /deployit; 'newcontext' -> /newcontext/deployit; '/deployit' -> /deployit (a server whose context
    root is itself 'deployit' needs '/deployit/deployit').
    """
    parts = [p for p in (context or "").strip().split("/") if p]
    if not parts or parts[-1] != "deployit":
        parts.append("deployit")
    return "/" + "/".join(parts)


_VALUE_OPTIONS = {
    "-configuration": "configuration", "-context": "context", "-f": "source", "-source": "source",
    "-host": "host", "-password": "password", "-port": "port", "-proxyHost": "proxy_host",
    "-proxyPort": "proxy_port", "-username": "username", "-socketTimeout": "socket_timeout",
}
_FLAG_OPTIONS = {"-q": "quiet", "-quiet": "quiet", "-secure": "secure", "-h": "help", "-help": "help",
                 "-expose-proxies": "expose_proxies"}
_NUMBER_OPTIONS = {"port", "proxy_port", "socket_timeout"}
_COMMANDS = ("apply", "generate")
_COMMAND_OWN = {"-f", "-source", "-h", "-help"}  # after a command these are the command's options


def parse(argv: list[str]) -> Options:
    opts = Options()
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if opts.command is None and token in _COMMANDS and not opts.arguments and opts.source is None:
            opts.command = token
            continue
        if token == "--":
            (opts.command_args if opts.command else opts.arguments).extend(tokens[i:])
            break
        name, eq, inline = token.partition("=") if token.startswith("-") else (token, "", "")
        if opts.command and (name in _COMMAND_OWN or (name not in _FLAG_OPTIONS and name not in _VALUE_OPTIONS)):
            opts.command_args.append(token)
            continue
        if name in _FLAG_OPTIONS and not eq:
            setattr(opts, _FLAG_OPTIONS[name], True)
        elif name in _VALUE_OPTIONS:
            if eq:
                value = inline
            elif i < len(tokens):
                value = tokens[i]
                i += 1
            else:
                raise UsageError(f'Option "{name}" takes an operand')
            attr = _VALUE_OPTIONS[name]
            if attr in _NUMBER_OPTIONS:
                try:
                    number = int(value)
                except ValueError:
                    raise UsageError(f'"{value}" is not a valid value for "{name}"') from None
                if number < 0 or (attr.endswith("port") and number > 65535):
                    raise UsageError(f'"{value}" is not a valid value for "{name}"')
                setattr(opts, attr, number)
            else:
                setattr(opts, attr, value)
        elif token.startswith("-") and len(token) > 1:
            raise UsageError(f'"{token}" is not a valid option')
        else:
            opts.arguments.append(token)
    return opts
