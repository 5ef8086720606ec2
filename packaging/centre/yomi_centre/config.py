"""The `YomiCentre` section of the Orthanc configuration, validated once at start-up.

Minimal form (README.md):  "YomiCentre": {"Readers": {"<orthanc user>": {"dicom_name": "Family^Given"}}}
Orthanc users not listed under Readers keep Orthanc's normal access (staff, upload accounts).
"Authentication": "plugin" (with an "Oidc" object) makes the plugin authenticate every request
itself, basic and bearer, with Orthanc's own check off; see README "Bearer tokens".
"""
from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["ConfigError", "ReaderConfig", "OidcConfig", "CentreConfig", "parse_config",
           "ORTHANC_AUTH", "PLUGIN_AUTH", "provider_url"]

ORTHANC_AUTH = "orthanc"   # Orthanc checks basic credentials (the default)
PLUGIN_AUTH = "plugin"     # the plugin's filter authenticates every request (basic + bearer)
_MAX_CACHE_S = 300         # a revoked token is believed at most this long; keep it short


class ConfigError(ValueError):
    """The YomiCentre section cannot be used; the message names the key at fault."""


@dataclass(frozen=True)
class ReaderConfig:
    login: str          # the Orthanc user (RegisteredUsers key)
    dicom_name: str     # how the centre writes this reader in (0008,1060) / Human Performer's Name
    performer_code: str = ""   # optional Human Performer Code Sequence > Code Value
    oidc_subject: str = ""     # plugin mode: the provider's ReaderClaim value for this reader


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    userinfo_url: str = ""     # "" = from the issuer's discovery document
    ca_bundle: str = ""        # "" = the system's trust store
    reader_claim: str = "sub"
    cache_seconds: float = 30.0
    timeout_seconds: float = 5.0


@dataclass(frozen=True)
class CentreConfig:
    readers: dict[str, ReaderConfig]
    state_directory: str
    dicomweb_root: str = "/dicom-web/"
    reject_performer_key: bool = False   # answer 400 to a search on Human Performer's Name (Microsoft's quirk)
    # Double reading without workitems: (0008,1060) in order names first reader, second reader, judge
    roles_from_reading_order: bool = False
    registered_users: frozenset[str] = field(default_factory=frozenset)
    # Orthanc users of the requesting hospitals: DICOMweb GET only, and of a double-read study
    # under "final" only the judge's final report (access.py, double_reading.py)
    requesters: frozenset[str] = frozenset()
    requester_receives: str = "final"
    # Orthanc checks passwords itself only with "AuthenticationEnabled": true; otherwise a
    # request may come with no identity at all, and is then refused (see access.py).
    authentication_enabled: bool = True
    authentication: str = ORTHANC_AUTH
    oidc: OidcConfig | None = None
    # RegisteredUsers with their passwords, for plugin mode's own basic check; kept out of repr
    passwords: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)


def _root(dicomweb: object) -> str:
    root = "/dicom-web/"
    if isinstance(dicomweb, dict) and isinstance(dicomweb.get("Root"), str):
        root = dicomweb["Root"]
    root = "/" + root.strip("/") + "/"
    return root


def parse_config(orthanc_config: dict) -> CentreConfig:
    """The plugin's settings from the whole Orthanc configuration (orthanc.GetConfiguration())."""
    section = orthanc_config.get("YomiCentre")
    if not isinstance(section, dict):
        raise ConfigError('the Orthanc configuration has no "YomiCentre" object')
    readers_raw = section.get("Readers")
    if not isinstance(readers_raw, dict) or not readers_raw:
        raise ConfigError('"YomiCentre"."Readers" must be an object naming at least one Orthanc user')
    users = orthanc_config.get("RegisteredUsers") or {}
    readers: dict[str, ReaderConfig] = {}
    for login, entry in readers_raw.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("dicom_name"), str) \
                or not entry["dicom_name"].strip().split("=")[0].strip("^ "):
            raise ConfigError(f'"YomiCentre"."Readers"."{login}" needs "dicom_name": "Family^Given" '
                              "(the alphabetic group is required)")
        code = entry.get("performer_code", "")
        if not isinstance(code, str):
            raise ConfigError(f'"YomiCentre"."Readers"."{login}"."performer_code" must be a string')
        subject = entry.get("oidc_subject", "")
        if not isinstance(subject, str):
            raise ConfigError(f'"YomiCentre"."Readers"."{login}"."oidc_subject" must be a string')
        readers[login] = ReaderConfig(login, entry["dicom_name"].strip(), code.strip(), subject.strip())
    state_dir = section.get("StateDirectory")
    if state_dir is None:
        base = orthanc_config.get("IndexDirectory") or orthanc_config.get("StorageDirectory") or "OrthancStorage"
        state_dir = os.path.join(str(base), "yomi-centre")
    if not isinstance(state_dir, str) or not state_dir:
        raise ConfigError('"YomiCentre"."StateDirectory" must be a directory path')
    reject = section.get("RejectPerformerKey", False)
    if not isinstance(reject, bool):
        raise ConfigError('"YomiCentre"."RejectPerformerKey" must be true or false')
    mode, oidc, passwords = _authentication(orthanc_config, section, readers)
    double = section.get("DoubleReading", {})
    order = double.get("RolesFromReadingOrder", False) if isinstance(double, dict) else None
    if not isinstance(order, bool):
        raise ConfigError('"YomiCentre"."DoubleReading" must be an object whose "RolesFromReadingOrder" is true or false')
    receives = double.get("RequesterReceives", "final")
    if receives not in ("final", "all"):
        raise ConfigError('"YomiCentre"."DoubleReading"."RequesterReceives" must be "final" or "all"')
    requesters = section.get("Requesters", [])
    if not isinstance(requesters, list) or not all(isinstance(u, str) and u for u in requesters):
        raise ConfigError('"YomiCentre"."Requesters" must be a list of Orthanc user names')
    both = sorted(set(requesters) & set(readers))
    if both:
        raise ConfigError(f'"YomiCentre"."Requesters": "{both[0]}" is also a reader; an account is one or the other')
    return CentreConfig(readers=readers, state_directory=state_dir, dicomweb_root=_root(orthanc_config.get("DicomWeb")),
                        reject_performer_key=reject, roles_from_reading_order=order,
                        requesters=frozenset(requesters), requester_receives=receives,
                        registered_users=frozenset(users) if isinstance(users, dict) else frozenset(),
                        authentication_enabled=orthanc_config.get("AuthenticationEnabled") is True,
                        authentication=mode, oidc=oidc, passwords=passwords)


def _authentication(orthanc_config: dict, section: dict, readers: dict[str, ReaderConfig]
                    ) -> tuple[str, OidcConfig | None, dict[str, str]]:
    """Who authenticates, checked so that no combination leaves the server open."""
    mode = section.get("Authentication", ORTHANC_AUTH)
    if mode not in (ORTHANC_AUTH, PLUGIN_AUTH):
        raise ConfigError('"YomiCentre"."Authentication" must be "orthanc" (the default) or "plugin"')
    orthanc_checks = orthanc_config.get("AuthenticationEnabled") is True
    if mode == ORTHANC_AUTH:
        if orthanc_config.get("RemoteAccessAllowed") is True and not orthanc_checks:
            # Nobody would check a password and anyone on the network could reach the server.
            raise ConfigError('"RemoteAccessAllowed" is true but "AuthenticationEnabled" is not true: set '
                              '"AuthenticationEnabled": true, or "YomiCentre"."Authentication": "plugin"')
        if "Oidc" in section:
            raise ConfigError('"YomiCentre"."Oidc" is used only with "YomiCentre"."Authentication": "plugin"')
        if any(r.oidc_subject for r in readers.values()):
            raise ConfigError('"oidc_subject" of a reader is used only with "YomiCentre"."Authentication": "plugin"')
        return mode, None, {}
    if orthanc_config.get("AuthenticationEnabled") is not False:
        # Orthanc's own check answers 401 to every bearer request before the plugin sees it,
        # and absent means "on" when remote access is allowed: it must be said explicitly.
        raise ConfigError('"YomiCentre"."Authentication": "plugin" needs "AuthenticationEnabled": false '
                          "(the plugin then checks every request itself)")
    users = orthanc_config.get("RegisteredUsers") or {}
    if not isinstance(users, dict) or not all(isinstance(k, str) and isinstance(v, str) and v
                                              for k, v in users.items()):
        raise ConfigError('"RegisteredUsers" must map each user name to a non-empty password')
    subjects: dict[str, str] = {}
    for r in readers.values():
        if r.oidc_subject:
            if r.oidc_subject in subjects:
                raise ConfigError(f'"YomiCentre"."Readers": readers "{subjects[r.oidc_subject]}" and "{r.login}" '
                                  'have the same "oidc_subject"')
            subjects[r.oidc_subject] = r.login
    return mode, _oidc(section.get("Oidc")), dict(users)


def provider_url(value: object, key: str) -> str:
    """An http(s) URL; plain http only to this machine, since a bearer token goes in clear."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f'"YomiCentre"."Oidc"."{key}" must be a URL')
    parts = urlsplit(value.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f'"YomiCentre"."Oidc"."{key}" must be an https URL')
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ConfigError(f'"YomiCentre"."Oidc"."{key}" must use https (http only for a provider on this machine)')
    return value.strip().rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _number(section: dict, key: str, default: float, low: float, high: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ConfigError(f'"YomiCentre"."Oidc"."{key}" must be a number from {low:g} to {high:g}')
    return float(value)


def _oidc(raw: object) -> OidcConfig:
    if not isinstance(raw, dict):
        raise ConfigError('"YomiCentre"."Authentication": "plugin" needs an "Oidc" object with the "Issuer"')
    userinfo = provider_url(raw["UserinfoUrl"], "UserinfoUrl") if raw.get("UserinfoUrl") is not None else ""
    ca = raw.get("CaBundle", "")
    if not isinstance(ca, str) or (ca and not os.path.isfile(ca)):
        raise ConfigError('"YomiCentre"."Oidc"."CaBundle" must name a PEM file that exists')
    claim = raw.get("ReaderClaim", "sub")
    if not isinstance(claim, str) or not claim.strip():
        raise ConfigError('"YomiCentre"."Oidc"."ReaderClaim" must be a claim name such as "sub"')
    return OidcConfig(issuer=provider_url(raw.get("Issuer"), "Issuer"), userinfo_url=userinfo, ca_bundle=ca,
                      reader_claim=claim.strip(),
                      cache_seconds=_number(raw, "CacheSeconds", 30, 0, _MAX_CACHE_S),
                      timeout_seconds=_number(raw, "TimeoutSeconds", 5, 0.5, 30))
