"""Dose from the study: a CT Radiation Dose SR (TID 10011) first, else the images' CTDIvol
(0018,9345), with the source named; the JECS screening limit (2.5 mGy) flagged."""
from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pydicom
import pytest

from app.report.dose import (DoseCollector, DoseSource, SCREENING_CTDIVOL_LIMIT_MGY, dose_check, dose_from_images,
                             dose_from_sr)
from tests.report.conftest import LUNG_SERIES
from tests.report.dose_sr import build_dose_sr, save


@pytest.fixture(scope="module")
def images() -> list[pydicom.Dataset]:
    if not LUNG_SERIES.is_dir():
        pytest.skip("real chest CT absent (../shared/data/README.md)")
    return [pydicom.dcmread(p, stop_before_pixels=True) for p in sorted(LUNG_SERIES.glob("*.dcm"))]


def test_dose_sr_passes_dciodvfy_and_gives_max_ctdivol_and_total_dlp(images, tmp_path: Path) -> None:
    ds = build_dose_sr(images[0], [(0.08, 1.2), (2.1, 80.5)], dlp_total=81.7)
    save(ds, tmp_path / "dose.dcm")
    tool = shutil.which("dciodvfy")
    if tool is None:
        pytest.skip("dciodvfy not installed (Debian dicom3tools)")
    out = subprocess.run([tool, str(tmp_path / "dose.dcm")], capture_output=True, text=True)
    assert [line for line in (out.stdout + out.stderr).splitlines() if line.startswith("Error")] == []
    dose = dose_from_sr(pydicom.dcmread(tmp_path / "dose.dcm"))
    assert (dose.ctdivol_mgy, dose.dlp_mgycm, dose.source) == (Decimal("2.1"), Decimal("81.7"), DoseSource.DOSE_SR)
    assert dose.sop_uid == ds.SOPInstanceUID and dose.acquisitions == 2
    assert dose_check(dose, "lung-screening-ldct") is None


def test_dlp_summed_when_no_total_and_wrong_units_ignored(images) -> None:
    ds = build_dose_sr(images[0], [(1.0, 40.0), (1.5, 45.0)])
    accumulated = next(i for i in ds.ContentSequence if i.ConceptNameCodeSequence[0].CodeValue == "113811")
    accumulated.ContentSequence = accumulated.ContentSequence[:1]  # no DLP total
    assert dose_from_sr(ds).dlp_mgycm == Decimal("85")
    dose_item = ds.ContentSequence[-1].ContentSequence[-1].ContentSequence[0]
    dose_item.MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0].CodeValue = "Gy"
    assert dose_from_sr(ds).ctdivol_mgy == Decimal("1")  # the acquisition in Gy is not read as mGy


def test_image_headers_give_ctdivol_without_dlp_and_flag_it(images) -> None:
    """The real series carries CTDIvol 10.6 mGy in every image: a diagnostic dose, 4x the JECS limit."""
    assert {float(ds.CTDIvol) for ds in images} == {10.6}
    dose = dose_from_images(images)
    assert (dose.ctdivol_mgy, dose.dlp_mgycm, dose.source, dose.acquisitions) == \
        (Decimal("10.6"), None, DoseSource.IMAGE_HEADER, len(images))
    check = dose_check(dose, "lung-screening-ldct")
    assert check is not None and (check.ctdivol_mgy, check.limit_mgy) == (Decimal("10.6"), Decimal("2.5"))
    assert dose_check(dose, "general-ct") is None  # the limit is the screening protocol's


def test_limit_is_inclusive(images) -> None:
    at_limit = dose_from_sr(build_dose_sr(images[0], [(float(SCREENING_CTDIVOL_LIMIT_MGY), 90.0)]))
    assert dose_check(at_limit, "lung-screening-ldct") is None
    above = dose_from_sr(build_dose_sr(images[0], [(2.51, 90.0)]))
    assert dose_check(above, "lung-screening-ldct").ctdivol_mgy == Decimal("2.51")


def test_collector_prefers_the_dose_sr_and_falls_back_to_the_images(images) -> None:
    collector = DoseCollector()
    for ds in images:
        collector.offer(ds)
    assert collector.result(images[0].SeriesInstanceUID).source is DoseSource.IMAGE_HEADER
    collector.offer(build_dose_sr(images[0], [(1.9, 70.0)]))
    assert collector.result(images[0].SeriesInstanceUID).ctdivol_mgy == Decimal("1.9")
    broken = build_dose_sr(images[0], [(1.9, 70.0)])
    del broken.ContentSequence
    only_broken = DoseCollector()
    only_broken.offer(broken)
    only_broken.offer(images[0])
    assert only_broken.result().source is DoseSource.IMAGE_HEADER
    assert DoseCollector().result() is None
