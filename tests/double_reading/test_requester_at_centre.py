"""What the requester receives, enforced by the centre (packaging/centre access.py): under
"final" the requesting hospital's account retrieves the judge's final SR and PDF of a double
reading and nothing of the two readings, whatever the station sent; under "all" it gets every
reading. Against the real centre: Orthanc 1.10 + DICOMweb + the centre plugin."""
from __future__ import annotations

import io

import pydicom
import pytest
from pydicom.uid import generate_uid

from tests.centre.support import STAFF, As, refusals_logged, uids_of
from tests.double_reading.support import (NAME_A, NAME_B, NAME_J, REQUESTER, load_double_study, reading_report,
                                          start_double_centre)

pytestmark = pytest.mark.orthanc
NODULE = {"slice": 2, "lobe": "RLL", "long": "7.2", "short": "5.6", "centre": (300.0, 260.0)}
PDF = b"%PDF-1.4\n% a reading rendered\n%%EOF\n"


def _signed(report, name: str, user_id: str) -> dict[str, tuple[str, str, bytes]]:
    """SR and Encapsulated PDF of one signing, by the real writers: kind -> (series, SOP, bytes)."""
    from app.report.encapsulated import build_encapsulated_pdf
    from app.report.identity import Signer
    from app.report.model import SignatureRecord
    from app.report.render import render_text
    from app.report.sr import build_sr, encode

    record = SignatureRecord(Signer(name, user_id, "Yomi test centre", "physician"), "2026-12-01T10:00:00+00:00",
                             generate_uid(), generate_uid(), generate_uid(), generate_uid(), False)
    doc = build_encapsulated_pdf(report, record, PDF)
    buf = io.BytesIO()
    doc.save_as(buf, enforce_file_format=True)
    return {"sr": (record.series_uid, record.sr_sop_uid, encode(build_sr(report, record, render_text(report)))),
            "pdf": (record.pdf_series_uid, record.encapsulated_sop_uid, buf.getvalue())}


def _wado(who: As, study: str, obj: tuple[str, str, bytes], tail: str = "") -> int:
    series, sop, _ = obj
    return who.get(f"/dicom-web/studies/{study}/series/{series}/instances/{sop}{tail}",
                   headers={"Accept": "multipart/related; type=\"application/dicom\""}).status_code


def _readings(d, tmp_path):
    report = reading_report(d.study, [NODULE])
    a, b = _signed(report, NAME_A, "kenji"), _signed(report, NAME_B, "jiro")
    d.server.upload([a["sr"][2], a["pdf"][2], b["sr"][2], b["pdf"][2]])
    return report, a, b


def test_requester_gets_the_final_report_only(tmp_path):
    server = start_double_centre(tmp_path / "orthanc")
    try:
        d = load_double_study(server, tmp_path / "studies")
        st = d.study
        report, a, b = _readings(d, tmp_path)
        ward, staff = As(server, REQUESTER), As(server, STAFF)
        image = (st.series, st.sops[0], b"")
        assert _wado(ward, st.uid, image) == 200                     # the images stay the requester's
        for obj in (a["sr"], a["pdf"], b["sr"], b["pdf"]):
            assert _wado(ward, st.uid, obj) == 403
            assert _wado(ward, st.uid, obj, "/metadata") == 403
            assert ward.get(f"/dicom-web/studies/{st.uid}/series/{obj[0]}/metadata").status_code == 403
            assert _wado(staff, st.uid, obj) == 200                  # the centre keeps the record whole
        assert ward.get(f"/dicom-web/studies/{st.uid}").status_code == 403      # the whole study holds readings
        assert ward.get(f"/dicom-web/studies/{st.uid}/metadata").status_code == 403
        # outside DICOMweb GET nothing: Orthanc's own API would hand over any file
        sid = staff.get("/studies").json()[0]
        assert ward.get(f"/studies/{sid}").status_code == 403
        assert ward.stow([a["sr"][2]]).status_code == 403
        assert ward.workitems().status_code == 403
        # the judge's final, and the PDF that renders it
        final = _signed(report, NAME_J, "hanako")
        server.upload([final["sr"][2], final["pdf"][2]])
        assert _wado(ward, st.uid, final["sr"]) == 200
        assert _wado(ward, st.uid, final["pdf"]) == 200
        got = pydicom.dcmread(io.BytesIO(ward.get(
            f"/dicom-web/studies/{st.uid}/series/{final['pdf'][0]}/instances/{final['pdf'][1]}",
            headers={"Accept": "multipart/related; type=\"application/dicom\""}).content.split(b"\r\n\r\n", 1)[1]),
            force=True)
        assert got.SourceInstanceSequence[0].ReferencedSOPInstanceUID == final["sr"][1]
        for obj in (a["sr"], a["pdf"], b["pdf"]):
            assert _wado(ward, st.uid, obj) == 403
        # a reading's instance asked for under the final's series: the hierarchy is checked
        assert ward.get(f"/dicom-web/studies/{st.uid}/series/{final['pdf'][0]}/instances/{a['pdf'][1]}"
                        ).status_code == 403
        # the search lists what the study holds (Orthanc's DICOMweb answers QIDO; see access.py)
        assert final["pdf"][1] in uids_of(ward.qido(f"studies/{st.uid}/instances?Modality=DOC"))
        logged = [line for line in refusals_logged(server) if "user=ward" in line]
        assert any("requester receives the final report only" in line for line in logged)
        assert all(NAME_A.split("^")[0] not in line for line in logged)
    finally:
        server.stop()


def test_requester_gets_every_reading_under_all(tmp_path):
    server = start_double_centre(tmp_path / "orthanc", double_reading={"RequesterReceives": "all"})
    try:
        d = load_double_study(server, tmp_path / "studies")
        _report, a, b = _readings(d, tmp_path)
        ward = As(server, REQUESTER)
        for obj in (a["sr"], a["pdf"], b["sr"], b["pdf"]):
            assert _wado(ward, d.study.uid, obj) == 200
        assert ward.get(f"/dicom-web/studies/{d.study.uid}/metadata").status_code == 200
        assert ward.get("/system").status_code == 403                # still DICOMweb only
    finally:
        server.stop()


def test_requester_settings_are_checked():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging" / "centre"))
    from yomi_centre.config import ConfigError, parse_config

    base = {"YomiCentre": {"Readers": {"reader-a": {"dicom_name": NAME_A}}, "StateDirectory": "/tmp/x"}}
    assert parse_config(base).requester_receives == "final"
    with pytest.raises(ConfigError, match="RequesterReceives"):
        parse_config({"YomiCentre": {**base["YomiCentre"], "DoubleReading": {"RequesterReceives": "some"}}})
    with pytest.raises(ConfigError, match="also a reader"):
        parse_config({"YomiCentre": {**base["YomiCentre"], "Requesters": ["reader-a"]}})
