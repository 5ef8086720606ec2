"""The report's patient identity carries the kanji and the kana of a name read from a file
whose character set was wrong (a real slice of the chest CT with chrH31's real name in
Shift_JIS under ISO 2022 IR 87, rewritten in a temporary folder)."""
from __future__ import annotations

import pydicom

from app.report.identity import StudyIdentity
from app.report.render import render_text
from tests.fixtures.mislabelled import real_japanese_name, write_mislabelled
from app.report.model import Report
from app.report.templates import load_template
from tests.report.conftest import fill_required
from viewer.dicom_files import Identity


def test_identity_from_a_mislabelled_file_carries_kanji_and_kana(tmp_path, shared_data):
    src = sorted((shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm").glob("*.dcm"))[0]
    write_mislabelled(src, tmp_path / "a.dcm", real_japanese_name(shared_data), "cp932", ["", "ISO 2022 IR 87"])
    viewed = Identity.from_dataset(pydicom.dcmread(tmp_path / "a.dcm"))
    ident = StudyIdentity(study_uid=viewed.study_uid, patient_id=viewed.patient_id, patient_name=viewed.patient_name)
    assert (ident.kanji_name, ident.kana_name) == ("山田^太郎", "やまだ^たろう")
    assert StudyIdentity.from_dict(ident.to_dict()).kana_name == "やまだ^たろう"
    report = Report(load_template("lung-screening-ldct"), ident, "ja")
    fill_required(report)
    assert "山田 太郎（やまだ たろう）" in render_text(report, "ja")


def test_romaji_only_name_has_no_kanji_or_kana():
    ident = StudyIdentity(study_uid="1.2.3", patient_name="Smith^John")
    assert (ident.kanji_name, ident.kana_name) == ("", "")
