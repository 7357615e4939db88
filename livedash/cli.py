"""The `livedash` command: serve the app (default) and the helper subcommands.

`livedash [--host H] [--port P]` serves through gunicorn (livedash/server.py). Every
subcommand is one entry of `COMMANDS`. Configuration errors print one line naming the
variable and exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from . import logs, server
from .config import ConfigError, Settings, load_settings
from .doctor import doctor_arguments, doctor_command
from .traffic.commands import (
    seed_arguments,
    seed_command,
    simulate_arguments,
    simulate_command,
)


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="listen address (default LIVEDASH_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="listen port (default LIVEDASH_PORT or 8000)")


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    """`livedash [serve]`: run the app under gunicorn until stopped."""
    if args.port is not None and not 1 <= args.port <= 65535:
        raise ConfigError(f"--port must be between 1 and 65535, got {args.port}")
    server.serve(settings.replace(host=args.host or settings.host,
                                  port=args.port or settings.port))
    return 0


@dataclass(frozen=True)
class Command:
    """One subcommand: what it runs, the options it adds and its line in --help."""

    run: Callable[[argparse.Namespace, Settings], int]
    arguments: Callable[[argparse.ArgumentParser], None]
    help: str
    settings: bool = True  # False: the command reads (and judges) the settings itself


# Every subcommand, in one table (`livedash` alone serves).
COMMANDS: dict[str, Command] = {
    "serve": Command(serve_command, _serve_arguments, "serve the dashboard (the default)"),
    "doctor": Command(lambda args, _: doctor_command(args), doctor_arguments,
                      "check the settings, the database, the table and Redis; say what to fix",
                      settings=False),
    "simulate": Command(simulate_command, simulate_arguments,
                        "write live fake traffic to the database (demos, benchmarks)"),
    "seed": Command(seed_command, seed_arguments,
                    "bulk-load fake history into the database (demos, benchmarks)"),
}


def package_version() -> str:
    """The installed livedash version (from the package metadata)."""
    try:
        return version("livedash")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    """`livedash [--host --port]` plus one subparser per entry of COMMANDS."""
    parser = argparse.ArgumentParser(prog="livedash", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version",
                        version=f"livedash {package_version()}")
    _serve_arguments(parser)
    subs = parser.add_subparsers(dest="command")
    for name, entry in COMMANDS.items():
        entry.arguments(subs.add_parser(name, help=entry.help))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `livedash` console script."""
    args = _parser().parse_args(argv)
    entry = COMMANDS[args.command or "serve"]
    if not entry.settings:
        return entry.run(args, None)  # type: ignore[arg-type]
    try:
        settings = load_settings()
        logs.configure(settings.log_format, settings.log_level)
        return entry.run(args, settings)
    except ConfigError as exc:
        print(f"livedash: configuration error: {exc}", file=sys.stderr)
        return 2
