"""`yomi config show`: the effective configuration, every key with its value and where that
value came from (defaults, the site file, a user file, the command line), and which keys
the site locked. For IT rolling out a site file and for support: no secret is ever in a
file, so nothing printed here is one.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from app.commands._connection import add_connection_options


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("config", help="the effective configuration and where each value came from")
    sub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = sub.add_parser("show", help="print every setting, its value and its origin",
                          description="Every key of [centre], [station] and [audit], its effective value, the "
                          "file (or 'defaults', 'command line') it came from, and whether the site locked it.")
    add_connection_options(show)
    show.add_argument("--json", action="store_true", help="one JSON object instead of TOML-like lines")


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return "" if value is None else value


def effective(args: argparse.Namespace) -> dict[str, Any]:
    """{"site_file", "site_file_present", "sources", "settings": {qualified key: {"value",
    "origin", "locked"}}}; raises app.config.ConfigError for a configuration that cannot be used."""
    from app.audit.forwarding_config import AuditConfig, load_audit_config
    from app.commands._connection import load_centre_config

    cfg = load_centre_config(args)
    settings: dict[str, dict[str, Any]] = {}
    for section, obj in (("centre", cfg.centre), ("station", cfg.station)):
        for f in fields(obj):
            key = f"{section}.{f.name}"
            settings[key] = {"value": _plain(getattr(obj, f.name)), "origin": cfg.origin(key),
                             "locked": key in cfg.locked}
    audit = load_audit_config(cfg.site_file)
    for f in fields(AuditConfig):
        key = f"audit.{f.name}"
        # [audit] is the site file's alone: a reader can change none of it
        settings[key] = {"value": _plain(getattr(audit, f.name)), "origin": cfg.origin(key), "locked": True}
    return {"site_file": str(cfg.site_file), "site_file_present": bool(cfg.site_file and cfg.site_file.is_file()),
            "sources": list(cfg.sources), "settings": settings}


def run(args: argparse.Namespace) -> int:
    from app.config import ConfigError

    try:
        shown = effective(args)
    except ConfigError as exc:
        print(f"config show: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(shown, ensure_ascii=False, indent=2))
        return 0
    print(f"# site file: {shown['site_file']} ({'present' if shown['site_file_present'] else 'absent'})")
    print(f"# read, in order: {', '.join(shown['sources']) or '(none: defaults only)'}")
    section = ""
    for key, s in shown["settings"].items():
        table, name = key.split(".", 1)
        if table != section:
            print(f"\n[{table}]")
            section = table
        origin = s["origin"] + (", locked" if s["locked"] and table != "audit" else "")
        print(f"{name} = {json.dumps(s['value'], ensure_ascii=False)}    # {origin}")
    return 0
