"""The reader's signing key, wherever it lives: a PKCS#12 file today, a PKCS#11 smart card
(an HPKI card) tomorrow. Signing code sees only `SigningKey`, so swapping the store changes
no signing code.

A key gives its certificate and the issuing chain, makes a raw RSA PKCS#1 v1.5 signature (the
DICOM Digital Signature of an SR) and a pyHanko signer (the PAdES signature of the PDF). With a
PKCS#11 token the private key never leaves the card: both signatures are computed on it.

`check_certificate` is the one place that decides whether a certificate may sign at a given
time: validity window, key usage, and revocation against the CRLs the site provides (offline:
nothing is fetched). Each refusal is its own exception class (errors.py). Messages name the
certificate by serial number and key store, never by the subject (that is the reader's name).
"""
from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from .errors import (CertificateExpired, CertificateKeyUsage, CertificateNotYetValid, CertificateRevoked,
                     RevocationCheckFailed, SigningKeyError)

if TYPE_CHECKING:
    from pyhanko.sign.signers import Signer as PdfSigner

__all__ = ["Digest", "SigningKey", "Pkcs12Key", "Pkcs11Key", "check_certificate", "load_crls", "describe"]

log = logging.getLogger(__name__)


class Digest(enum.Enum):
    """Hash algorithms a signature may use. MD5 and SHA-1 are not offered (security.md row 17)."""

    SHA256 = "SHA256"
    SHA384 = "SHA384"
    SHA512 = "SHA512"

    @property
    def algorithm(self) -> hashes.HashAlgorithm:
        return {"SHA256": hashes.SHA256, "SHA384": hashes.SHA384, "SHA512": hashes.SHA512}[self.value]()

    @property
    def pyhanko_name(self) -> str:
        return self.value.lower()


@runtime_checkable
class SigningKey(Protocol):
    """A private key with its X.509 certificate."""

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """The issuing CA certificates (not the signer's own), nearest issuer first when known."""
        ...

    @property
    def label(self) -> str:
        """Where the key lives, for messages: a file name or a token label (no personal data)."""
        ...

    def sign(self, data: bytes, digest: Digest) -> bytes:
        """RSA PKCS#1 v1.5 signature of `data` hashed with `digest`."""
        ...

    def pdf_signer(self) -> "PdfSigner":
        """A pyHanko signer using this key and certificate, embedding the chain."""
        ...


def describe(cert: x509.Certificate, label: str) -> str:
    """How messages name a certificate: serial number and store, not the reader's name."""
    return f"certificate serial {cert.serial_number:x} ({label})"


def _asn1_cert(cert: x509.Certificate) -> Any:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class Pkcs12Key:
    """A key and certificate from a PKCS#12 file (the account setting IT makes today)."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    label: str
    _key: rsa.RSAPrivateKey

    @classmethod
    def load(cls, path: Path, password: bytes | None) -> "Pkcs12Key":
        path = Path(path)
        if not path.is_file():
            raise SigningKeyError(f"certificate file {path.name} not found")
        try:
            key, cert, chain = pkcs12.load_key_and_certificates(path.read_bytes(), password)
        except (ValueError, TypeError, OSError, UnsupportedAlgorithm) as exc:
            raise SigningKeyError(f"certificate file {path.name} could not be opened "
                                  "(wrong password or not PKCS#12)") from exc
        if key is None or cert is None:
            raise SigningKeyError(f"certificate file {path.name} holds no private key and certificate")
        if not isinstance(key, rsa.RSAPrivateKey):
            raise SigningKeyError(f"certificate file {path.name}: the key is not RSA (the DICOM signature "
                                  "profile needs RSA)")
        return cls(cert, tuple(chain), path.name, key)

    def sign(self, data: bytes, digest: Digest) -> bytes:
        return self._key.sign(data, padding.PKCS1v15(), digest.algorithm)

    def pdf_signer(self) -> "PdfSigner":
        from asn1crypto import keys
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        der = self._key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
        return signers.SimpleSigner(signing_cert=_asn1_cert(self.certificate),
                                    signing_key=keys.PrivateKeyInfo.load(der),
                                    cert_registry=SimpleCertificateStore.from_certs(
                                        [_asn1_cert(c) for c in self.chain]))


_PKCS11_MECHANISMS = {Digest.SHA256: "SHA256_RSA_PKCS", Digest.SHA384: "SHA384_RSA_PKCS",
                      Digest.SHA512: "SHA512_RSA_PKCS"}


class Pkcs11Key:
    """A key on a PKCS#11 token (an HPKI card, or SoftHSM2 in tests), found by label.

    The session is the caller's (it logged in with the card's PIN); `open` makes one from a
    module path, token label and PIN and `close` ends it. The certificate is read from the
    token; the chain is `chain` when given, else the CA certificates found on the token.
    """

    def __init__(self, session: Any, *, key_label: str, cert_label: str | None = None,
                 chain: Iterable[x509.Certificate] = (), token_label: str = "token") -> None:
        import pkcs11

        self._session = session
        self._key_label = key_label
        self._cert_label = cert_label or key_label
        self.label = f"token {token_label}, key {key_label}"
        try:
            obj = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, label=key_label)
            self._key = obj
            certs = list(session.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                                              pkcs11.Attribute.LABEL: self._cert_label}))
        except pkcs11.PKCS11Error as exc:
            raise SigningKeyError(f"{self.label}: private key not found on the token "
                                  f"({exc.__class__.__name__})") from exc
        if not certs:
            raise SigningKeyError(f"{self.label}: no certificate labelled {self._cert_label} on the token")
        self.certificate = x509.load_der_x509_certificate(bytes(certs[0][pkcs11.Attribute.VALUE]))
        self.chain = tuple(chain) or self._ca_certificates_on_token(session)

    def _ca_certificates_on_token(self, session: Any) -> tuple[x509.Certificate, ...]:
        """CA certificates the card carries beside the reader's (HPKI cards hold the issuing CA)."""
        import pkcs11

        found = []
        for obj in session.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE}):
            try:
                cert = x509.load_der_x509_certificate(bytes(obj[pkcs11.Attribute.VALUE]))
                is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
            except (ValueError, x509.ExtensionNotFound, pkcs11.PKCS11Error):
                continue
            if is_ca and cert != self.certificate:
                found.append(cert)
        return tuple(found)

    @classmethod
    def open(cls, module: Path, token_label: str, pin: str, *, key_label: str, cert_label: str | None = None,
             chain: Iterable[x509.Certificate] = ()) -> "Pkcs11Key":
        import pkcs11

        try:
            lib = pkcs11.lib(str(module))
            token = lib.get_token(token_label=token_label)
            session = token.open(user_pin=pin)
        except (pkcs11.PKCS11Error, RuntimeError, OSError) as exc:
            # PIN errors arrive as PinIncorrect / PinLenRange etc.; the class name is the reason.
            raise SigningKeyError(f"token {token_label} could not be opened ({exc.__class__.__name__})") from exc
        try:
            return cls(session, key_label=key_label, cert_label=cert_label, chain=chain, token_label=token_label)
        except SigningKeyError:
            session.close()
            raise

    def close(self) -> None:
        self._session.close()

    def sign(self, data: bytes, digest: Digest) -> bytes:
        import pkcs11

        try:
            return bytes(self._key.sign(data, mechanism=getattr(pkcs11.Mechanism, _PKCS11_MECHANISMS[digest])))
        except pkcs11.PKCS11Error as exc:
            raise SigningKeyError(f"{self.label} refused to sign ({exc.__class__.__name__})") from exc

    def pdf_signer(self) -> "PdfSigner":
        from pyhanko.sign.pkcs11 import PKCS11Signer

        return PKCS11Signer(self._session, cert_label=self._cert_label, key_label=self._key_label,
                            signing_cert=_asn1_cert(self.certificate),
                            ca_chain=[_asn1_cert(c) for c in self.chain])


def load_crls(paths: Sequence[Path]) -> list[x509.CertificateRevocationList]:
    """The site's CRL files (DER or PEM)."""
    crls = []
    for path in paths:
        path = Path(path)
        try:
            data = path.read_bytes()
            crls.append(x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----")
                        else x509.load_der_x509_crl(data))
        except (OSError, ValueError) as exc:
            raise RevocationCheckFailed(f"CRL file {path.name} could not be read as a CRL") from exc
    return crls


def _issuer(cert: x509.Certificate, chain: Sequence[x509.Certificate]) -> x509.Certificate | None:
    for ca in chain:
        if ca.subject == cert.issuer:
            try:
                cert.verify_directly_issued_by(ca)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return ca
    return None


def _may_sign(cert: x509.Certificate) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False  # a signing certificate must say so; HPKI signature certificates do
    return usage.digital_signature or usage.content_commitment


def check_certificate(key: SigningKey, at: datetime, crls: Sequence[x509.CertificateRevocationList] = ()) -> None:
    """Refuse (typed error) a certificate that may not sign at `at`.

    With `crls`, one of them must come from the certificate's issuer (its signature checked
    with the issuer certificate from the key's chain) and still be current at `at`.
    """
    cert, name = key.certificate, describe(key.certificate, key.label)
    at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    if at < cert.not_valid_before_utc:
        raise CertificateNotYetValid(f"{name} is valid only from {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC")
    if at > cert.not_valid_after_utc:
        raise CertificateExpired(f"{name} expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC")
    if not _may_sign(cert):
        raise CertificateKeyUsage(f"{name} is not for signing (key usage has neither digitalSignature "
                                  "nor nonRepudiation)")
    if not crls:
        return
    mine = [crl for crl in crls if crl.issuer == cert.issuer]
    if not mine:
        raise RevocationCheckFailed(f"{name}: none of the site's CRLs is from the certificate's issuer")
    issuer = _issuer(cert, key.chain)
    if issuer is None:
        raise RevocationCheckFailed(f"{name}: the issuer certificate is not in the key's chain, "
                                    "so the site's CRL cannot be checked")
    current = [crl for crl in mine if crl.is_signature_valid(issuer.public_key())]
    if not current:
        raise RevocationCheckFailed(f"{name}: the site's CRL is not signed by the certificate's issuer")
    fresh = [crl for crl in current if crl.next_update_utc is None or crl.next_update_utc >= at]
    if not fresh:
        raise RevocationCheckFailed(f"{name}: the site's CRL is out of date (next update was "
                                    f"{max(c.next_update_utc for c in current):%Y-%m-%d %H:%M} UTC)")
    for crl in fresh:
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:  # listed is revoked, whatever the date: no back-dated signing
            raise CertificateRevoked(f"{name} was revoked on {entry.revocation_date_utc:%Y-%m-%d %H:%M} UTC")
    log.debug("%s may sign: valid, key usage fits, not on the issuer's CRL", name)
