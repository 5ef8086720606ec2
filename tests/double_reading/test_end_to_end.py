"""Double reading end to end against the real Orthanc + centre plugin, with the stations' real
signer (app/reading/signer.py, accounts with bound PKCS#12 keys): readers A and B read the same
study blind (B's fetch of A's SR is refused), the judge reconciles their disagreement, the final
SR (dsrdump, dcmdump, dciodvfy, dcmsign) and PDF (pdftotext) carry all three, and the requester's
QIDO finds one report document, the final, with the site setting "final only"."""
from __future__ import annotations

import io
import subprocess

import pydicom
import pytest

from app.reading.certificates import SigningSettings
from app.reading.comparison_fetch import ComparisonRefused, fetch_readings
from app.reading.double_reading import Choice, Reconciliation, geometry_locator
from app.reading.requester_policy import RequesterReceives, delivery_objects
from app.reading.roles import FetchDecision, ReadingRole
from app.reading.signer import sign_as_reader
from tests.centre.support import STAFF, As, refusals_logged, uids_of
from tests.double_reading.conftest import PASSWORD
from tests.double_reading.support import NAME_A, NAME_B, NAME_J, REQUESTER, reading_report, slice_geometry
from tests.report.test_signing import need, pdf_text
from worklist.centre import Forbidden
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.dicomweb_centre import DicomWebCentre

pytestmark = pytest.mark.orthanc
SETTINGS = SigningSettings("Yomi test centre")
# A measures a 7.2 x 5.6 mm solid nodule (mean 6.4: JSCTS refer); B measures it 4.6 x 3.8 on the
# next slice (mean 4.2: CT again in 12 months) and sees no emphysema.
NODULE_A = {"slice": 2, "lobe": "RLL", "long": "7.2", "short": "5.6", "centre": (300.0, 260.0)}
NODULE_B = {"slice": 3, "lobe": "RLL", "long": "4.6", "short": "3.8", "centre": (303.0, 262.0)}


def _client(server, creds) -> DicomWebClient:
    return DicomWebClient(ClientSettings(server.dicomweb_url, *creds))


def _sign_and_send(station, server, report, role: ReadingRole, tmp_path, *, final=None):
    signed = sign_as_reader(station.session, "", PASSWORD, report, choice=station.choice, settings=SETTINGS,
                            out_dir=tmp_path / f"signed-{role.value}", final=final,
                            reading_role=role.value if role is not ReadingRole.JUDGE else "")
    objects = delivery_objects(signed, role, RequesterReceives.FINAL)
    DicomWebCentre("centre", _client(server, station.centre_user), None).submit([b for _u, b in objects])
    return signed


def test_blind_double_reading_reconciled_by_the_judge(double, stations, tmp_path, qapp) -> None:
    server, st = double.server, double.study
    a, b, j = stations["kenji"], stations["jiro"], stations["hanako"]
    signed_a = _sign_and_send(a, server, reading_report(st, [NODULE_A]), ReadingRole.FIRST, tmp_path)

    # B reads blind: A's SR is refused by the centre, audited there; nothing changed
    before = len(refusals_logged(server))
    with pytest.raises(Forbidden):
        _client(server, b.centre_user).retrieve_instance(st.uid, signed_a.report.signature.series_uid,
                                                         signed_a.sr_sop_uid)
    assert any("user=reader-b" in line and "double reading" in line for line in refusals_logged(server)[before:])
    with pytest.raises(ComparisonRefused) as refused:
        fetch_readings(_client(server, b.centre_user), st.uid, ReadingRole.SECOND, user="jiro")
    assert refused.value.decision is FetchDecision.NO_ROLE
    # the judge too early: one reading signed, the centre withholds it
    with pytest.raises(ComparisonRefused) as early:
        fetch_readings(_client(server, j.centre_user), st.uid, ReadingRole.JUDGE, user="hanako",
                       audit_log=j.session.audit_log)
    assert early.value.decision is FetchDecision.READINGS_NOT_BOTH_SIGNED
    assert "comparison reading refused" in (tmp_path / "audit-hanako.jsonl").read_text()

    signed_b = _sign_and_send(b, server, reading_report(st, [NODULE_B], emphysema="none"), ReadingRole.SECOND,
                              tmp_path)
    pair = fetch_readings(_client(server, j.centre_user), st.uid, ReadingRole.JUDGE, user="hanako",
                          patient_id=st.patient_id, audit_log=j.session.audit_log)
    assert (pair.first.ref.signer.name, pair.second.ref.signer.name) == (NAME_A, NAME_B)
    rec = Reconciliation(pair.first, pair.second, geometry_locator(slice_geometry(st)))
    assert not rec.agreed and {d.key for d in rec.diffs} >= {"size:1", "category:jscts-6", "field:emphysema"}
    for d in rec.diffs:
        rec.resolve(d.key, Choice.FIRST, f"比較読影: 第一読影を採用 ({d.key})")
    final, ctx = rec.final_report()
    signed_f = _sign_and_send(j, server, final, ReadingRole.JUDGE, tmp_path, final=ctx)

    # the final SR: both readings as predecessors, three observers with roles and qualifications
    ds = pydicom.dcmread(io.BytesIO(signed_f.sr))
    refs = {str(s.ReferencedSOPInstanceUID) for p in ds.PredecessorDocumentsSequence
            for se in p.ReferencedSeriesSequence for s in se.ReferencedSOPSequence}
    assert refs == {signed_a.sr_sop_uid, signed_b.sr_sop_uid}
    path = tmp_path / "final.dcm"
    path.write_bytes(signed_f.sr)
    reading_path = tmp_path / "reading-a.dcm"
    reading_path.write_bytes(signed_a.sr)
    check = subprocess.run([need("dciodvfy"), str(reading_path)], capture_output=True, text=True)
    assert [line for line in (check.stdout + check.stderr).splitlines() if line.startswith("Error")] == []
    assert "First reader" in subprocess.run([need("dsrdump"), str(reading_path)], capture_output=True,
                                            text=True).stdout
    dump = subprocess.run([need("dsrdump"), str(path)], capture_output=True, text=True).stdout
    for name in (NAME_A, NAME_B, NAME_J):
        assert name in dump
    assert dump.count("Adjudicator") == 1 and "First reader" in dump and "Second reader" in dump
    assert "Certified physician, lung cancer CT screening" in dump and "Physician" in dump
    assert "Verification Flag   : VERIFIED" in dump
    check = subprocess.run([need("dciodvfy"), str(path)], capture_output=True, text=True)
    assert [line for line in (check.stdout + check.stderr).splitlines() if line.startswith("Error")] == []
    verify = subprocess.run([need("dcmsign"), "--verify", "+rs", "+cf", str(stations["pki"].ca_pem), str(path)],
                            capture_output=True, text=True)
    assert "Signature Verification : OK" in verify.stdout + verify.stderr

    # the PDF shows the three judgements and the reasons
    text = pdf_text(signed_f.pdf_path).replace(" ", "")
    for label in ("第一読影", "第二読影", "最終判定（比較読影）", "変更と理由", "肺がんCT検診認定医師"):
        assert label in text
    for name, account in ((NAME_A, "kenji"), (NAME_B, "jiro"), (NAME_J, "hanako")):
        assert name.split("^")[0] in text and f"({account})" in text
    assert text.count("比較読影:第一読影を採用") == len(rec.diffs)

    # the requester receives one report document: the final's
    requester = As(server, REQUESTER)
    docs = uids_of(requester.qido(f"studies/{st.uid}/instances?Modality=DOC"))
    assert docs == {signed_f.encapsulated_sop_uid}
    srs = uids_of(As(server, STAFF).qido(f"studies/{st.uid}/instances?Modality=SR"))
    assert srs == {signed_a.sr_sop_uid, signed_b.sr_sop_uid, signed_f.sr_sop_uid}   # the record stays whole
