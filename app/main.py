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

from common.allocator import return_large_blocks

# name -> module under app.commands; a module that does not exist yet is simply not offered.
COMMANDS = ("inspect", "render", "centre", "pull", "report", "audit", "user", "site", "stats", "config")


def _parser() -> tuple[argparse.ArgumentParser, dict[str, object]]:
    parser = argparse.ArgumentParser(prog="yomi", description="Yomi reading station")
    parser.add_argument("--demo", action="store_true", help="start on the embedded local demo centre")
    parser.add_argument("--config", metavar="FILE", help="centre configuration (TOML)")
    parser.add_argument("--user", metavar="NAME", help="reader ID (overrides the config)")
    parser.add_argument("--server", metavar="URL", help="DICOMweb root URL (overrides the config)")
    parser.add_argument("--ca-bundle", metavar="FILE", help="CA bundle for TLS (overrides the config)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (never personal data)")
    parser.add_argument("--error-dialog", action="store_true",
                        help="show a start-up configuration error in a window too (the desktop menu entry uses it)")
    parser.add_argument("--version", action="store_true",
                        help="print the version (with -v: libraries, DICOM decoders and font too) and exit")
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
    return_large_blocks()  # before any thread has an arena: freed instances go back to the system
    parser, modules = _parser()
    args = parser.parse_args(argv)
    if args.version:  # before logging is set up: -v here lists components, it is not debug output
        return _print_version(args.verbose)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        # pydicom logs each pixel plugin that fails, with its traceback, at ERROR, even when the
        # next plugin decodes the frame (GDCM refuses 12-bit JPEG Extended, libjpeg reads it).
        # A frame no plugin decodes still raises, and Yomi names the file; -v shows the detail.
        logging.getLogger("pydicom.pixels.decoders.base").setLevel(logging.CRITICAL)
    from app.config import ConfigError

    try:
        if args.command:
            return int(modules[args.command].run(args) or 0)
        _check_configuration(args)
        from app.gui import run_gui

        return run_gui(args)
    except ConfigError as exc:  # one line naming the file and the key, never a traceback
        print(f"yomi: {exc}", file=sys.stderr)
        if args.error_dialog and not args.command:
            from app.windows.startup_error import show_startup_error

            show_startup_error(str(exc))
        return 2


def load_holidays() -> None:
    """The holiday calendar (the worklist's due times).

    The `holidays` package imports its ~280 country modules at the first lookup (0.15-0.5 s).
    The GUI loads it on a thread while the login window waits for the reader
    (app.windows.warm_up): before the window it delayed the window by that much, and loaded on
    a worker while the first worklist came in it held the GUI thread up for 150 ms
    (bench/bench_gui_stall.py)."""
    from datetime import date

    from app.reading.site_calendar import preload_holidays

    preload_holidays(date.today())


def _check_configuration(args: argparse.Namespace) -> None:
    """The site file (and a user file) are read before any window opens, the demo's start
    too: a wrong file stops here, with the file and key named (ConfigError)."""
    from app.commands._connection import load_centre_config

    load_centre_config(args)


def _print_version(verbose: bool) -> int:
    from app import components

    print(f"yomi {components.version()}")
    if verbose:
        c = components.components()
        print(f"bundle: {'yes' if c.frozen else 'no'}; python {c.python}")
        for name, ver in c.libraries.items():
            print(f"library: {name} {ver or '(not installed)'}")
        for syntax, plugins in c.decoders.items():
            print(f"decoder: {syntax}: {', '.join(plugins) or '(none)'}")
        print(f"cjk font: {c.cjk_font or '(none)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
