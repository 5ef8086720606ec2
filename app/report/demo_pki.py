"""A demo signing identity for `yomi --demo`: a DEMO CA and a DEMO reader certificate.

Made once under the user data dir and reused, so every demo report is signed by the same
certificate. The PKCS#12 is protected by a random password kept beside it in a 0600 file:
that is acceptable only because the key signs nothing real. Both subjects say DEMO so no
one mistakes a demo PDF's signature for a reader's (a real reader signs with an HPKI card
or a PKCS#12 named in the reader's settings).
"""
from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from common.atomic import write_atomic

__all__ = ["DEMO_ORGANISATION", "DemoPki", "ensure_demo_pki"]

log = logging.getLogger(__name__)

DEMO_ORGANISATION = "Yomi DEMO - not for clinical use"
P12_NAME = "demo-reader.p12"
PASSWORD_NAME = "demo-reader.p12.password"
CA_NAME = "demo-ca.pem"
VALID_DAYS = 3650


@dataclass(frozen=True)
class DemoPki:
    p12: Path
    password: bytes
    ca_pem: Path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANISATION),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _usage(*, sign_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not sign_certs, content_commitment=not sign_certs,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=sign_certs, crl_sign=sign_certs, encipher_only=False, decipher_only=False)


def _create(folder: Path, reader_name: str) -> DemoPki:
    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=VALID_DAYS)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (x509.CertificateBuilder().subject_name(_name("Yomi DEMO CA")).issuer_name(_name("Yomi DEMO CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(_usage(sign_certs=True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(_name(f"DEMO {reader_name}")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(sign_certs=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    password = secrets.token_urlsafe(32).encode("ascii")
    p12 = pkcs12.serialize_key_and_certificates(b"demo-reader", key, cert, [ca],
                                                serialization.BestAvailableEncryption(password))
    # The CA key is dropped: the demo CA never issues a second certificate.
    write_atomic(folder / CA_NAME, ca.public_bytes(serialization.Encoding.PEM), mode=0o644)
    write_atomic(folder / PASSWORD_NAME, password, mode=0o600)
    write_atomic(folder / P12_NAME, p12, mode=0o600)  # last: its presence means the set is complete
    log.info("demo PKI created in the data dir (certificate serial %x)", cert.serial_number)
    return DemoPki(folder / P12_NAME, password, folder / CA_NAME)


def ensure_demo_pki(folder: Path | None = None, reader_name: str = "Reader") -> DemoPki:
    """The demo PKI in `folder` (default: <data dir>/demo-pki), created on first use."""
    if folder is None:
        from app.paths import data_dir

        folder = data_dir() / "demo-pki"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    p12, pw = folder / P12_NAME, folder / PASSWORD_NAME
    if p12.is_file() and pw.is_file():
        return DemoPki(p12, pw.read_bytes().strip(), folder / CA_NAME)
    return _create(folder, reader_name)
