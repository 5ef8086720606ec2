"""Files an anonymiser left with empty Series and SOP Instance UIDs: grouped by what still
tells series apart (viewer.series_split), flagged, never merged because positions match.

The files are the real chest CT's two reconstructions (lung kernel L, series 2; mediastinal
kernel B, series 3; the same 64 positions), rewritten in a temporary folder.
"""
from __future__ import annotations

import json

import pydicom

from app.main import main
from viewer.series_split import BLANK_SERIES_PREFIX, LONE_FILE_PREFIX
from viewer.volume import build_volume, scan_paths

SLICES = 6


def _blank(src_dir, out_dir, **overrides):
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(src_dir.glob("*.dcm"))[:SLICES]:
        ds = pydicom.dcmread(path)
        ds.SeriesInstanceUID = ""
        ds.SOPInstanceUID = ""
        for keyword, value in overrides.items():
            if value is not None:
                setattr(ds, keyword, value)
            elif keyword in ds:
                delattr(ds, keyword)
        ds.save_as(out_dir / path.name, enforce_file_format=False)


def test_two_reconstructions_stay_two_series(tmp_path, lung_dir):
    _blank(lung_dir / "series-2-5mm", tmp_path / "a")
    _blank(lung_dir / "series-3-5mm", tmp_path / "b")
    groups, problems = scan_paths([tmp_path])
    assert not problems
    assert len(groups) == 2
    assert sorted(g.identity.series_number for g in groups) == ["2", "3"]
    for g in groups:
        assert g.key.startswith(BLANK_SERIES_PREFIX) and len(g.frames) == SLICES
        assert len({f.kernel for f in g.frames}) == 1
        assert g.identity.blank_uids == ("SeriesInstanceUID", "SOPInstanceUID")
    vol = build_volume(groups[0])
    assert vol.shape[0] == SLICES and vol.identity.blank_uids


def test_same_number_other_kernel_is_split_not_merged(tmp_path, lung_dir):
    # an anonymiser that also renumbered: only the kernel tells the two apart
    _blank(lung_dir / "series-2-5mm", tmp_path / "a", SeriesNumber="1")
    _blank(lung_dir / "series-3-5mm", tmp_path / "b", SeriesNumber="1")
    groups, _ = scan_paths([tmp_path])
    assert len(groups) == 2
    assert {g.frames[0].kernel for g in groups} == {"L", "B"}
    assert all(len(g.frames) == SLICES for g in groups)


def test_nothing_left_to_group_by_leaves_each_file_alone(tmp_path, lung_dir):
    _blank(lung_dir / "series-2-5mm", tmp_path / "a", FrameOfReferenceUID="", SeriesNumber=None, SeriesTime=None)
    groups, _ = scan_paths([tmp_path])
    assert len(groups) == SLICES       # positions alone never make a series
    assert all(g.key.startswith(LONE_FILE_PREFIX) and len(g.frames) == 1 for g in groups)


def test_inspect_flags_blank_uids(tmp_path, lung_dir, capsys):
    _blank(lung_dir / "series-2-5mm", tmp_path / "a")
    assert main(["inspect", str(tmp_path), "--json"]) == 0
    (series,) = json.loads(capsys.readouterr().out)["series"]
    assert series["blank_uids"] == ["SeriesInstanceUID", "SOPInstanceUID"] and series["slices"] == SLICES
    assert main(["inspect", str(tmp_path)]) == 0
    assert "! blank SeriesInstanceUID, SOPInstanceUID: grouped by frame of reference" in capsys.readouterr().out


def test_files_with_their_uids_are_grouped_as_before(lung_dir):
    groups, _ = scan_paths([lung_dir / "series-2-5mm"])
    assert len(groups) == 1 and groups[0].identity.blank_uids == ()
    assert groups[0].key == groups[0].identity.series_uid
