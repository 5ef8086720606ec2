"""The station configuration: defaults < site file (IT) < user file < command line.

The site file is YOMI_SITE_CONFIG, else `site.toml` in the site dir (YOMI_SITE_DIR, default
/etc/yomi: the same folder as the account store, app.paths.site_dir). Its tables: [centre]
(the reading centre, TLS, identity provider, idle lock, cache, signing), [station] (language,
templates and hanging protocols offered), [audit] (app.audit.forwarding_config; the site
file's alone) and `locked`, the qualified keys ("centre.dicomweb_url", "station.language")
that neither a user file nor the command line may change. Every value keeps where it came
from (`Config.origins`, shown by `yomi config show`). A wrong file stops the start with one
line naming the file and the key (`ConfigError`). Secrets never come from a file: a
`password`, `token` or `secret` key (or one ending in `_password`, `_token`, `_secret`) is
an error; the centre secret comes from the OS keyring, else YOMI_CENTRE_PASSWORD or
YOMI_PASSWORD (scripted use), else a prompt on a terminal; the OIDC client secret from the
keyring or YOMI_OIDC_CLIENT_SECRET.

Who the reader is at the centre is not a setting: `bind_account` replaces `user` and
`reader_dicom_name` with what IT bound to the logged-in station account (site store), and
says so when a file or the command line asked for something else. No Qt here.
"""
from __future__ import annotations

import difflib
import logging
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["ConfigError", "CentreConfig", "StationConfig", "Config", "load_config", "site_config_path",
           "LANGUAGES", "SCHEMA", "DEFAULTS", "COMMAND_LINE", "get_secret", "open_centre",
           "bind_account", "oidc_settings", "oidc_client_secret", "SITE_CONFIG_DEFAULT", "KEYRING_SERVICE",
           "CENTRE_SECRET_ENV", "OIDC_SECRET_ENV"]

log = logging.getLogger(__name__)

SITE_CONFIG_NAME = "site.toml"
SITE_CONFIG_DEFAULT = Path("/etc/yomi") / SITE_CONFIG_NAME   # where it is when neither variable is set
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
    client_cert: Path | None = None     # the station's TLS client certificate (PEM), for mutual TLS
    client_key: Path | None = None      # its private key (PEM, readable by the station user only)
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


LANGUAGES = ("auto", "ja", "en")   # "auto": the system locale's, Japanese or else English


@dataclass(frozen=True)
class StationConfig:
    """What the station offers the reader, whatever the centre: IT's choice, the reader's
    preference where IT did not lock it."""

    language: str = "auto"                    # one of LANGUAGES
    templates: tuple[str, ...] = ()           # report template ids offered; empty: every bundled one
    hanging_protocols: tuple[str, ...] = ()   # hanging protocol ids offered; empty: every bundled one
    sign_grace_s: float = 0.0                 # signatures without the passwords again (app/reading/sign_grace)


DEFAULTS = "defaults"
COMMAND_LINE = "command line"
# Tables of the site file and who may write them: [centre] and [station] are layered,
# [audit] (where the audit trail goes, app.audit.forwarding_config), [turnaround] and
# [critical] (due times, critical-result channels: app.reading.site_rules) are the site file's alone.
_LAYERED = {"centre": CentreConfig, "station": StationConfig}
_SITE_ONLY = ("audit", "turnaround", "critical")
_PATH_KEYS = frozenset({"centre.ca_bundle", "centre.client_cert", "centre.client_key"})


@dataclass(frozen=True)
class Config:
    centre: CentreConfig = field(default_factory=CentreConfig)
    sources: tuple[str, ...] = ()       # files read, in order (for `centre check` and support)
    locked: frozenset[str] = frozenset()  # qualified keys ("centre.dicomweb_url") only the site sets
    station: StationConfig = field(default_factory=StationConfig)
    # qualified key -> where its value came from: DEFAULTS, a file path, or COMMAND_LINE
    origins: Mapping[str, str] = field(default_factory=dict)
    site_file: Path | None = None       # the site file looked for (whether or not it exists)

    @property
    def language(self) -> str:
        return self.station.language

    @property
    def templates(self) -> tuple[str, ...]:
        return self.station.templates

    @property
    def hanging_protocols(self) -> tuple[str, ...]:
        return self.station.hanging_protocols

    def origin(self, key: str) -> str:
        """Where the value of qualified `key` came from."""
        return self.origins.get(key, DEFAULTS)


_FIELDS = {f.name: f for f in fields(CentreConfig)}
SCHEMA: dict[str, Any] = {f"{s}.{f.name}": f for s, cls in _LAYERED.items() for f in fields(cls)}


def site_config_path() -> Path:
    """The site file: YOMI_SITE_CONFIG, else site.toml in the site dir (app.paths.site_dir,
    where the account store lives too)."""
    from app.paths import site_dir

    override = os.environ.get("YOMI_SITE_CONFIG")
    return Path(override) if override else site_dir() / SITE_CONFIG_NAME


def _suggest(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _coerce(qkey: str, value: Any, where: str) -> Any:
    section, key = qkey.split(".", 1)
    default = getattr(_LAYERED[section](), key)
    ftype = SCHEMA[qkey].type
    try:
        if qkey in _PATH_KEYS:
            if value is not None and not isinstance(value, str):
                raise TypeError
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
        raise ConfigError(f"{where}: {qkey} must be {ftype}, not {type(value).__name__}") from None


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


def _file_values(data: dict[str, Any], where: str, site: bool) -> dict[str, Any]:
    """Qualified key -> value of one file's layered tables, each checked for name and type."""
    allowed = set(_LAYERED) | ({"locked", *_SITE_ONLY} if site else set())
    for name in data:
        if name not in allowed:
            if name == "locked" or name in _SITE_ONLY:
                raise ConfigError(f"{where}: '{name}' is the site configuration's alone "
                                  f"({site_config_path()}); a user file may not set it")
            raise ConfigError(f"{where}: unknown section or key '{name}'{_suggest(name, allowed)}")
    out = {}
    for section in _LAYERED:
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{section}] must be a table")
        for key, value in table.items():
            qkey = f"{section}.{key}"
            if qkey not in SCHEMA:
                raise ConfigError(f"{where}: unknown key {qkey}{_suggest(qkey, SCHEMA)}")
            out[qkey] = _coerce(qkey, value, where)
    return out


def _locked_keys(data: dict[str, Any], where: str) -> frozenset[str]:
    names = data.get("locked", [])
    if not isinstance(names, list) or not all(isinstance(k, str) for k in names):
        raise ConfigError(f"{where}: locked must be a list of key names, e.g. [\"centre.dicomweb_url\"]")
    # a bare name is a centre key, as the first site files wrote them
    qualified = frozenset(k if "." in k else f"centre.{k}" for k in names)
    bad = sorted(qualified - set(SCHEMA))
    if bad:
        raise ConfigError(f"{where}: locked names an unknown key '{bad[0]}'{_suggest(bad[0], SCHEMA)}")
    return qualified


def _validate(c: CentreConfig, s: StationConfig, origins: Mapping[str, str]) -> None:
    def fail(key: str, text: str) -> ConfigError:
        return ConfigError(f"{origins.get(key, DEFAULTS)}: {key} {text}")

    if c.auth not in ("basic", "bearer"):
        raise fail("centre.auth", "must be 'basic' or 'bearer'")
    if c.ups_state_path_variant not in ("standard", "dcm4chee"):
        raise fail("centre.ups_state_path_variant", "must be 'standard' or 'dcm4chee'")
    if c.dicomweb_url and not c.dicomweb_url.startswith(("https://", "http://")):
        raise fail("centre.dicomweb_url", "must be an http(s) URL")
    if "@" in urlsplit(c.dicomweb_url).netloc:
        raise fail("centre.dicomweb_url", "must not carry credentials")
    for key in ("pool_size", "connect_timeout", "read_timeout"):
        if getattr(c, key) <= 0:
            raise fail(f"centre.{key}", "must be positive")
    for key in ("retries", "retain_sent_hours", "cache_ttl_hours"):
        if getattr(c, key) < 0:
            raise fail(f"centre.{key}", "must not be negative")
    if c.cache_max_gb <= 0:
        raise fail("centre.cache_max_gb", "must be positive")
    if c.idle_lock_s <= 0:
        raise fail("centre.idle_lock_s", "must be positive")
    if c.requester_receives not in ("final", "all"):   # app/reading/requester_policy.RequesterReceives
        raise fail("centre.requester_receives", "must be 'final' or 'all'")
    for key in ("ca_bundle", "client_cert", "client_key"):
        value = getattr(c, key)
        if value is not None and not value.is_file():
            raise fail(f"centre.{key}", f"{value} is not a file")
    if c.client_key is not None and c.client_cert is None:
        raise fail("centre.client_key", "is set but centre.client_cert is not")
    if c.tsa_url and not c.tsa_url.startswith(("https://", "http://")):
        raise fail("centre.tsa_url", "must be an http(s) URL")
    if c.oidc_issuer:
        if not c.oidc_issuer.startswith(("https://", "http://")):
            raise fail("centre.oidc_issuer", "must be an http(s) URL")
        if not c.oidc_client_id:
            raise fail("centre.oidc_issuer", "is set but centre.oidc_client_id is not")
        if "openid" not in c.oidc_scopes:
            raise fail("centre.oidc_scopes", "must include 'openid'")
    if not 0 <= s.sign_grace_s <= 3600:
        raise fail("station.sign_grace_s", "must be between 0 (ask for every signature) and 3600 seconds")
    if s.language not in LANGUAGES:
        raise fail("station.language", f"must be one of {', '.join(LANGUAGES)}, not {s.language!r}")
    if s.templates:
        from app.report.templates import TemplateError, list_templates

        try:
            bundled = {t.id for t in list_templates()}
        except TemplateError as exc:
            raise ConfigError(f"bundled report templates: {exc}") from None
        unknown = [t for t in s.templates if t not in bundled]
        if unknown:
            raise fail("station.templates", f"names {unknown[0]!r}, not a bundled template "
                                            f"({', '.join(sorted(bundled))})")
    if s.hanging_protocols:
        offered = bundled_hanging_protocols()
        unknown = [h for h in s.hanging_protocols if h not in offered]
        if unknown:
            raise fail("station.hanging_protocols", f"names {unknown[0]!r}, not a bundled hanging protocol "
                                                    f"({', '.join(sorted(offered)) or 'none bundled'})")


def bundled_hanging_protocols() -> frozenset[str]:
    """The names a site may offer: each resources/hanging/*.json by its file name (without
    .json) and by the "id" it holds, if any."""
    import json
    from importlib import resources

    folder = resources.files("resources") / "hanging"
    names: set[str] = set()
    if not folder.is_dir():
        return frozenset()
    for f in folder.iterdir():
        if not f.name.endswith(".json"):
            continue
        names.add(f.name.removesuffix(".json"))
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # its own loader reports a broken protocol file; here only its name counts
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            names.add(data["id"])
    return frozenset(names)


def _check_locked(values: dict[str, Any], base: dict[str, Any], locked: frozenset[str], where: str,
                  site: Path) -> None:
    for qkey in sorted(values.keys() & locked):
        if values[qkey] != base.get(qkey, _default(qkey)):
            raise ConfigError(f"{where}: {qkey} is locked by the site configuration {site}")


def _default(qkey: str) -> Any:
    section, key = qkey.split(".", 1)
    return getattr(_LAYERED[section](), key)


def load_config(path: Path | None, overrides: dict[str, Any]) -> Config:
    """Merge the layers; `overrides` are centre keys from the command line (None = not given).
    Every value keeps its origin (`Config.origins`): `yomi config show` prints them."""
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    sources: list[str] = []
    locked: frozenset[str] = frozenset()
    site = site_config_path()
    if site.is_file():
        data = _read_toml(site)
        site_values = _file_values(data, str(site), site=True)
        locked = _locked_keys(data, str(site))
        values.update(site_values)
        origins.update(dict.fromkeys(site_values, str(site)))
        if "audit" in data:
            # checked here too, so that a wrong [audit] stops the start with the file and key named
            from app.audit.forwarding_config import load_audit_config

            load_audit_config(site)
            if isinstance(data["audit"], dict):
                origins.update({f"audit.{k}": str(site) for k in data["audit"]})
        if "turnaround" in data or "critical" in data:
            # the same: a wrong due-time or critical-result rule stops the start, named
            from app.reading.site_rules import SiteRulesError, parse_site_rules

            try:
                parse_site_rules(data, str(site))
            except SiteRulesError as exc:
                raise ConfigError(str(exc)) from None
            for table in ("turnaround", "critical"):
                if isinstance(data.get(table), dict):
                    origins.update({f"{table}.{k}": str(site) for k in data[table]})
        sources.append(str(site))
    if path is not None:
        data = _read_toml(path)
        user_values = _file_values(data, str(path), site=False)
        _check_locked(user_values, values, locked, str(path), site)
        values.update(user_values)
        origins.update(dict.fromkeys(user_values, str(path)))
        sources.append(str(path))
    cli = {}
    for key, value in overrides.items():
        if value is None:
            continue
        qkey = key if "." in key else f"centre.{key}"
        if qkey not in SCHEMA:
            raise ConfigError(f"{COMMAND_LINE}: unknown setting {key}")
        cli[qkey] = _coerce(qkey, value, COMMAND_LINE)
    _check_locked(cli, values, locked, COMMAND_LINE, site)
    values.update(cli)
    origins.update(dict.fromkeys(cli, COMMAND_LINE))
    if cli:
        sources.append(COMMAND_LINE)
    parts: dict[str, dict[str, Any]] = {s: {} for s in _LAYERED}
    for qkey, value in values.items():
        section, key = qkey.split(".", 1)
        parts[section][key] = value
    centre = replace(CentreConfig(), **parts["centre"])
    station = replace(StationConfig(), **parts["station"])
    _validate(centre, station, origins)
    return Config(centre, tuple(sources), locked, station, origins, site)


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
        ca_bundle=centre.ca_bundle, client_cert=centre.client_cert, client_key=centre.client_key,
        connect_timeout=centre.connect_timeout,
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
