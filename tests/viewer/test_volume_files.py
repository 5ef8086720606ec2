"""Character sets, SR/non-image objects and malformed files from ../shared/data (pydicom,
highdicom and dcmqi test files): identities decoded right, everything else reported, no crash."""
from __future__ import annotations

import codecs
from pathlib import Path

import pydicom
import pytest

from viewer.volume import Identity, VolumeError, build_volume, group_datasets, load_volume, scan_paths
from viewer.volume_warnings import Warn


def _expected_names(data_dir: Path) -> dict[str, tuple[str, str]]:
    """FileInfo.txt: file -> (character set column, Python-escaped raw name bytes)."""
    out = {}
    for line in (data_dir / "charset" / "FileInfo.txt").read_text().splitlines():
        if line.startswith("chr") and line.rstrip().endswith("'"):
            name, rest = line.split(None, 1)
            charset, raw = rest.rsplit(" '", 1) if " '" in rest else rest.split("'", 1)
            out[name] = (charset.strip(), raw[:-1] if raw.endswith("'") else raw)
    return out


SINGLE_BYTE = {"ISO_IR 100": "latin_1", "ISO_IR 126": "iso8859_7", "ISO_IR 127": "iso8859_6",
               "ISO_IR 138": "iso8859_8", "ISO_IR 144": "iso8859_5", "ISO_IR 192": "utf_8",
               "GB18030": "gb18030"}


def test_japanese_names_decoded_exactly(data_dir):
    groups, _ = scan_paths([data_dir / "charset" / "chrH31.dcm", data_dir / "charset" / "chrH32.dcm"])
    names = sorted(g.identity.patient_name for g in groups)
    raw31 = _expected_names(data_dir)["chrH31.dcm"][1]
    # IR 87 alone is what Python's ISO-2022-JP codec decodes: an oracle independent of pydicom
    expected31 = codecs.decode(raw31, "unicode_escape").encode("latin_1").decode("iso2022_jp")
    assert expected31 == "Yamada^Tarou=山田^太郎=やまだ^たろう"
    # chrH32 adds half-width katakana (IR 13) in the alphabetic group
    assert names == sorted([expected31, "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"])


@pytest.mark.parametrize("filename", ["chrFren.dcm", "chrGerm.dcm", "chrGreek.dcm", "chrArab.dcm",
                                      "chrHbrw.dcm", "chrRuss.dcm", "chrX1.dcm", "chrX2.dcm"])
def test_single_byte_and_unicode_names(filename, data_dir):
    charset, raw = _expected_names(data_dir)[filename]
    expected = codecs.decode(raw, "unicode_escape").encode("latin_1").decode(SINGLE_BYTE[charset])
    vol = load_volume(data_dir / "charset" / filename)
    # trailing empty component groups carry nothing (PS3.5 6.2): 'Wang^XiaoDong=王^小東=' is shown without '='
    assert vol.identity.patient_name == expected.rstrip("=")


def test_image_without_geometry_is_flagged(data_dir):
    """The charset samples are 32x32 OT images with no pixel spacing and no patient position."""
    vol = load_volume(data_dir / "charset" / "chrH31.dcm")
    assert vol.shape == (1, 32, 32)
    assert vol.measurable is False and vol.oriented is False
    assert "no pixel spacing: distances are in pixels, not mm" in vol.warnings
    assert any("orientation labels unknown" in w for w in vol.warnings)
    assert {w.code for w in vol.warnings} >= {Warn.NO_PIXEL_SPACING, Warn.NO_ORIENTATION}
    assert vol.value_unit != "HU"


def test_charset_samples_without_pixels_are_skipped_with_reason(data_dir):
    groups, problems = scan_paths([data_dir / "charset"])
    reasons = {Path(p.path).name: p.reason for p in problems}
    for name in ("chrJapMulti.dcm", "chrJapMultiExplicitIR6.dcm", "chrKoreanMulti.dcm", "chrSQEncoding.dcm"):
        assert reasons[name].startswith("no pixel data")
    assert reasons["FileInfo.txt"].startswith("not a DICOM")
    assert len(groups) == 11


def test_sr_folder_yields_only_the_ct_slice(data_dir):
    groups, problems = scan_paths([data_dir / "sr"])
    # ct_image.dcm and CT_small.dcm are the same SOP instance: read once
    assert len(groups) == 1 and len(groups[0].frames) == 1
    vol = build_volume(groups[0])
    assert vol.shape == (1, 128, 128) and vol.measurable and vol.oriented
    reasons = {Path(p.path).name: p.reason for p in problems}
    assert "Comprehensive SR" in reasons["sr.dcm"]
    assert "Comprehensive 3D SR" in reasons["sr_document.dcm"]
    assert reasons["seg.dcm"].startswith("segmentation (SEG)")
    assert "Real World Value Mapping" in reasons["rwvm.dcm"]


def test_bad_files_are_problems_and_the_rest_still_loads(data_dir, lung_series2):
    groups, problems = scan_paths([data_dir / "bad", lung_series2])
    reasons = {Path(p.path).name: p.reason for p in problems}
    assert reasons["MR_truncated.dcm"] == "pixel data truncated: 8130 of 8192 bytes present"
    assert reasons["badVR.dcm"] == "invalid header: invalid Number of Frames '1A'"
    assert reasons["no_meta.dcm"].startswith("not a DICOM Part 10 file")
    assert reasons["rtplan_truncated.dcm"].startswith("no pixel data (RT Plan Storage)")
    assert reasons["empty_charset_LEI.dcm"].startswith("no pixel data")
    assert len(groups) == 1 and len(groups[0].frames) == 64


def test_truncated_pixels_received_as_dataset_raise_naming_it(data_dir):
    ds = pydicom.dcmread(data_dir / "bad" / "MR_truncated.dcm")
    groups, _ = group_datasets([ds])
    with pytest.raises(VolumeError) as err:
        build_volume(groups[0])
    assert ds.SOPInstanceUID in str(err.value) and "cannot decode" in str(err.value)


def test_error_messages_carry_no_personal_data(data_dir):
    ds = pydicom.dcmread(data_dir / "bad" / "MR_truncated.dcm")
    ident = Identity.from_dataset(ds)
    groups, _ = group_datasets([ds])
    with pytest.raises(VolumeError) as err:
        build_volume(groups[0])
    for value in (ident.patient_name, ident.patient_id, ident.birth_date):
        if value:
            assert value not in str(err.value)


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(VolumeError, match="no such file or folder"):
        scan_paths([tmp_path / "absent"])
