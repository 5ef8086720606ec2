"""The PDF signature's RFC 3161 timestamp and embedded validation data (PAdES B-T, B-LT).

The TSA is real OpenSSL (`openssl ts -reply`) behind a small HTTP wrapper (tests/fixtures/tsa.py);
the checks are independent: poppler's `pdfsig` for the signature, `openssl ts -verify` for the
token poppler dumps out of the PDF, pyHanko's validator for the timestamp and for a B-LT
validation that uses only what the PDF carries. Qt-free: the PDF comes from `plain_pdf`.
"""
from __future__ import annotations

import datetime
import io
import shutil
import subprocess

import pytest
from asn1crypto import cms
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509

from app.report.errors import TimestampError
from app.report.identity import Signer
from app.report.pades import FIELD_NAME
from app.report.signing import sign
from tests.fixtures.orthanc import free_port
from tests.fixtures.tsa import tsa  # noqa: F401 (fixture)
from tests.report.conftest import fill_required, make_report
from tests.report.pki import make_pki, plain_pdf

SIGNER = Signer("Sato^Hanako=佐藤^花子", "R-17", "Yomi Reading Centre")


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not installed (Debian packages poppler-utils, openssl)")
    return path


def no_qt_pdf(html: str, title: str) -> bytes:
    return plain_pdf("Yomi report")


@pytest.fixture(scope="module")
def tsa_pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture()
def report():
    r = make_report("en")
    fill_required(r)
    return r


@pytest.fixture()
def stamped(report, tsa_pki, tsa, tmp_path):  # noqa: F811 (fixture)
    """B-T: signed and timestamped, no validation data."""
    return sign(report, SIGNER, tmp_path / "out", tsa_pki.p12, tsa_pki.password, render_pdf=no_qt_pdf,
                tsa_url=tsa.url)


@pytest.fixture()
def long_term(report, tsa_pki, tsa, tmp_path):  # noqa: F811 (fixture)
    """B-LT: timestamped, the CA's CRL given, so certificates and CRL go into the DSS."""
    return sign(report, SIGNER, tmp_path / "out", tsa_pki.p12, tsa_pki.password, render_pdf=no_qt_pdf,
                tsa_url=tsa.url, crl_files=[tsa_pki.crl])


def _signature(pdf: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    [sig] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert sig.field_name == FIELD_NAME
    return sig


def _context(pki):
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=[asn1_x509.Certificate.load(pki.ca_der)], allow_fetching=False,
                             crls=[asn1_crl.CertificateList.load(pki.crl.read_bytes())])


def test_pdfsig_calls_the_timestamped_signature_valid(stamped):
    out = subprocess.run([need("pdfsig"), str(stamped.pdf_path)], capture_output=True, text=True)
    assert "Signature is Valid" in out.stdout, out.stdout + out.stderr
    assert "ETSI.CAdES.detached" in out.stdout  # PAdES, not adbe.pkcs7


def test_openssl_verifies_the_token_poppler_dumps(stamped, tsa_pki, tsa, tmp_path):  # noqa: F811
    """pdfsig -dump writes the CMS signature out of the PDF; its signature-timestamp token must
    be OpenSSL-valid for the signature value (RFC 3161 messageImprint) under the test CA."""
    dump = tmp_path / "dump"
    dump.mkdir()
    subprocess.run([need("pdfsig"), "-dump", str(stamped.pdf_path)], cwd=dump, check=True, capture_output=True)
    [cms_file] = list(dump.iterdir())
    signer_info = cms.ContentInfo.load(cms_file.read_bytes())["content"]["signer_infos"][0]
    tokens = [a["values"][0] for a in signer_info["unsigned_attrs"]
              if a["type"].native == "signature_time_stamp_token"]
    assert len(tokens) == 1, "no RFC 3161 signature timestamp in the PDF signature"
    (tmp_path / "token.der").write_bytes(tokens[0].dump())
    (tmp_path / "signature.bin").write_bytes(signer_info["signature"].native)
    out = subprocess.run([need("openssl"), "ts", "-verify", "-token_in", "-in", str(tmp_path / "token.der"),
                          "-data", str(tmp_path / "signature.bin"), "-CAfile", str(tsa_pki.ca_pem),
                          "-untrusted", str(tsa_pki.tsa_cert_pem)], capture_output=True, text=True)
    assert out.returncode == 0 and "Verification: OK" in out.stdout, out.stdout + out.stderr
    # and the token is for this signature, not any: other data fails
    (tmp_path / "other.bin").write_bytes(b"x" + signer_info["signature"].native[1:])
    bad = subprocess.run([need("openssl"), "ts", "-verify", "-token_in", "-in", str(tmp_path / "token.der"),
                          "-data", str(tmp_path / "other.bin"), "-CAfile", str(tsa_pki.ca_pem),
                          "-untrusted", str(tsa_pki.tsa_cert_pem)], capture_output=True, text=True)
    assert bad.returncode != 0


def test_pyhanko_trusts_signature_and_timestamp(stamped, tsa_pki):
    from pyhanko.sign.validation import validate_pdf_signature

    status = validate_pdf_signature(_signature(stamped.pdf), signer_validation_context=_context(tsa_pki),
                                    ts_validation_context=_context(tsa_pki))
    assert status.intact and status.valid and status.trusted
    ts = status.timestamp_validity
    assert ts is not None and ts.intact and ts.valid and ts.trusted
    assert abs(ts.timestamp - datetime.datetime.now(datetime.timezone.utc)) < datetime.timedelta(minutes=5)
    tsa_cert = x509.load_pem_x509_certificate(tsa_pki.tsa_cert_pem.read_bytes())
    assert ts.signing_cert.serial_number == tsa_cert.serial_number


def test_b_lt_embeds_certificates_and_crl(long_term, tsa_pki):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(long_term.pdf)))
    crls = [ref.get_object().data for ref in dss.crls]
    assert tsa_pki.crl.read_bytes() in crls
    serials = {cert.serial_number for cert in dss.load_certs()}
    wanted = {x509.load_der_x509_certificate(tsa_pki.ca_der).serial_number,
              x509.load_der_x509_certificate(tsa_pki.reader_cert_der.read_bytes()).serial_number,
              x509.load_pem_x509_certificate(tsa_pki.tsa_cert_pem.read_bytes()).serial_number}
    assert wanted <= serials


def test_b_lt_validates_from_the_pdf_alone(long_term, tsa_pki):
    """Revocation data required for every certificate, with only the trust anchor given: the revocation data for
    the reader's and the TSA's certificates must come from the PDF's DSS (no CRL passed, no
    fetching). The same check without the DSS data fails, so the DSS is what makes it pass."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko_certvalidator import ValidationContext

    anchor = {"trust_roots": [asn1_x509.Certificate.load(tsa_pki.ca_der)], "allow_fetching": False,
              "revocation_mode": "require"}
    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(long_term.pdf)))
    status = validate_pdf_signature(_signature(long_term.pdf), signer_validation_context=dss.as_validation_context(
        anchor), ts_validation_context=dss.as_validation_context(anchor))
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted

    empty = {**anchor, "crls": [], "ocsps": []}
    bare = validate_pdf_signature(_signature(long_term.pdf), signer_validation_context=ValidationContext(**empty),
                                  ts_validation_context=ValidationContext(**empty))
    assert bare.intact and not bare.trusted


def test_b_t_without_crl_has_no_dss(stamped):
    from pyhanko.pdf_utils.reader import PdfFileReader

    assert "/DSS" not in PdfFileReader(io.BytesIO(stamped.pdf)).root


def test_unreachable_tsa_stops_signing(report, tsa_pki, tmp_path):
    url = f"http://127.0.0.1:{free_port()}/tsa"  # nothing listens there
    with pytest.raises(TimestampError):
        sign(report, SIGNER, tmp_path / "out", tsa_pki.p12, tsa_pki.password, render_pdf=no_qt_pdf, tsa_url=url)
    assert not report.is_signed and not (tmp_path / "out").exists()


def test_tsa_answering_garbage_stops_signing(report, tsa_pki, tmp_path):
    """A server that is not a TSA (wrong content type) must not yield a signed PDF."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import threading

    class NotATsa(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = b"<html>hello</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), NotATsa)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with pytest.raises(TimestampError):
            sign(report, SIGNER, tmp_path / "out", tsa_pki.p12, tsa_pki.password, render_pdf=no_qt_pdf,
                 tsa_url=f"http://127.0.0.1:{httpd.server_address[1]}/")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert not (tmp_path / "out").exists()


def test_tsa_fixture_answered(stamped, tsa):  # noqa: F811
    assert tsa.requests, "the timestamp came from somewhere else than the test TSA"


def test_sr_signature_carries_a_certified_timestamp_dcmsign_accepts(stamped, tsa_pki):
    """The same TSA stamps the SR's DICOM signature (0400,0305)/(0400,0310); dcmsign, told to
    require a timestamp, checks the token against the test CA and its imprint against the
    signature value."""
    import pydicom

    from app.report.dicom_signature import verify_signatures

    out = subprocess.run([need("dcmsign"), "--verify", "+rs", "+tr", "+cf", str(tsa_pki.ca_pem),
                          str(stamped.sr_path)], capture_output=True, text=True)
    text = out.stdout + out.stderr
    assert out.returncode == 0 and "Signature Verification : OK" in text, text
    assert "Timestamp Verification : OK" in text, text
    [info] = verify_signatures(pydicom.dcmread(stamped.sr_path))
    assert info.timestamped_at is not None
    assert abs(info.timestamped_at - datetime.datetime.now(datetime.timezone.utc)) < datetime.timedelta(minutes=5)


def test_tampered_sr_timestamp_fails_dcmsign(stamped, tsa_pki, tmp_path):
    import pydicom

    ds = pydicom.dcmread(stamped.sr_path)
    item = ds[0xFFFA, 0xFFFA].value[0]
    token = bytearray(item.CertifiedTimestamp)
    token[-40] ^= 0x01  # inside the TSA's signature value, at the end of the token
    item.CertifiedTimestamp = bytes(token)
    bad = tmp_path / "bad-timestamp.dcm"
    ds.save_as(bad, enforce_file_format=True)
    out = subprocess.run([need("dcmsign"), "--verify", "+tr", "+cf", str(tsa_pki.ca_pem), str(bad)],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "Timestamp Verification : OK" not in out.stdout + out.stderr
