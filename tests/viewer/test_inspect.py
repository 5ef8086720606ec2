"""`yomi inspect` through app.main.main on the real data in ../shared/data."""
from __future__ import annotations

import json

import pytest

from app.main import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(["inspect", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_json_lists_both_lung_series_and_the_problems(capsys, lung_dir):
    rc, out, err = _run(capsys, str(lung_dir), "--json")
    assert rc == 0 and err == ""
    doc = json.loads(out)
    assert len(doc["series"]) == 2
    for s in doc["series"]:
        assert (s["rows"], s["columns"], s["slices"], s["grid_slices"]) == (512, 512, 64, 64)
        assert s["modality"] == "CT"
        assert s["pixel_spacing"] == pytest.approx([0.841796875, 0.841796875])
        assert s["slice_spacing"] == pytest.approx([5.0, 5.0, 5.0])
        assert s["orientation"] == pytest.approx([1, 0, 0, 0, 1, 0])
        assert s["tilt_deg"] == 0 and s["warnings"] == []
        assert s["patient_id"] == "Lung_Dx-A0001"
    assert len({s["series_uid"] for s in doc["series"]}) == 2
    assert doc["problems"] and all(set(p) == {"path", "reason"} for p in doc["problems"])


def test_json_reports_gap_and_split_scouts(capsys, data_dir):
    rc, out, _ = _run(capsys, str(data_dir / "edge"), "--json")
    assert rc == 0
    doc = json.loads(out)
    gap = [s for s in doc["series"] if any(w.startswith("missing slices: gap of 202.5 mm") for w in s["warnings"])]
    assert len(gap) == 1 and gap[0]["slices"] == 4 and gap[0]["slice_spacing"][2] == pytest.approx(202.5)
    scouts = [s for s in doc["series"] if s["key"].startswith(s["series_uid"] + "#") and s["modality"] == "CT"]
    assert len(scouts) == 2
    assert any("DICOMDIR" in p["reason"] for p in doc["problems"])


def test_text_output_is_a_table(capsys, lung_dir):
    rc, out, _ = _run(capsys, str(lung_dir))
    assert rc == 0
    assert out.count("512x512x64") == 2 and "slice 5.00/5.00/5.00 mm" in out
    assert "file(s) not used" in out


def test_no_series_exits_1_with_one_line_reason(capsys, data_dir, tmp_path):
    rc, _, err = _run(capsys, str(data_dir / "sr" / "sr.dcm"))
    assert rc == 1 and err.count("\n") == 1 and "no image series" in err
    rc, _, err = _run(capsys, str(tmp_path / "absent"))
    assert rc == 1 and err.count("\n") == 1 and "no such file or folder" in err
