"""The report model: fields, nodules, suggestions and overrides, signing state, JSON."""
import dataclasses
from decimal import Decimal

import pytest

from app.report.errors import FieldValueError, NotReadyToSign, ReportSignedError
from app.report.finding import Finding
from app.report.identity import Signer
from app.report.model import Report, ReportState, SignatureRecord
from app.report.render import render_html, render_text
from tests.report.conftest import JP_NAME, fill_required, make_report

SIGNER = Signer("Sato^Hanako=佐藤^花子", "R-17", "Yomi Reading Centre")


def nodule(long_mm=7.0, short_mm=5.0, **kw):
    base = dict(lobe="RUL", kind="solid", status="baseline", calcification="none", margin="smooth")
    base.update(kw)
    return Finding.from_measurement(long_mm, short_mm, "1.2.3.4", "1.2.3.4.5", 20, **base)


def record():
    return SignatureRecord(SIGNER, "2024-01-05T10:00:00+00:00", "1.2.9.1", "1.2.9.2", "1.2.9.3", "1.2.9.4", True)


def signed_report():
    r = make_report()
    fill_required(r)
    r.add_nodule(nodule())
    r.mark_signed(record())
    return r


def test_from_measurement_rounds_and_computes_mean():
    n = Finding.from_measurement(7.04, 5.96, "1.2", "1.3", 4)
    assert (n.long_mm, n.short_mm, n.mean_mm) == (Decimal("7.0"), Decimal("6.0"), Decimal("6.5"))
    with pytest.raises(FieldValueError):
        Finding.from_measurement(5.0, 6.0, "1.2", "1.3", 4)


def test_suggestions_follow_measurements():
    r = make_report()
    fill_required(r)
    r.add_nodule(nodule(7.0, 5.0))  # mean 6.0 mm exactly
    c = r.categories()
    assert c["jscts-6"].suggested == "refer" and c["lung-rads-2022"].suggested == "3"
    r.update_nodule(0, long_mm=6.8)  # mean 5.9
    c = r.categories()
    assert c["jscts-6"].suggested == "annual_ct" and c["jscts-6"].follow_up_months == 12
    assert c["lung-rads-2022"].suggested == "2"
    assert r.computed("recommendation", "ja") == "12か月後にCT再検査"


def test_override_needs_a_reason_and_a_valid_category():
    r = make_report()
    fill_required(r)
    r.add_nodule(nodule())
    with pytest.raises(FieldValueError):
        r.override("lung-rads-2022", "4A", "  ")
    with pytest.raises(FieldValueError):
        r.override("lung-rads-2022", "5", "reason")
    with pytest.raises(FieldValueError):
        r.override("lung-rads-2022", "3", "same as suggested")
    r.override("lung-rads-2022", "4A", "spiculated margin on thin sections")
    res = r.categories()["lung-rads-2022"]
    assert (res.suggested, res.final, res.override.suggested) == ("3", "4A", "3")
    assert res.follow_up_months == 3
    assert "spiculated margin" in render_text(r, "en")


def test_undecided_scheme_blocks_signing_until_reader_chooses():
    r = make_report()
    fill_required(r)
    r.add_nodule(nodule(status="stable"))  # no prior Lung-RADS category: no suggestion
    with pytest.raises(NotReadyToSign, match="Lung-RADS v2022"):
        r.check_ready(SIGNER)
    r.override("lung-rads-2022", "2", "stable for 2 years on prior CTs")
    r.check_ready(SIGNER)


def test_required_fields_block_signing():
    r = make_report()
    r.add_nodule(nodule(kind="part_solid"))
    with pytest.raises(NotReadyToSign) as exc:
        r.check_ready(SIGNER)
    msg = str(exc.value)
    assert "comparison" in msg.lower() and "solid component" in msg
    assert "Yamada" not in msg and "PID-0001" not in msg  # no personal data in errors


def test_field_values_are_checked():
    r = make_report()
    with pytest.raises(FieldValueError):
        r.set_field("emphysema", "huge")
    with pytest.raises(FieldValueError):
        r.set_field("recommendation", "x")
    with pytest.raises(FieldValueError):
        r.set_field("ctdivol", "abc")
    with pytest.raises(FieldValueError):
        r.update_nodule(0, lobe="RUL")
    r.add_nodule(nodule())
    with pytest.raises(FieldValueError):
        r.update_nodule(0, lobe="XYZ")
    r.set_field("impression", ".nl")
    assert r.fields["impression"] == r.template.normal_text["ja"]


def test_signed_report_is_immutable():
    r = signed_report()
    assert r.state is ReportState.SIGNED
    attempts = [
        lambda: r.set_field("emphysema", "none"),
        lambda: r.add_nodule(nodule()),
        lambda: r.update_nodule(0, long_mm=9.0),
        lambda: r.remove_nodule(0),
        lambda: r.override("lung-rads-2022", "4A", "x"),
        lambda: r.clear_override("lung-rads-2022"),
        lambda: r.set_language("en"),
        lambda: r.mark_signed(record()),
        lambda: setattr(r, "state", ReportState.DRAFT),
        lambda: r._load_content({"fields": {}}),
    ]
    for attempt in attempts:
        with pytest.raises(ReportSignedError):
            attempt()
    with pytest.raises(TypeError):
        r.fields["emphysema"] = "none"  # read-only view
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.nodules[0].long_mm = Decimal(1)
    assert r.fields["emphysema"] == "mild"


def test_addendum_is_a_new_draft_referencing_the_signed_report():
    r = signed_report()
    a = r.addendum()
    assert a.state is ReportState.DRAFT and a.report_id != r.report_id
    assert a.predecessor.sr_sop_uid == "1.2.9.2" and a.predecessor.report_id == r.report_id
    a.set_field("emphysema", "severe")
    assert r.fields["emphysema"] == "mild"
    assert "1.2.9.2" in render_text(a, "en")


def test_json_round_trip_of_draft_and_signed():
    r = make_report()
    fill_required(r)
    r.add_nodule(nodule(kind="part_solid", solid_long_mm=4.0, solid_short_mm=3.0, long_axis_px=(1, 2, 3, 4)))
    r.override("lung-rads-2022", "4A", "reason")
    again = Report.from_dict(r.to_dict())
    assert again.to_dict() == r.to_dict()
    assert again.nodules[0].solid_mean_mm == Decimal("3.5")
    s = signed_report()
    s2 = Report.from_dict(s.to_dict())
    assert s2.is_signed and s2.signature == s.signature
    with pytest.raises(ReportSignedError):
        s2.set_field("emphysema", "none")


def test_repr_and_identity_repr_hold_no_personal_data():
    r = make_report()
    assert "Yamada" not in repr(r) and "山田" not in repr(r.identity) and "PID" not in repr(r.identity)


def test_render_escapes_data_and_shows_names():
    r = make_report()
    fill_required(r)
    r.set_field("mediastinal_other", "<script>alert(1)</script>")
    html = render_html(r, "ja")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "山田 太郎" in html and "やまだ たろう" in html
    assert "Yamada Tarou" in render_text(r, "en")
    assert JP_NAME.split("=")[0] not in html  # the raw PN string is never shown
