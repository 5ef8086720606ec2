"""Entry point of the `yomi` command: the reading window, or a headless sub-command.

Each sub-command lives in app/commands/<name>.py with `add_parser(subparsers)` and
`run(args) -> int`; this module only dispatches, so start-up of the GUI does not pay for
the imports of the headless commands and vice versa.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

# name -> module under app.commands; a module that does not exist yet is simply not offered.
COMMANDS = ("inspect", "render", "centre", "pull", "report", "audit", "user", "site", "stats")


def _parser() -> tuple[argparse.ArgumentParser, dict[str, object]]:
    parser = argparse.ArgumentParser(prog="yomi", description="Yomi reading station")
    parser.add_argument("--demo", action="store_true", help="start on the embedded local demo centre")
    parser.add_argument("--config", metavar="FILE", help="centre configuration (TOML)")
    parser.add_argument("--user", metavar="NAME", help="reader ID (overrides the config)")
    parser.add_argument("--server", metavar="URL", help="DICOMweb root URL (overrides the config)")
    parser.add_argument("--ca-bundle", metavar="FILE", help="CA bundle for TLS (overrides the config)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (never personal data)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules: dict[str, object] = {}
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"app.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"app.commands.{name}":
                continue
            raise
        mod.add_parser(sub)
        modules[name] = mod
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    parser, modules = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command:
        return int(modules[args.command].run(args) or 0)
    from app.gui import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
