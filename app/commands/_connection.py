"""What `centre` and `pull` share: the connection options and opening the centre from them.

The same options exist on the top-level parser (app/main.py); the sub-parser copies use
SUPPRESS so that `yomi --server URL centre check` and `yomi centre check --server URL`
both work and neither clobbers the other.
"""
from __future__ import annotations

import argparse
from pathlib import Path


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    s = argparse.SUPPRESS
    parser.add_argument("--config", metavar="FILE", default=s, help="centre configuration (TOML)")
    parser.add_argument("--server", metavar="URL", default=s, help="DICOMweb root URL")
    parser.add_argument("--user", metavar="NAME", default=s, help="reader ID at the centre")
    parser.add_argument("--ca-bundle", metavar="FILE", default=s, help="CA bundle for TLS")


def load_centre_config(args: argparse.Namespace):  # -> app.config.Config
    from app.config import load_config

    config = getattr(args, "config", None)
    overrides = {"dicomweb_url": getattr(args, "server", None), "user": getattr(args, "user", None),
                 "ca_bundle": getattr(args, "ca_bundle", None)}
    return load_config(Path(config) if config else None, overrides)
