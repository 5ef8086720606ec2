"""Where the station sends its audit records: the ``[audit]`` table of the site file (IT).

Read from the same site file as the centre settings (app.config.site_config_path:
YOMI_SITE_CONFIG, else site.toml in the site dir; `app.config` accepts the table there and
nowhere else), because where the audit trail goes is IT's decision, never the reader's: a user file or the command line
cannot change it. Keys:

    [audit]
    repository_host = "arr.centre.example"   # empty or absent: no forwarding
    repository_port = 6514                   # syslog over TLS (RFC 5425)
    ca_bundle = "/etc/yomi/arr-ca.pem"       # the repository's CA; absent: system trust store
    server_name = ""                         # TLS name to verify; default repository_host
    client_cert = "/etc/yomi/station.pem"    # optional mutual TLS (security.md row 7)
    client_key = "/etc/yomi/station.key"
    poll_interval_s = 2.0                    # how often the forwarder looks for new records
    max_backoff_s = 300.0                    # longest wait between attempts while it is down
    connect_timeout_s = 10.0

The client key is a file the station's OS user reads (0600), like its certificate.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from app.config import ConfigError, site_config_path

__all__ = ["AuditConfig", "load_audit_config"]


@dataclass(frozen=True)
class AuditConfig:
    repository_host: str = ""
    repository_port: int = 6514
    ca_bundle: Path | None = None
    server_name: str = ""
    client_cert: Path | None = None
    client_key: Path | None = None
    poll_interval_s: float = 2.0
    connect_timeout_s: float = 10.0
    max_backoff_s: float = 300.0

    @property
    def forwarding(self) -> bool:
        return bool(self.repository_host)


_PATHS = {"ca_bundle", "client_cert", "client_key"}
_TYPES = {f.name: f.type for f in fields(AuditConfig)}


def _value(key: str, value: Any, where: str) -> Any:
    default = getattr(AuditConfig(), key)
    if key in _PATHS:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: audit.{key} must be a file path")
        path = Path(os.path.expanduser(value)) if value else None
        if path is not None and not path.is_file():
            raise ConfigError(f"{where}: audit.{key} {path} is not a file")
        return path
    if isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(value, str):
        return value
    raise ConfigError(f"{where}: audit.{key} must be {_TYPES[key]}")


def load_audit_config(site: Path | None = None) -> AuditConfig:
    """The ``[audit]`` table of the site file; defaults (no forwarding) when there is none."""
    path = site or site_config_path()
    if not path.is_file():
        return AuditConfig()
    try:
        with path.open("rb") as f:
            table = tomllib.load(f).get("audit", {})
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [audit] must be a table")
    values = {}
    for key, value in table.items():
        if key not in _TYPES:
            raise ConfigError(f"{path}: unknown key audit.{key}")
        values[key] = _value(key, value, str(path))
    cfg = replace(AuditConfig(), **values)
    if not 0 < cfg.repository_port < 65536:
        raise ConfigError(f"{path}: audit.repository_port must be a TCP port")
    if (cfg.client_cert is None) != (cfg.client_key is None):
        raise ConfigError(f"{path}: audit.client_cert and audit.client_key go together")
    if cfg.poll_interval_s <= 0 or cfg.max_backoff_s <= 0 or cfg.connect_timeout_s <= 0:
        raise ConfigError(f"{path}: audit.poll_interval_s, max_backoff_s and connect_timeout_s must be positive")
    return cfg
