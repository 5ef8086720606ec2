"""A throw-away test PKI made with `cryptography`: a CA, the reader's certificate in a PKCS#12
file, certificates that must be refused (expired, not yet valid, revoked, without a signing key
usage), the CA's CRL revoking one of them, and a timestamp authority certificate
(extendedKeyUsage=critical,timeStamping) for the `openssl ts` responder (tests/fixtures/tsa.py).

Also `plain_pdf`: a one-page PDF written by pyHanko, so PDF signing can be tested without Qt.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

READER_CN = "Sato Hanako"


@dataclass(frozen=True)
class TestPki:
    ca_der: bytes
    p12: Path
    password: bytes
    folder: Path | None = None
    ca_pem: Path | None = None
    crl: Path | None = None  # DER, revokes `revoked_p12`'s certificate; ca-crl.pem beside it is the same
    expired_p12: Path | None = None
    not_yet_valid_p12: Path | None = None
    revoked_p12: Path | None = None
    no_signing_usage_p12: Path | None = None
    reader_key_pem: Path | None = None  # unencrypted PKCS#8, for SoftHSM2 import
    reader_cert_der: Path | None = None
    tsa_key_pem: Path | None = None
    tsa_cert_pem: Path | None = None


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Yomi Test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _usage(*, sign: bool = True, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=sign, key_encipherment=not sign and not ca,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def _leaf(ca: x509.Certificate, ca_key: rsa.RSAPrivateKey, cn: str, start: datetime.datetime,
          end: datetime.datetime, usage: x509.KeyUsage, eku: x509.ExtendedKeyUsage | None = None):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    b = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca.subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(start).not_valid_after(end)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(usage, critical=True)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if eku is not None:
        b = b.add_extension(eku, critical=True)
    return key, b.sign(ca_key, hashes.SHA256())


def _p12(path: Path, key, cert, ca, password: bytes) -> Path:
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"reader", key, cert, [ca],
                                                           serialization.BestAvailableEncryption(password)))
    return path


def make_pki(folder: Path, password: bytes = b"test-p12-password") -> TestPki:
    folder = Path(folder)
    now = datetime.datetime.now(datetime.timezone.utc)
    day = datetime.timedelta(days=1)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (x509.CertificateBuilder().subject_name(_name("Yomi Test CA")).issuer_name(_name("Yomi Test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - 400 * day).not_valid_after(now + 30 * day)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(_usage(sign=False, ca=True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key, cert = _leaf(ca, ca_key, READER_CN, now - day, now + 20 * day, _usage())
    p12 = _p12(folder / "reader.p12", key, cert, ca, password)

    expired = _leaf(ca, ca_key, READER_CN, now - 300 * day, now - 10 * day, _usage())
    future = _leaf(ca, ca_key, READER_CN, now + 5 * day, now + 25 * day, _usage())
    revoked = _leaf(ca, ca_key, READER_CN, now - day, now + 20 * day, _usage())
    no_usage = _leaf(ca, ca_key, READER_CN, now - day, now + 20 * day, _usage(sign=False))
    tsa_key, tsa = _leaf(ca, ca_key, "Yomi Test TSA", now - day, now + 20 * day,
                         x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                       crl_sign=False, encipher_only=False, decipher_only=False),
                         x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]))
    crl = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
           .last_update(now - day).next_update(now + 7 * day)
           .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(revoked[1].serial_number)
                                    .revocation_date(now - datetime.timedelta(hours=2)).build())
           .add_extension(x509.CRLNumber(1), critical=False)
           .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
           .sign(ca_key, hashes.SHA256()))

    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "ca.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))
    (folder / "ca-crl.pem").write_bytes(crl.public_bytes(pem))  # dcmsign +cr reads PEM only
    (folder / "reader-key.pem").write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                              serialization.NoEncryption()))
    (folder / "reader.der").write_bytes(cert.public_bytes(serialization.Encoding.DER))
    (folder / "tsa-key.pem").write_bytes(tsa_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                               serialization.NoEncryption()))
    (folder / "tsa.pem").write_bytes(tsa.public_bytes(pem))
    return TestPki(
        ca.public_bytes(serialization.Encoding.DER), p12, password, folder, folder / "ca.pem", folder / "ca.crl",
        _p12(folder / "expired.p12", *expired, ca, password), _p12(folder / "future.p12", *future, ca, password),
        _p12(folder / "revoked.p12", *revoked, ca, password), _p12(folder / "no-usage.p12", *no_usage, ca, password),
        folder / "reader-key.pem", folder / "reader.der", folder / "tsa-key.pem", folder / "tsa.pem")


def plain_pdf(text: str = "Yomi test report") -> bytes:
    """A one-page A4 PDF with one line of text, written by pyHanko (no Qt)."""
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

    w = PdfFileWriter()
    font = w.add_object(generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Font"), generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
        generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica")}))
    content = generic.StreamObject(stream_data=f"BT /F1 12 Tf 72 770 Td ({text}) Tj ET".encode("latin-1"))
    resources = generic.DictionaryObject({generic.pdf_name("/Font"): generic.DictionaryObject(
        {generic.pdf_name("/F1"): font})})
    w.insert_page(PageObject(contents=w.add_object(content), media_box=generic.ArrayObject(
        [generic.NumberObject(v) for v in (0, 0, 595, 842)]), resources=resources))
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()
