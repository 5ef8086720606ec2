"""Which certificate signs a reader's PDF: decided here, once, not in a widget.

- The demo reader on the embedded demo centre: the demo PKI (a clearly labelled DEMO
  certificate created once in the data dir).
- Otherwise the PKCS#12 named by YOMI_SIGNING_P12; its password is asked of the reader.
- Otherwise none: the PDF goes unsigned and says so on its face (the SR is still VERIFIED
  by the re-authenticated reader).
"""
from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

P12_ENV = "YOMI_SIGNING_P12"


class CertificateKind(enum.Enum):
    DEMO = "demo"
    PKCS12 = "pkcs12"
    NONE = "none"


@dataclass(frozen=True)
class CertificateChoice:
    kind: CertificateKind
    p12: Path | None
    password: bytes | None
    label: str

    @property
    def needs_password(self) -> bool:
        return self.kind is CertificateKind.PKCS12 and self.password is None

    def with_password(self, password: str) -> "CertificateChoice":
        return replace(self, password=password.encode("utf-8"))


def choose_certificate(*, demo_reader: bool, environ: Mapping[str, str] | None = None) -> CertificateChoice:
    env = os.environ if environ is None else environ
    if demo_reader:
        from app.report.demo_pki import ensure_demo_pki

        pki = ensure_demo_pki()
        return CertificateChoice(CertificateKind.DEMO, pki.p12, pki.password, "DEMO certificate")
    path = env.get(P12_ENV, "")
    if path:
        return CertificateChoice(CertificateKind.PKCS12, Path(path), None, Path(path).name)
    return CertificateChoice(CertificateKind.NONE, None, None, "no certificate: PDF not digitally signed")
