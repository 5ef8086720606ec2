"""The DICOM Digital Signature of the signed SR, checked by dcmtk's `dcmsign --verify` (the
independent verifier) and by our own verifier; refusals of certificates that may not sign.

Qt-free: the PDF comes from `plain_pdf` (pyHanko) through sign()'s render_pdf hook, so these
run without PySide6. The SR is built on a real slice of ../shared/data (lung-dx-a0001).
"""
from __future__ import annotations

import datetime
import io
import os
import shutil
import subprocess
from pathlib import Path

import pydicom
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydicom.tag import Tag

from app.report.dicom_signature import (DIGITAL_SIGNATURES_SEQUENCE, MAC_PARAMETERS_SEQUENCE,
                                        VERIFICATION_PROFILE_TAGS, verify_signatures)
from app.report.errors import (CertificateError, CertificateExpired, CertificateKeyUsage, CertificateNotYetValid,
                               CertificateRevoked, DicomSignatureError, DicomSignatureInvalid, RevocationCheckFailed,
                               SigningKeyError)
from app.report.finding import Finding
from app.report.identity import Signer, StudyIdentity
from app.report.model import Report
from app.report.signing import sign
from app.report.signing_key import Digest, Pkcs12Key
from app.report.templates import load_template
from tests.report.conftest import JP_NAME, fill_required
from tests.report.pki import make_pki, plain_pdf

SIGNER = Signer("Sato^Hanako=佐藤^花子=さとう^はなこ", "R-17", "Yomi Reading Centre")


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not installed (Debian package dcmtk)")
    return path


def no_qt_pdf(html: str, title: str) -> bytes:
    return plain_pdf(title.encode("ascii", "replace").decode("ascii"))


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture()
def report(lung_slice) -> Report:
    img = pydicom.dcmread(lung_slice, stop_before_pixels=True)
    ident = StudyIdentity(img.StudyInstanceUID, "PID-0001", JP_NAME, "19500401", "M", "ACC-77", "20240105",
                          "101500", "S1")
    r = Report(load_template("lung-screening-ldct"), ident, "ja")
    fill_required(r)
    r.add_nodule(Finding.from_measurement(
        8.24, 6.46, img.SeriesInstanceUID, img.SOPInstanceUID, 20, sop_class_uid=img.SOPClassUID,
        long_axis_px=(250.0, 260.0, 270.0, 262.0), short_axis_px=(260.0, 255.0, 260.5, 268.0),
        lobe="RLL", kind="part_solid", solid_long_mm=4.0, solid_short_mm=3.1, calcification="none",
        margin="lobulated", status="baseline"))
    r.add_nodule(Finding.from_measurement(4.0, 3.0, img.SeriesInstanceUID, img.SOPInstanceUID, 20,
                                          sop_class_uid=img.SOPClassUID, lobe="lingula", kind="solid",
                                          calcification="none", margin="smooth", status="baseline"))
    return r


@pytest.fixture()
def signed(report, pki, tmp_path):
    return sign(report, SIGNER, tmp_path / "out", pki.p12, pki.password, render_pdf=no_qt_pdf,
                crl_files=[pki.crl])


def dcmsign_verify(path: Path, pki) -> subprocess.CompletedProcess:
    """dcmsign with the test CA trusted, its CRL checked, and an SR verification signature required."""
    return subprocess.run([need("dcmsign"), "--verify", "+rs", "+cf", str(pki.ca_pem),
                           "+cr", str(pki.folder / "ca-crl.pem"), str(path)], capture_output=True, text=True)


def test_dcmsign_accepts_the_signed_sr(signed, pki):
    assert signed.sr_signed
    out = dcmsign_verify(signed.sr_path, pki)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "Signature Verification : OK" in text


def test_signature_is_a_sha256_verification_signature_by_the_reader(signed, pki):
    ds = pydicom.dcmread(signed.sr_path)
    item = ds[DIGITAL_SIGNATURES_SEQUENCE].value[0]
    purpose = item.DigitalSignaturePurposeCodeSequence[0]
    assert (purpose.CodeValue, purpose.CodingSchemeDesignator, purpose.CodeMeaning) == (
        "5", "ASTM-sigpurpose", "Verification Signature")  # PS3.16 CID 7007
    assert item.CertificateType == "X509_1993_SIG"
    reader = x509.load_der_x509_certificate(pki.reader_cert_der.read_bytes())
    mac = ds[MAC_PARAMETERS_SEQUENCE].value[0]
    assert mac.MACAlgorithm == "SHA256" and mac.MACCalculationTransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert mac.MACIDNumber == item.MACIDNumber
    [info] = verify_signatures(ds)
    assert info.certificate == reader and info.digest is Digest.SHA256 and info.purpose_code == "5"
    signed_tags = set(info.signed_tags)
    assert set(VERIFICATION_PROFILE_TAGS) <= signed_tags
    for kw in ("PatientName", "PatientID", "CompletionFlag", "CurrentRequestedProcedureEvidenceSequence",
               "ContentDate", "ContentTime"):
        assert Tag(kw) in signed_tags, kw
    assert ds.VerifyingObserverSequence[0].VerificationDateTime  # signed as part of its sequence


def _items(seq):
    for item in seq:
        yield item
        if "ContentSequence" in item:
            yield from _items(item.ContentSequence)


def _flip_text(ds) -> None:
    item = next(i for i in _items(ds.ContentSequence) if i.ValueType == "TEXT" and i.TextValue)
    item.TextValue = item.TextValue + "X"


def _flip_measurement(ds) -> None:
    item = next(i for i in _items(ds.ContentSequence) if i.ValueType == "NUM")
    value = item.MeasuredValueSequence[0]
    value.NumericValue = str(float(value.NumericValue) + 1.0)


def _flip_verifier(ds) -> None:
    ds.VerifyingObserverSequence[0].VerifyingOrganization = "Other Centre"


@pytest.mark.parametrize("tamper", [_flip_text, _flip_measurement, _flip_verifier], ids=lambda f: f.__name__)
def test_tampered_sr_fails_dcmsign(signed, pki, tmp_path, tamper):
    ds = pydicom.dcmread(signed.sr_path)
    tamper(ds)
    bad = tmp_path / "tampered.dcm"
    ds.save_as(bad, enforce_file_format=True)
    out = dcmsign_verify(bad, pki)
    assert out.returncode != 0, out.stdout + out.stderr
    assert "Signature Verification : OK" not in out.stdout + out.stderr
    with pytest.raises(DicomSignatureInvalid):
        verify_signatures(pydicom.dcmread(bad))
    # the untouched file still verifies: the failure is the tampering, not the tools
    assert dcmsign_verify(signed.sr_path, pki).returncode == 0


def test_interrupted_signing_returns_the_signed_sr_unchanged(report, pki, tmp_path):
    """Outputs complete on disk, draft not yet SIGNED (process died): the same signed SR comes
    back, byte for byte, and is still reported as signed."""
    draft = Report.from_dict(report.to_dict(), template=report.template)
    first = sign(report, SIGNER, tmp_path / "out", pki.p12, pki.password, render_pdf=no_qt_pdf)
    again = sign(draft, SIGNER, tmp_path / "out", pki.p12, pki.password, render_pdf=no_qt_pdf)
    assert again.sr == first.sr and again.sr_signed and dcmsign_verify(again.sr_path, pki).returncode == 0


def test_own_verifier_refuses_sha1_and_md5(signed):
    for weak in ("SHA1", "MD5"):
        ds = pydicom.dcmread(signed.sr_path)
        ds[MAC_PARAMETERS_SEQUENCE].value[0].MACAlgorithm = weak
        with pytest.raises(DicomSignatureError) as err:
            verify_signatures(ds)
        assert not isinstance(err.value, DicomSignatureInvalid)


def test_unsigned_sr_has_no_signature(report, tmp_path):
    out = sign(report, SIGNER, tmp_path / "out", render_pdf=no_qt_pdf)
    ds = pydicom.dcmread(io.BytesIO(out.sr))
    assert not out.sr_signed and DIGITAL_SIGNATURES_SEQUENCE not in ds
    with pytest.raises(DicomSignatureError):
        verify_signatures(ds)


@pytest.mark.parametrize("which, error", [("expired_p12", CertificateExpired),
                                          ("not_yet_valid_p12", CertificateNotYetValid),
                                          ("revoked_p12", CertificateRevoked),
                                          ("no_signing_usage_p12", CertificateKeyUsage)])
def test_certificates_that_may_not_sign_are_refused(report, pki, tmp_path, which, error):
    p12 = getattr(pki, which)
    with pytest.raises(error) as err:
        sign(report, SIGNER, tmp_path / "out", p12, pki.password, render_pdf=no_qt_pdf, crl_files=[pki.crl])
    assert p12.name in str(err.value) and "Sato" not in str(err.value)  # names the file, not the reader
    assert not report.is_signed and not (tmp_path / "out").exists()


def test_revoked_certificate_passes_only_without_the_crl(report, pki, tmp_path):
    """The CRL is what refuses it: without one the site has asked for no revocation check."""
    out = sign(report, SIGNER, tmp_path / "out", pki.revoked_p12, pki.password, render_pdf=no_qt_pdf)
    assert out.sr_signed


def _foreign_crl(folder: Path, issuer: x509.Name) -> Path:
    """A CRL naming the test CA as its issuer but signed by another key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.timezone.utc)
    crl = (x509.CertificateRevocationListBuilder().issuer_name(issuer).last_update(now - datetime.timedelta(days=1))
           .next_update(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    path = folder / "foreign.crl"
    path.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    return path


def test_unusable_crls_stop_signing(report, pki, tmp_path):
    ca = x509.load_der_x509_certificate(pki.ca_der)
    for crl in (_foreign_crl(tmp_path, ca.subject), tmp_path / "garbage.crl"):
        if not crl.exists():
            crl.write_bytes(b"not a CRL")
        with pytest.raises(RevocationCheckFailed):
            sign(report, SIGNER, tmp_path / "out", pki.p12, pki.password, render_pdf=no_qt_pdf, crl_files=[crl])
    other = tmp_path / "other-ca.crl"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.timezone.utc)
    other.write_bytes(x509.CertificateRevocationListBuilder().issuer_name(
        x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "Some Other CA")]))
        .last_update(now).next_update(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER))
    with pytest.raises(RevocationCheckFailed):  # a CRL, but none from the reader's issuer
        sign(report, SIGNER, tmp_path / "out", pki.p12, pki.password, render_pdf=no_qt_pdf, crl_files=[other])
    assert not report.is_signed and not (tmp_path / "out").exists()


def test_stale_crl_stops_signing(report, pki, tmp_path):
    """The test CA's own CRL, read at a signing time after its nextUpdate."""
    late = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=8)
    with pytest.raises(RevocationCheckFailed):
        sign(report, SIGNER, tmp_path / "out", pki.p12, pki.password, render_pdf=no_qt_pdf, crl_files=[pki.crl],
             signed_at=late)
    assert not (tmp_path / "out").exists()


def test_wrong_password_is_a_key_error(report, pki, tmp_path):
    with pytest.raises(SigningKeyError):
        sign(report, SIGNER, tmp_path / "out", pki.p12, b"wrong", render_pdf=no_qt_pdf)
    assert issubclass(CertificateExpired, CertificateError)


# --- PKCS#11: the key on a token (SoftHSM2 stands in for an HPKI card) ---------------------

SOFTHSM_LIB = Path("/usr/lib/softhsm/libsofthsm2.so")
PIN, SO_PIN = "246810", "13579864"


@pytest.fixture(scope="module")
def token(pki, tmp_path_factory):
    """A SoftHSM2 token holding the reader's key and certificate (labels 'signkey'), imported
    with softhsm2-util and pkcs11-tool as PLATFORM-NOTES describes."""
    if not SOFTHSM_LIB.exists() or shutil.which("softhsm2-util") is None or shutil.which("pkcs11-tool") is None:
        pytest.skip("SoftHSM2 not installed (Debian packages softhsm2 opensc)")
    pytest.importorskip("pkcs11", reason="python-pkcs11 not installed (PyPI python-pkcs11)")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    run = lambda *cmd: subprocess.run(cmd, env=env, check=True, capture_output=True)  # noqa: E731
    run("softhsm2-util", "--init-token", "--free", "--label", "reader", "--pin", PIN, "--so-pin", SO_PIN)
    run("softhsm2-util", "--import", str(pki.reader_key_pem), "--token", "reader", "--label", "signkey",
        "--id", "01", "--pin", PIN)
    run("pkcs11-tool", "--module", str(SOFTHSM_LIB), "--token-label", "reader", "--login", "--pin", PIN,
        "--write-object", str(pki.reader_cert_der), "--type", "cert", "--id", "01", "--label", "signkey")
    ca_der = folder / "ca.der"
    ca_der.write_bytes(pki.ca_der)  # as an HPKI card carries its issuing CA
    run("pkcs11-tool", "--module", str(SOFTHSM_LIB), "--token-label", "reader", "--login", "--pin", PIN,
        "--write-object", str(ca_der), "--type", "cert", "--id", "02", "--label", "issuing-ca")
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read by the library when python-pkcs11 loads it
    try:
        yield SOFTHSM_LIB
    finally:
        if old is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old


def test_pkcs11_key_signs_the_sr_and_the_pdf(token, pki, report, tmp_path):
    from app.report.signing_key import Pkcs11Key

    ca = x509.load_der_x509_certificate(pki.ca_der)
    key = Pkcs11Key.open(token, "reader", PIN, key_label="signkey")
    try:
        assert key.chain == (ca,)  # found on the token; the CRL check below needs it
        out = sign(report, SIGNER, tmp_path / "out", key=key, render_pdf=no_qt_pdf, crl_files=[pki.crl])
    finally:
        key.close()
    verified = dcmsign_verify(out.sr_path, pki)
    assert verified.returncode == 0 and "Signature Verification : OK" in verified.stdout + verified.stderr
    [info] = verify_signatures(pydicom.dcmread(out.sr_path))
    assert info.certificate == x509.load_der_x509_certificate(pki.reader_cert_der.read_bytes())
    pdfsig = subprocess.run([need("pdfsig"), str(out.pdf_path)], capture_output=True, text=True)
    assert "Signature is Valid" in pdfsig.stdout, pdfsig.stdout + pdfsig.stderr
    assert "Sato Hanako" in pdfsig.stdout


def test_pkcs11_wrong_pin_is_a_key_error(token):
    from app.report.signing_key import Pkcs11Key

    with pytest.raises(SigningKeyError):
        Pkcs11Key.open(token, "reader", "000000", key_label="signkey")
    with pytest.raises(SigningKeyError):
        Pkcs11Key.open(token, "reader", PIN, key_label="no-such-key")


def test_p12_and_pkcs11_signatures_match(token, pki):
    """Same key, same RSA PKCS#1 v1.5 (deterministic): the card signs exactly as the file does."""
    from app.report.signing_key import Pkcs11Key

    card = Pkcs11Key.open(token, "reader", PIN, key_label="signkey")
    try:
        data = b"the same bytes"
        assert card.sign(data, Digest.SHA256) == Pkcs12Key.load(pki.p12, pki.password).sign(data, Digest.SHA256)
    finally:
        card.close()


def test_own_verifier_accepts_a_signature_made_by_dcmsign(report, pki, tmp_path):
    """The other direction: dcmtk computes the byte stream, our verifier must agree with it (and
    still catch a change), so both sides implement the same PS3.15 C.1 stream."""
    out = sign(report, SIGNER, tmp_path / "out", render_pdf=no_qt_pdf)  # unsigned SR
    cert_pem = tmp_path / "reader.pem"
    cert_pem.write_bytes(x509.load_der_x509_certificate(pki.reader_cert_der.read_bytes())
                         .public_bytes(serialization.Encoding.PEM))
    by_dcmtk = tmp_path / "dcmsign.dcm"
    made = subprocess.run([need("dcmsign"), "--sign", str(pki.reader_key_pem), str(cert_pem), "+m2", "+pv",
                           "-pw", str(out.sr_path), str(by_dcmtk)], capture_output=True, text=True)
    assert made.returncode == 0, made.stdout + made.stderr
    ds = pydicom.dcmread(by_dcmtk)
    [info] = verify_signatures(ds)
    assert info.digest is Digest.SHA256 and info.purpose_code == "5"  # +pv: SR verification profile
    _flip_text(ds)
    with pytest.raises(DicomSignatureInvalid):
        verify_signatures(ds)
