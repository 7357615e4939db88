"""The `livedash` command: serve the app (default) and the helper subcommands.

`livedash [--host H] [--port P]` serves through gunicorn with one worker and many threads,
Flask-SocketIO's documented production setup in threading mode: every open dashboard holds a
thread, so LIVEDASH_THREADS caps concurrent viewers. Configuration errors print one line naming
the variable and exit 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .config import ConfigError, Settings, load_settings

Command = Callable[[argparse.Namespace, Settings], int]
# gunicorn's gthread worker accepts at most `worker_connections` sockets (default 1000) and keeps
# worker_connections - threads of them idle in keep-alive. Every websocket holds a thread, so
# connections beyond the threads are idle HTTP keep-alives: allow that many again, or a
# LIVEDASH_THREADS above 1000 could never be used and /healthz would wait behind the viewers.
KEEPALIVE_HEADROOM = 2
_COMMANDS: dict[str, tuple[Command, Callable[[argparse.ArgumentParser], None], str]] = {}


def command(name: str, help_text: str) -> Callable[[Callable[..., Any]], Any]:
    """Register a subcommand: decorate `run(args, settings)`; its `.arguments` adds options."""

    def register(run: Command) -> Command:
        _COMMANDS[name] = (run, getattr(run, "arguments", lambda p: None), help_text)
        return run

    return register


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="listen address (default LIVEDASH_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="listen port (default LIVEDASH_PORT or 8000)")


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """One gthread worker (Flask-SocketIO's threading-mode setup) sized by LIVEDASH_THREADS."""
    return {"bind": f"{settings.host}:{settings.port}", "workers": 1,
            "worker_class": "gthread", "threads": settings.threads,
            "worker_connections": settings.threads * KEEPALIVE_HEADROOM, "timeout": 60,
            "graceful_timeout": 5, "loglevel": settings.log_level,
            "errorlog": "-", "accesslog": None}


def serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the app under gunicorn (gthread worker, one process)."""
    from gunicorn.app.base import BaseApplication

    if args.port is not None and not 1 <= args.port <= 65535:
        raise ConfigError(f"--port must be between 1 and 65535, got {args.port}")
    settings = settings.replace(host=args.host or settings.host, port=args.port or settings.port)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = gunicorn_options(settings)
            if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 24
                options["control_socket_disable"] = True  # one shared path per user clashes
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from . import create_app

            return create_app(settings)

    print(f"livedash: serving on http://{settings.host}:{settings.port}/ "
          f"({settings.threads} threads)", file=sys.stderr)
    Server().run()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="livedash", description=__doc__.splitlines()[0])
    _serve_arguments(parser)
    subs = parser.add_subparsers(dest="command")
    serve_parser = subs.add_parser("serve", help="serve the dashboard (the default)")
    _serve_arguments(serve_parser)
    for name, (_, add_arguments, help_text) in sorted(_COMMANDS.items()):
        add_arguments(subs.add_parser(name, help=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `livedash` console script."""
    from . import traffic  # noqa: F401
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        if args.command in (None, "serve"):
            return serve(args, settings)
        return _COMMANDS[args.command][0](args, settings)
    except ConfigError as exc:
        print(f"livedash: configuration error: {exc}", file=sys.stderr)
        return 2
