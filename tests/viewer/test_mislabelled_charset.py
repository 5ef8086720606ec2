"""Files whose Specific Character Set lies: the name decoded from its bytes, flagged in the
identity the banner shows and in `yomi inspect`. Files are real (a slice of the chest CT, the
name of pydicom's chrH31.dcm) and rewritten in a temporary folder (tests/fixtures/mislabelled)."""
from __future__ import annotations

import json
import warnings

import pydicom
import pytest

from app.main import main
from common.charset_guess import GuessedEncoding
from tests.fixtures.mislabelled import real_japanese_name, write_mislabelled
from viewer.dicom_files import Identity
from viewer.volume import scan_paths

CASES = [
    ("cp932", ["", "ISO 2022 IR 87"], GuessedEncoding.SHIFT_JIS),
    ("cp932", None, GuessedEncoding.SHIFT_JIS),
    ("euc_jp", "ISO_IR 100", GuessedEncoding.EUC_JP),
    ("iso2022_jp", "ISO_IR 100", GuessedEncoding.ISO_2022_JP),
]


@pytest.fixture
def slice_file(lung_series2):
    return sorted(lung_series2.glob("*.dcm"))[0]


@pytest.mark.parametrize(("codec", "declared", "guess"), CASES)
def test_identity_reads_the_name_from_its_bytes_and_flags_it(tmp_path, shared_data, slice_file,
                                                             codec, declared, guess):
    name = real_japanese_name(shared_data)
    out = tmp_path / "mislabelled.dcm"
    write_mislabelled(slice_file, out, name, codec, declared)
    ds = pydicom.dcmread(out)
    ident = Identity.from_dataset(ds)
    assert ident.patient_name == name and ident.charset_guess is guess
    with warnings.catch_warnings():   # pydicom warns of the escapes it cannot place, and goes on
        warnings.simplefilter("ignore")
        assert str(pydicom.dcmread(out).PatientName) != name   # pydicom alone shows something else
    groups, problems = scan_paths([out])
    assert not problems and groups[0].identity.patient_name == name
    assert groups[0].identity.charset_guess is guess


def test_correct_file_has_no_guess(slice_file):
    ident = Identity.from_dataset(pydicom.dcmread(slice_file))
    assert ident.charset_guess is None and ident.blank_uids == ()


def test_inspect_shows_the_guess(tmp_path, shared_data, slice_file, capsys):
    name = real_japanese_name(shared_data)
    write_mislabelled(slice_file, tmp_path / "a.dcm", name, "cp932", ["", "ISO 2022 IR 87"])
    assert main(["inspect", str(tmp_path), "--json"]) == 0
    series = json.loads(capsys.readouterr().out)["series"]
    assert [(s["patient_name"], s["charset_guess"]) for s in series] == [(name, "Shift_JIS")]
    assert main(["inspect", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert f"Patient {name} " in text
    assert "! text decoded as Shift_JIS by guess" in text


def test_inspect_of_a_correct_file_shows_no_guess(slice_file, capsys):
    assert main(["inspect", str(slice_file), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["series"][0]["charset_guess"] is None


def test_the_name_is_not_logged(tmp_path, shared_data, slice_file, caplog):
    name = real_japanese_name(shared_data)
    write_mislabelled(slice_file, tmp_path / "a.dcm", name, "euc_jp", "ISO_IR 100")
    with caplog.at_level("DEBUG"):
        scan_paths([tmp_path])
    for part in ("山田", "太郎", "やまだ", "Yamada"):
        assert part not in caplog.text
