"""Which key signs a reader's report: decided here, once, for the window and `yomi report export`.

- The demo reader on the embedded demo centre: the demo PKI (a clearly labelled DEMO
  certificate created once in the data dir).
- Otherwise the key IT bound to the logged-in account in the signed site store
  (`Account.signing_key`): a PKCS#12 file (its password is asked of the reader) or a PKCS#11
  token (its PIN is asked). Never a path the reader or a user file names.
- An account with no key bound: none, and nothing is signed (`signer.sign_as_reader` refuses:
  a VERIFIED SR without the reader's DICOM signature would prove nothing).

A PKCS#11 reference is an RFC 7512 URI, ``pkcs11:token=<label>;object=<key label>`` with an
optional ``?module-path=<library>``, or a bare token label (key label "signkey"); the module
defaults to the site's `pkcs11_module`. Messages name the token and key labels, never the
certificate's subject (the reader's name).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

__all__ = ["CertificateKind", "CertificateChoice", "Pkcs11Ref", "choose_certificate", "parse_pkcs11_ref",
           "SigningSettings"]

DEFAULT_KEY_LABEL = "signkey"


class CertificateKind(enum.Enum):
    DEMO = "demo"
    PKCS12 = "pkcs12"
    PKCS11 = "pkcs11"
    NONE = "none"


@dataclass(frozen=True)
class Pkcs11Ref:
    module: Path | None
    token_label: str
    key_label: str
    cert_label: str | None = None


def parse_pkcs11_ref(ref: str, default_module: str = "") -> Pkcs11Ref:
    """An account's PKCS#11 reference (see the module docstring); raises ValueError naming it."""
    module = default_module
    if ref.startswith("pkcs11:"):
        body, _, query = ref[len("pkcs11:"):].partition("?")
        attrs = {}
        for part in filter(None, body.split(";")):
            key, sep, value = part.partition("=")
            if not sep:
                raise ValueError(f"PKCS#11 reference {ref!r}: {part!r} is not name=value")
            attrs[key] = unquote(value)
        q = {k: v[0] for k, v in parse_qs(query).items()}
        module = q.get("module-path", module)
        token = attrs.get("token", "")
        key = attrs.get("object", DEFAULT_KEY_LABEL)
    else:
        token, key = ref, DEFAULT_KEY_LABEL
    if not token:
        raise ValueError(f"PKCS#11 reference {ref!r} names no token")
    return Pkcs11Ref(Path(module) if module else None, token, key)


@dataclass(frozen=True)
class SigningSettings:
    """The site's signing defaults (`[centre] tsa_url`, `crl_files`, `report_organisation`,
    `pkcs11_module`), handed to whoever signs."""

    organisation: str = ""
    tsa_url: str | None = None
    crl_files: tuple[Path, ...] = ()
    pkcs11_module: str = ""

    @classmethod
    def of(cls, centre: Any, fallback_organisation: str = "") -> "SigningSettings":
        """From an `app.config.CentreConfig`: the organisation is the site's, else the centre's name."""
        return cls(centre.report_organisation or fallback_organisation or centre.name,
                   centre.tsa_url or None, tuple(Path(p) for p in centre.crl_files), centre.pkcs11_module)


@dataclass(frozen=True)
class CertificateChoice:
    kind: CertificateKind
    p12: Path | None
    password: bytes | None
    label: str
    pkcs11: Pkcs11Ref | None = None
    pin: str | None = None

    @property
    def needs_password(self) -> bool:
        """A password (PKCS#12) or PIN (PKCS#11) must be asked of the reader first."""
        return (self.kind is CertificateKind.PKCS12 and self.password is None) or \
            (self.kind is CertificateKind.PKCS11 and self.pin is None)

    @property
    def is_card(self) -> bool:
        return self.kind is CertificateKind.PKCS11

    def with_password(self, password: str) -> "CertificateChoice":
        if self.kind is CertificateKind.PKCS11:
            return replace(self, pin=password)
        return replace(self, password=password.encode("utf-8"))

    def open_key(self) -> Any:  # -> app.report.signing_key.SigningKey | None
        """The key, opened (PKCS#12 decrypted, or a logged-in token session); None: no key.
        Raises app.report.errors.SigningKeyError naming the file or token. A PKCS#11 key must
        be closed (`close()`) by the caller once signed."""
        from app.report.errors import SigningKeyError
        from app.report.signing_key import Pkcs11Key, Pkcs12Key

        if self.kind in (CertificateKind.DEMO, CertificateKind.PKCS12):
            return Pkcs12Key.load(self.p12, self.password)
        if self.kind is CertificateKind.PKCS11:
            ref = self.pkcs11
            if ref.module is None:
                raise SigningKeyError(f"token {ref.token_label}: no PKCS#11 module configured "
                                      "(site setting centre.pkcs11_module or module-path in the account)")
            return Pkcs11Key.open(ref.module, ref.token_label, self.pin or "", key_label=ref.key_label,
                                  cert_label=ref.cert_label)
        return None


_NONE = CertificateChoice(CertificateKind.NONE, None, None, "no certificate: PDF not digitally signed")


def choose_certificate(*, demo_reader: bool, account_key: Any = None, pkcs11_module: str = "") -> CertificateChoice:
    """The key of this signature: the demo PKI for the demo reader, else the account's
    `SigningKeyRef` (app.session.site_store), else none."""
    if demo_reader:
        from app.report.demo_pki import ensure_demo_pki

        pki = ensure_demo_pki()
        return CertificateChoice(CertificateKind.DEMO, pki.p12, pki.password, "DEMO certificate")
    if account_key is None:
        return _NONE
    if account_key.kind == "pkcs12":
        path = Path(account_key.ref)
        return CertificateChoice(CertificateKind.PKCS12, path, None, path.name)
    ref = parse_pkcs11_ref(account_key.ref, pkcs11_module)
    return CertificateChoice(CertificateKind.PKCS11, None, None, f"token {ref.token_label}", pkcs11=ref)
