"""The reading-centre configuration: defaults < site file (IT) < user file < command line.

The site file (YOMI_SITE_CONFIG, default /etc/yomi/site.toml) may list `locked` keys that
neither the user file nor the command line may change. Secrets never come from a file: a
`password`, `token` or `secret` key (or one ending in `_password`, `_token`, `_secret`) is
an error; the centre secret comes from the OS keyring, else YOMI_CENTRE_PASSWORD or
YOMI_PASSWORD (scripted use), else a prompt on a terminal; the OIDC client secret from the
keyring or YOMI_OIDC_CLIENT_SECRET.

Who the reader is at the centre is not a setting: `bind_account` replaces `user` and
`reader_dicom_name` with what IT bound to the logged-in station account (site store), and
says so when a file or the command line asked for something else. No Qt here.
"""
from __future__ import annotations

import logging
import os
import sys
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["ConfigError", "CentreConfig", "Config", "load_config", "get_secret", "open_centre",
           "bind_account", "oidc_settings", "oidc_client_secret", "SITE_CONFIG_DEFAULT", "KEYRING_SERVICE",
           "CENTRE_SECRET_ENV", "OIDC_SECRET_ENV"]

log = logging.getLogger(__name__)

SITE_CONFIG_DEFAULT = Path("/etc/yomi/site.toml")
KEYRING_SERVICE = "yomi"
_SECRET_KEYS = frozenset({"password", "passwd", "token", "secret", "api_key"})
_SECRET_SUFFIXES = ("_password", "_passwd", "_token", "_secret")
# The centre secret: YOMI_CENTRE_PASSWORD first, since YOMI_PASSWORD is also the station
# password of `yomi pull` / `yomi report export` (their login).
CENTRE_SECRET_ENV = ("YOMI_CENTRE_PASSWORD", "YOMI_PASSWORD")
OIDC_SECRET_ENV = "YOMI_OIDC_CLIENT_SECRET"


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line naming the file or key."""


@dataclass(frozen=True)
class CentreConfig:
    name: str = "Reading centre"
    dicomweb_url: str = ""
    user: str = ""
    auth: str = "basic"                 # "basic" | "bearer"
    ca_bundle: Path | None = None       # None: the system trust store
    has_ups: bool = False
    ups_state_path_variant: str = "standard"   # "standard" | "dcm4chee"
    ups_requester: str = ""             # dcm4chee's {requester} AE title
    reader_dicom_name: str = ""         # e.g. "Yamada^Hanako" as the centre writes it
    reader_code: str = ""               # UPS Human Performer code value, if the centre uses codes
    assignment_attribute: str = "00081060"     # QIDO: Name of Physician(s) Reading Study
    worklist_modalities: tuple[str, ...] = ("CT",)
    worklist_date_from: str = ""        # YYYYMMDD
    worklist_date_to: str = ""
    worklist_limit: int = 500
    report_manufacturer: str = "Yomi"
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    retries: int = 3
    pool_size: int = 4
    prefetch: int = 2                   # studies fetched ahead of the one being read
    poll_interval_s: float = 60.0
    # Station (security.md rows 5 and 8; the guideline gives no values: configurable)
    idle_lock_s: float = 300.0          # screen locks after this long without input
    cache_max_gb: float = 20.0          # encrypted study cache bound, per reader
    cache_ttl_hours: float = 72.0       # cached studies are purged this long after last use
    # Signed outputs and outbox payloads once the centre confirmed storage: kept this long for
    # the site's own checks, then deleted (0: at once; the centre holds the record copy).
    retain_sent_hours: float = 0.0
    # Double reading: what the requester receives, "final" or "all" (app/reading/requester_policy.py)
    requester_receives: str = "final"
    # Report signing defaults (site): RFC 3161 TSA, CRL files for the revocation check, the
    # organisation named as signer's (the site's, not the reader's to choose), the PKCS#11
    # module when an account's card reference names none.
    tsa_url: str = ""
    crl_files: tuple[str, ...] = ()
    report_organisation: str = ""
    pkcs11_module: str = ""
    # OpenID Connect at the centre's identity provider (empty issuer: no OIDC sign-in)
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_scopes: tuple[str, ...] = ("openid", "profile", "email")


@dataclass(frozen=True)
class Config:
    centre: CentreConfig = field(default_factory=CentreConfig)
    sources: tuple[str, ...] = ()       # files read, in order (for `centre check` and support)
    locked: frozenset[str] = frozenset()


_FIELDS = {f.name: f for f in fields(CentreConfig)}


def _coerce(key: str, value: Any, where: str) -> Any:
    default = getattr(CentreConfig(), key)
    ftype = _FIELDS[key].type
    try:
        if key == "ca_bundle":
            return Path(os.path.expanduser(str(value))) if value not in (None, "") else None
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise TypeError
            return value
        if isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError
            return value
        if isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError
            return float(value)
        if isinstance(default, tuple):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise TypeError
            return tuple(value)
        if not isinstance(value, str):
            raise TypeError
        return value
    except TypeError:
        raise ConfigError(f"{where}: centre.{key} must be {ftype}") from None


def _check_no_secrets(data: Any, where: str, trail: str = "") -> None:
    if isinstance(data, dict):
        for k, v in data.items():
            if str(k).lower() in _SECRET_KEYS or str(k).lower().endswith(_SECRET_SUFFIXES):
                raise ConfigError(f"{where}: '{trail}{k}' is not allowed: secrets go in the OS keyring "
                                  "or YOMI_PASSWORD, never in a file")
            _check_no_secrets(v, where, f"{trail}{k}.")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    _check_no_secrets(data, str(path))
    return data


def _centre_values(data: dict[str, Any], where: str, allow_locked: bool) -> dict[str, Any]:
    # [audit] (where the audit trail is forwarded) is IT's alone: app.audit.forwarding_config reads it
    unknown = set(data) - {"centre", "locked"} - ({"audit"} if allow_locked else set())
    if unknown:
        raise ConfigError(f"{where}: unknown section or key '{sorted(unknown)[0]}'")
    if "locked" in data and not allow_locked:
        raise ConfigError(f"{where}: only the site file may lock keys")
    section = data.get("centre", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: [centre] must be a table")
    out = {}
    for key, value in section.items():
        if key not in _FIELDS:
            raise ConfigError(f"{where}: unknown key centre.{key}")
        out[key] = _coerce(key, value, where)
    return out


def _validate(c: CentreConfig, where: str) -> None:
    if c.auth not in ("basic", "bearer"):
        raise ConfigError(f"{where}: centre.auth must be 'basic' or 'bearer'")
    if c.ups_state_path_variant not in ("standard", "dcm4chee"):
        raise ConfigError(f"{where}: centre.ups_state_path_variant must be 'standard' or 'dcm4chee'")
    if c.dicomweb_url and not c.dicomweb_url.startswith(("https://", "http://")):
        raise ConfigError(f"{where}: centre.dicomweb_url must be an http(s) URL")
    if "@" in urlsplit(c.dicomweb_url).netloc:
        raise ConfigError(f"{where}: centre.dicomweb_url must not carry credentials")
    if c.pool_size < 1 or c.retries < 0 or c.connect_timeout <= 0 or c.read_timeout <= 0:
        raise ConfigError(f"{where}: pool_size, retries and timeouts must be positive")
    if c.requester_receives not in ("final", "all"):   # app/reading/requester_policy.RequesterReceives
        raise ConfigError(f"{where}: centre.requester_receives must be 'final' or 'all'")
    if c.retain_sent_hours < 0 or c.cache_ttl_hours < 0 or c.cache_max_gb <= 0:
        raise ConfigError(f"{where}: retain_sent_hours and cache_ttl_hours must not be negative, "
                          "cache_max_gb must be positive")
    if c.ca_bundle is not None and not c.ca_bundle.is_file():
        raise ConfigError(f"{where}: centre.ca_bundle {c.ca_bundle} is not a file")
    if c.tsa_url and not c.tsa_url.startswith(("https://", "http://")):
        raise ConfigError(f"{where}: centre.tsa_url must be an http(s) URL")
    if c.oidc_issuer:
        if not c.oidc_issuer.startswith(("https://", "http://")):
            raise ConfigError(f"{where}: centre.oidc_issuer must be an http(s) URL")
        if not c.oidc_client_id:
            raise ConfigError(f"{where}: centre.oidc_issuer is set but centre.oidc_client_id is not")
        if "openid" not in c.oidc_scopes:
            raise ConfigError(f"{where}: centre.oidc_scopes must include 'openid'")


def load_config(path: Path | None, overrides: dict[str, Any]) -> Config:
    """Merge the layers; `overrides` are centre keys from the command line (None = not given)."""
    values: dict[str, Any] = {}
    sources: list[str] = []
    locked: frozenset[str] = frozenset()
    site = Path(os.environ.get("YOMI_SITE_CONFIG") or SITE_CONFIG_DEFAULT)
    if site.is_file():
        data = _read_toml(site)
        values.update(_centre_values(data, str(site), allow_locked=True))
        lock_list = data.get("locked", [])
        if not isinstance(lock_list, list) or not all(isinstance(k, str) for k in lock_list):
            raise ConfigError(f"{site}: locked must be a list of key names")
        locked = frozenset(k.removeprefix("centre.") for k in lock_list)
        bad = locked - set(_FIELDS)
        if bad:
            raise ConfigError(f"{site}: locked names an unknown key '{sorted(bad)[0]}'")
        sources.append(str(site))
    if path is not None:
        data = _read_toml(path)
        user_values = _centre_values(data, str(path), allow_locked=False)
        for key in user_values.keys() & locked:
            if user_values[key] != values.get(key, getattr(CentreConfig(), key)):
                raise ConfigError(f"{path}: centre.{key} is locked by the site configuration {site}")
        values.update(user_values)
        sources.append(str(path))
    cli = {k: v for k, v in overrides.items() if v is not None}
    for key, value in cli.items():
        if key not in _FIELDS:
            raise ConfigError(f"command line: unknown setting {key}")
        value = _coerce(key, value, "command line")
        if key in locked and value != values.get(key, getattr(CentreConfig(), key)):
            raise ConfigError(f"command line: centre.{key} is locked by the site configuration {site}")
        values[key] = value
    if cli:
        sources.append("command line")
    centre = replace(CentreConfig(), **values)
    _validate(centre, sources[-1] if sources else "defaults")
    return Config(centre, tuple(sources), locked)


def get_secret(centre: CentreConfig, *, interactive: bool | None = None,
               env_names: tuple[str, ...] = CENTRE_SECRET_ENV) -> str:
    """The password (basic) or token (bearer) for the centre's user, never from a file:
    the OS keyring, else the first of `env_names` set, else the terminal."""
    what = "token" if centre.auth == "bearer" else "password"
    try:
        import keyring
        from keyring.errors import KeyringError, NoKeyringError

        try:
            secret = keyring.get_password(f"{KEYRING_SERVICE}:{centre.dicomweb_url}", centre.user)
        except NoKeyringError:
            log.info("no OS keyring backend on this machine; trying %s", "/".join(env_names))
            secret = None
        except KeyringError as exc:
            log.warning("OS keyring failed (%s); trying %s", type(exc).__name__, "/".join(env_names))
            secret = None
    except ImportError:
        secret = None
    if secret:
        return secret
    for name in env_names:
        env = os.environ.get(name)
        if env:
            return env
    tty = sys.stdin.isatty() if interactive is None else interactive
    if tty:
        import getpass

        return getpass.getpass(f"{what} for {centre.user} at {centre.name}: ")
    raise ConfigError(f"no {what} for user {centre.user or '(none)'} at {centre.dicomweb_url}: the OS keyring "
                      f"has none (or no keyring backend exists here), {' / '.join(env_names)} is not set and stdin is "
                      "not a terminal")


def bind_account(centre: CentreConfig, user: Any) -> tuple[CentreConfig, list[str]]:
    """`centre` with the reader's identity at the centre taken from the logged-in account
    (`app.session.User`, bound by IT in the signed site store): its DICOM name, and its centre
    user (the station user ID when IT bound none). Returns the notices to show the reader once:
    one per configured value the account overrode, naming the key and both values (a file
    value never wins, and never loses silently)."""
    bound = {"reader_dicom_name": user.dicom_name, "user": user.centre_user or user.user_id}
    notices = []
    for key, value in bound.items():
        configured = getattr(centre, key)
        if configured and configured != value:
            notices.append(f"centre.{key} {configured!r} from the configuration is not used: the station account "
                           f"{user.user_id} is bound to {value!r} by the site")
            log.warning("config: centre.%s overridden by the account binding of %s", key, user.user_id)
    return replace(centre, **bound), notices


def oidc_client_secret(centre: CentreConfig) -> str:
    """The OIDC client secret: the OS keyring (service "yomi:oidc:<issuer>", user the client
    ID), else YOMI_OIDC_CLIENT_SECRET; empty for a public client."""
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            secret = keyring.get_password(f"{KEYRING_SERVICE}:oidc:{centre.oidc_issuer}", centre.oidc_client_id)
        except KeyringError:
            secret = None
    except ImportError:
        secret = None
    return secret or os.environ.get(OIDC_SECRET_ENV, "")


def oidc_settings(centre: CentreConfig):  # -> app.session.oidc.OidcSettings | None
    """The identity provider's settings, or None when `oidc_issuer` is not configured."""
    if not centre.oidc_issuer:
        return None
    from app.session.oidc import OidcSettings

    return OidcSettings(issuer=centre.oidc_issuer, client_id=centre.oidc_client_id,
                        client_secret=oidc_client_secret(centre), scopes=centre.oidc_scopes,
                        ca_bundle=centre.ca_bundle)


def open_centre(centre: CentreConfig, secret: str, state_dir: Path, *, auth_handler: Any = None):  # -> DicomWebCentre
    """The DICOMweb centre this configuration describes; claims are kept under `state_dir`.
    `auth_handler` (a requests auth, e.g. the OIDC bearer) signs every request instead of
    user + secret."""
    from worklist.claims import ClaimStore
    from worklist.dicomweb import ClientSettings, DicomWebClient
    from worklist.dicomweb_centre import DicomWebCentre
    from worklist.qido_worklist import QidoWorklist, QidoWorklistSettings
    from worklist.ups import UpsSettings, UpsWorklist

    if not centre.dicomweb_url:
        raise ConfigError("no centre.dicomweb_url configured (config file or --server)")
    client = DicomWebClient(ClientSettings(
        base_url=centre.dicomweb_url, user=centre.user, secret=secret, auth=centre.auth,
        ca_bundle=centre.ca_bundle, connect_timeout=centre.connect_timeout,
        read_timeout=centre.read_timeout, retries=centre.retries, pool_size=centre.pool_size,
        auth_handler=auth_handler))
    claims = ClaimStore(state_dir / "claims.json")
    source: Any = None  # without a reader name the centre can still check, pull and store
    if not (centre.reader_dicom_name or centre.reader_code):
        log.info("no reader DICOM name configured: the centre offers no worklist")
    elif centre.has_ups:
        source = UpsWorklist(client, UpsSettings(
            reader_name=centre.reader_dicom_name, reader_code=centre.reader_code,
            state_path_variant=centre.ups_state_path_variant, requester=centre.ups_requester,
            limit=centre.worklist_limit), claims)
    elif centre.reader_dicom_name:
        source = QidoWorklist(client, QidoWorklistSettings(
            reader_name=centre.reader_dicom_name, assignment_attribute=centre.assignment_attribute,
            modalities=centre.worklist_modalities, date_from=centre.worklist_date_from,
            date_to=centre.worklist_date_to, limit=centre.worklist_limit,
            report_manufacturer=centre.report_manufacturer), claims)
    return DicomWebCentre(centre.name, client, source, workers=centre.pool_size)
