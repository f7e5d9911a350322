"""`deployit-server`: initialise the home on first start, then serve the REST API with uvicorn."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import signal
import sys
from pathlib import Path

DEFAULT_HOME = Path(os.environ.get("DEPLOYIT_SERVER_HOME", "deployit-home"))


def setup_logging(log_dir: Path, level: str = "INFO") -> None:
    fmt = logging.Formatter("%(asctime)s %(levelname)-5s [%(name)s] %(message)s")
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    file_handler = logging.handlers.RotatingFileHandler(log_dir / "deployit.log", maxBytes=10 * 1024 * 1024,
                                                        backupCount=5, encoding="utf-8")
    stderr_handler = logging.StreamHandler(sys.stderr)
    for handler in (file_handler, stderr_handler):
        handler.setFormatter(fmt)
        root.addHandler(handler)


def port_taken(bind: str, port: int) -> bool:
    """Whether another program listens on the address already (uvicorn would only say so after the
    services started, tasks recovered included, against a home that other server may be using)."""
    import socket
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    with socket.socket(family) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is no obstacle
        try:
            sock.bind((bind, port))
        except OSError:
            return True
    return False


def tune_gc() -> None:
    """Planning a large deployment makes hundreds of thousands of objects, nearly all freed by reference
    counting; at Python's default threshold (700) the cycle collector runs so often that it took a fifth
    of the planning time. The objects built at start-up (types, rules, tables) never become garbage:
    frozen, they are left out of every collection."""
    import gc
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 10)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="deployit-server", description="Run the deployit server (XL Deploy's REST API).")
    parser.add_argument("--home", "-home", type=Path, default=DEFAULT_HOME,
                        help="server home folder (created on first start; default: $DEPLOYIT_SERVER_HOME or ./deployit-home)")
    parser.add_argument("--host", "-host", default=None, help="address to listen on (default from deployit.conf: 127.0.0.1)")
    parser.add_argument("--port", "-port", type=int, default=None, help="port to listen on (default from deployit.conf: 4516)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from .config import init_home, load_config
    first = init_home(args.home, args.host, args.port)
    config = load_config(args.home, args.host, args.port)
    setup_logging(config.log_dir, args.log_level)
    log = logging.getLogger("deployit.server")
    if first:
        log.info("Initialised a new server home in %s", config.home)
    if port_taken(config.bind, config.port):
        log.error("Cannot start: port %d on %s is already in use; stop what listens there, or choose another "
                  "port with --port (or http.port in conf/deployit.conf).", config.port, config.bind)
        return 2

    from .api.app import create_app
    from .services import build_services
    from .planning.rules import RuleError
    from .store.schema_version import SchemaTooNew
    from .types import TypeSystemError
    try:
        services = build_services(config)
    except TypeSystemError as exc:
        log.error("Cannot load the type system: %s", exc)
        return 2
    except ValueError as exc:  # a bad setting in deployit.conf
        log.error("Cannot start: %s", exc)
        return 2
    except RuleError as exc:
        log.error("Cannot load the planning rules: %s", exc)
        return 2
    except SchemaTooNew as exc:
        log.error("Cannot start: %s", exc)
        return 2
    import uvicorn
    app = create_app(services)
    tune_gc()
    log.info("deployit server on http://%s:%d%s (home %s)", config.bind, config.port, config.rest_prefix, config.home)
    # uvicorn handles SIGINT/SIGTERM: it stops accepting, finishes requests in flight and returns.
    # It then re-raises the signal to the handlers it found; ours just let main() finish cleanly.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    from .connections import protocol_with_header_timeout
    server = uvicorn.Server(uvicorn.Config(app, host=config.bind, port=config.port, log_config=None,
                                           access_log=False, timeout_graceful_shutdown=10,
                                           http=protocol_with_header_timeout(config.header_timeout)))
    def request_shutdown():
        log.info("Shutdown requested through the REST API")
        server.should_exit = True
    services.request_shutdown = request_shutdown
    server.run()
    services.db.dispose()
    log.info("deployit server stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
