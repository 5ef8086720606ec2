"""Signing end to end with real tools: the SR (dsrdump, dciodvfy, highdicom), the PAdES PDF
(pyHanko's validator against a test CA, poppler's pdfsig and pdftotext) and the Encapsulated PDF.
The nodule references a real slice of ../shared/data/ct/lung-dx-a0001/series-2-5mm."""
from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal

import highdicom as hd
import pydicom
import pytest
from pydicom.sr.codedict import codes

from app.report.encapsulated import extract_pdf
from app.report.errors import NotReadyToSign, ReportSignedError, SigningError
from app.report.finding import Finding
from app.report.identity import Signer, StudyIdentity
from app.report.model import Report
from app.report.signing import REPORT_JSON, sign
from app.report.templates import load_template
from tests.report.conftest import JP_NAME, fill_required
from tests.report.pki import make_pki

SIGNER = Signer("Sato^Hanako=佐藤^花子=さとう^はなこ", "R-17", "Yomi Reading Centre")


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not installed (Debian packages dcmtk, dicom3tools, poppler-utils)")
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture()
def report(lung_slice) -> Report:
    """A ja screening report on the real study, with the test Japanese name as its identity."""
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
    r.override("lung-rads-2022", "4A", "solid component enlarging on the reader's review")
    return r


@pytest.fixture()
def signed(report, pki, tmp_path):
    return sign(report, SIGNER, tmp_path / "out", pki.p12, pki.password, study_on_screen=report.identity.study_uid)


def test_outputs_are_written_and_report_is_signed(signed, report):
    assert report.is_signed and report.signature.sr_sop_uid == signed.sr_sop_uid
    for path, data in ((signed.sr_path, signed.sr), (signed.pdf_path, signed.pdf),
                       (signed.encapsulated_path, signed.encapsulated_pdf)):
        assert path.read_bytes() == data
    again = Report.from_dict(__import__("json").loads((signed.folder / REPORT_JSON).read_text()))
    assert again.is_signed and again.signature == report.signature
    with pytest.raises(ReportSignedError):
        report.set_field("emphysema", "none")


def test_sr_passes_dsrdump(signed):
    out = subprocess.run([need("dsrdump"), str(signed.sr_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert 'NUM:(,,"Long axis")="8.2" (mm,UCUM,"mm")' in text
    assert 'NUM:(,,"Short axis")="6.5" (mm,UCUM,"mm")' in text
    assert 'NUM:(,,"Diameter")="7.4" (mm,UCUM,"mm")' in text  # (8.2 + 6.5) / 2 = 7.35 -> 7.4
    assert "Verification Flag   : VERIFIED" in text and "Completion Flag     : COMPLETE" in text
    assert "山田^太郎" in text
    assert '(90572001,SCT,"Lower lobe of lung")' in text


def test_sr_carries_a_verification_signature_dcmsign_accepts(signed, pki):
    """The Qt-rendered report's SR, signed with the PKCS#12 (tests/report/test_dicom_signature.py
    has the tampering and refusal cases)."""
    assert signed.sr_signed
    out = subprocess.run([need("dcmsign"), "--verify", "+rs", "+cf", str(pki.ca_pem), str(signed.sr_path)],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "Signature Verification : OK" in out.stdout + out.stderr, out.stdout + out.stderr


def test_sr_passes_dciodvfy(signed):
    out = subprocess.run([need("dciodvfy"), str(signed.sr_path)], capture_output=True, text=True)
    errors = [line for line in (out.stdout + out.stderr).splitlines() if line.startswith("Error")]
    assert errors == []


def test_sr_rereads_with_highdicom(signed, report, lung_slice):
    ds = pydicom.dcmread(io.BytesIO(signed.sr))
    img = pydicom.dcmread(lung_slice, stop_before_pixels=True)
    assert ds.SpecificCharacterSet == "ISO_IR 192" and ds.Manufacturer == "Yomi"
    assert str(ds.PatientName) == JP_NAME and ds.PatientID == "PID-0001" and ds.AccessionNumber == "ACC-77"
    assert ds.StudyInstanceUID == img.StudyInstanceUID and ds.SOPInstanceUID == signed.sr_sop_uid
    assert ds.VerificationFlag == "VERIFIED" and ds.CompletionFlag == "COMPLETE"
    assert ds.VerifyingObserverSequence[0].VerifyingOrganization == "Yomi Reading Centre"
    assert "ReferencedStudySequence" not in ds
    evidence = ds.CurrentRequestedProcedureEvidenceSequence[0]
    assert evidence.ReferencedSeriesSequence[0].SeriesInstanceUID == img.SeriesInstanceUID
    sr = hd.sr.srread(io.BytesIO(signed.sr))
    groups = sr.content.get_planar_roi_measurement_groups()
    assert len(groups) == 1
    g = groups[0]
    values = {m.name.meaning: Decimal(str(m.value)) for m in g.get_measurements()}
    n = report.nodules[0]
    assert values == {"Long axis": n.long_mm, "Short axis": n.short_mm, "Diameter": n.mean_mm}
    assert g.roi.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID == img.SOPInstanceUID
    assert g.roi.graphic_type == hd.sr.GraphicTypeValues.ELLIPSE
    assert g.reference_type == codes.DCM.ImageRegion
    whole = sr.content.get_image_measurement_groups()  # the nodule without drawn axes (TID 1501)
    assert len(whole) == 1 and whole[0].finding_sites[0].value == codes.SCT.UpperLobeOfLung


def pdf_text(path) -> str:
    """pdftotext's text, exactly as a reader copying from the PDF gets it (no normalisation)."""
    out = subprocess.run([need("pdftotext"), str(path), "-"], capture_output=True, text=True)
    assert out.returncode == 0
    return out.stdout


def test_pdf_signature_valid_for_pyhanko(signed, pki):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    vc = ValidationContext(trust_roots=[asn1_x509.Certificate.load(pki.ca_der)])
    sig = PdfFileReader(io.BytesIO(signed.pdf)).embedded_signatures[0]
    status = validate_pdf_signature(sig, vc)
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "Sato Hanako"

    tampered = bytearray(signed.pdf)
    pos = tampered.index(b"/Title")  # inside the signed byte range
    tampered[pos + 1] = ord("X")
    sig = PdfFileReader(io.BytesIO(bytes(tampered))).embedded_signatures[0]
    assert not validate_pdf_signature(sig, vc).intact


def test_pdf_signature_valid_for_pdfsig(signed):
    out = subprocess.run([need("pdfsig"), str(signed.pdf_path)], capture_output=True, text=True)
    assert "Signature is Valid" in out.stdout, out.stdout + out.stderr


def test_pdf_shows_the_japanese_name(signed):
    # Exact text: 山 and 子 used to come out as Kangxi radicals (app.report.pdf_text fixes that).
    text = pdf_text(signed.pdf_path)
    assert "山田 太郎" in text
    assert "やまだ たろう" in text and "PID-0001" in text and "ACC-77" in text
    assert "電子署名付きPDF" in text and "4A" in text and "solid component enlarging" in text


def test_encapsulated_pdf_round_trips_identically(signed, report):
    ds = pydicom.dcmread(io.BytesIO(signed.encapsulated_pdf))
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.104.1" and ds.SOPInstanceUID == signed.encapsulated_sop_uid
    assert ds.StudyInstanceUID == report.identity.study_uid and str(ds.PatientName) == JP_NAME
    assert extract_pdf(ds) == signed.pdf
    assert ds.preamble == b"\0" * 128
    out = subprocess.run([need("dciodvfy"), str(signed.encapsulated_path)], capture_output=True, text=True)
    assert [l for l in (out.stdout + out.stderr).splitlines() if l.startswith("Error")] == []


def test_addendum_references_the_signed_sr(signed, report, pki, tmp_path):
    add = report.addendum()
    add.set_field("impression", "追記：右下葉結節の充実成分を再評価しました。")
    second = sign(add, SIGNER, tmp_path / "out", pki.p12, pki.password)
    ds = pydicom.dcmread(io.BytesIO(second.sr))
    pred = ds.PredecessorDocumentsSequence[0]
    assert pred.StudyInstanceUID == report.identity.study_uid
    ref = pred.ReferencedSeriesSequence[0].ReferencedSOPSequence[0]
    assert ref.ReferencedSOPInstanceUID == signed.sr_sop_uid and second.sr_sop_uid != signed.sr_sop_uid
    assert signed.sr_path.read_bytes() == signed.sr  # v1 still there, unchanged


def test_unsigned_pdf_is_marked(report, tmp_path):
    out = sign(report, SIGNER, tmp_path / "out")
    assert not report.signature.pdf_signed
    assert b"/ByteRange" not in out.pdf
    assert "電子署名なし" in pdf_text(out.pdf_path)


def test_refusals(report, pki, tmp_path):
    with pytest.raises(NotReadyToSign):
        sign(report, SIGNER, tmp_path / "o", study_on_screen="1.2.3.999")
    with pytest.raises(SigningError):
        sign(report, SIGNER, tmp_path / "o", pki.p12, b"wrong password")
    with pytest.raises(NotReadyToSign):
        sign(report, Signer("", "R-1", "Org"), tmp_path / "o")
    assert not report.is_signed and not (tmp_path / "o").exists()


def test_general_ct_report_without_nodules(tmp_path):
    r = Report(load_template("general-ct"), StudyIdentity("1.2.826.0.1.3680043.8.498.7", "PID-2", JP_NAME, "19600101",
                                                          "F", "ACC-2", "20240301", "090000", "S2"), "en")
    r.set_field("liver", ".n")
    r.set_field("impression", ".nl")
    out = sign(r, SIGNER, tmp_path / "out")
    ds = pydicom.dcmread(io.BytesIO(out.sr))
    assert "CurrentRequestedProcedureEvidenceSequence" not in ds  # no image referenced, none invented
    dump = subprocess.run([need("dsrdump"), "+Pl", str(out.sr_path)], capture_output=True, text=True)  # +Pl: long text
    assert dump.returncode == 0 and "No focal liver lesion." in dump.stdout
    check = subprocess.run([need("dciodvfy"), str(out.sr_path)], capture_output=True, text=True)
    assert [l for l in (check.stdout + check.stderr).splitlines() if l.startswith("Error")] == []
