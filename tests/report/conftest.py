"""Fixtures of the report-core tests: the real chest CT slice and a sample report.

(The private YOMI_DATA_DIR comes from tests/conftest.py.)
"""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
LUNG_SERIES = SHARED / "ct" / "lung-dx-a0001" / "series-2-5mm"
JP_NAME = "Yamada^Tarou=山田^太郎=やまだ^たろう"


@pytest.fixture(scope="session")
def lung_slice() -> Path:
    """A real slice of the TCIA Lung-PET-CT-Dx chest CT (doi:10.7937/TCIA.2020.NNC2-0461)."""
    if not LUNG_SERIES.is_dir():
        pytest.skip(f"real chest CT not present at {LUNG_SERIES} (see ../shared/data/README.md)")
    return sorted(LUNG_SERIES.glob("*.dcm"))[20]


def make_report(lang: str = "ja"):
    from app.report.identity import StudyIdentity
    from app.report.model import Report
    from app.report.templates import load_template

    ident = StudyIdentity("1.2.826.0.1.3680043.8.498.1", "PID-0001", JP_NAME, "19500401", "M", "ACC-1", "20240105",
                          "101500", "S1")
    return Report(load_template("lung-screening-ldct"), ident, lang)


def fill_required(report) -> None:
    for fid, value in (("comparison", "baseline"), ("lungrads_incomplete", "no"), ("emphysema", "mild"),
                       ("coronary_calcification", "none"), ("interstitial", "none")):
        report.set_field(fid, value)
