"""The leak scan itself: it finds every encoding it claims to, covers the stores a GUI test
writes outside the data dir, and leaves the reading centre's own storage alone."""
from __future__ import annotations

import json
import sqlite3

import pydicom
import pytest

from tests.at_rest.scan import (JAPANESE, REAL_CT, SYNTHETIC, PatientFixture, assert_nothing_leaks, loose_modes,
                                scan, station_files)



@pytest.mark.parametrize("text, codec", [
    ("山田^太郎", "utf-8"), ("山田 太郎", "shift_jis"), ("やまだ たろう", "euc_jp"), ("ヤマダ^タロウ", "iso2022_jp"),
    ("山田太郎", "utf-16-le"),
])
def test_japanese_names_are_found_in_every_encoding(tmp_path, text, codec):
    (tmp_path / "f.bin").write_bytes(b"\0\1" + text.encode(codec) + b"\2")
    assert scan(tmp_path, None, [JAPANESE]), codec


def test_dicom_pn_bytes_as_written_are_found(tmp_path, shared_data):
    raw = (shared_data / "charset" / "chrH31.dcm").read_bytes()  # ISO 2022 IR 87, escapes and all
    (tmp_path / "copy.dcm").write_bytes(raw)
    name = str(pydicom.dcmread(shared_data / "charset" / "chrH31.dcm").PatientName)
    assert scan(tmp_path, None, [PatientFixture(name)])


@pytest.mark.parametrize("content", [
    "Lung_Dx-A0001", "LUNG_DX-A0001", "Synthetic^Patient0001", "synthetic patient0001", "19600101", "1960-01-01",
    json.dumps({"n": "山田^太郎"}),  # JSON \\u escapes
])
def test_latin_names_and_dates_in_any_case_and_form(tmp_path, content):
    (tmp_path / "f.txt").write_text(content, encoding="utf-8")
    assert scan(tmp_path, None, [REAL_CT, SYNTHETIC, JAPANESE]), content


def test_sealed_files_and_unrelated_words_are_not_hits(tmp_path):
    (tmp_path / "a.yd").write_bytes(b"YS1\0" + "山田^太郎".encode())  # starts with the seal: skipped
    (tmp_path / "b.json").write_text('{"reader": "yamada-reader", "patient_id_type": "Patient Number"}')
    assert not scan(tmp_path, None, [JAPANESE, SYNTHETIC, PatientFixture("Yamada^Tarou")])


def test_stores_outside_the_data_dir_are_scanned_and_the_centre_is_not(tmp_path):
    tmp = tmp_path / "t"
    (tmp / "outbox").mkdir(parents=True)
    con = sqlite3.connect(tmp / "outbox" / "outbox.sqlite3")
    con.execute("CREATE TABLE t(x)")
    con.execute("INSERT INTO t VALUES (?)", ("Lung_Dx-A0001".encode(),))
    con.commit()
    con.close()
    (tmp / "centre" / "studies").mkdir(parents=True)
    (tmp / "centre" / "studies" / "x.dcm").write_text("Lung_Dx-A0001")
    (tmp / "report.pdf").write_text("Lung_Dx-A0001")  # the test's own artefact
    files = station_files(None, tmp)
    assert tmp / "outbox" / "outbox.sqlite3" in files
    assert not any("centre" in p.parts for p in files) and tmp / "report.pdf" not in files
    with pytest.raises(AssertionError, match="outbox.sqlite3"):
        assert_nothing_leaks(None, tmp)


def test_loose_modes_are_reported(tmp_path):
    (tmp_path / "drafts").mkdir(mode=0o755)
    (tmp_path / "drafts" / "x.yd").write_bytes(b"YS1\0")
    assert loose_modes(tmp_path)
