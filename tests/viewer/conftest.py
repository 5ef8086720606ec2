"""Paths to the project's real DICOM test data (../shared/data); tests skip when it is absent."""
from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"shared test data not found at {DATA} (see shared/data/README.md)")
    return DATA


@pytest.fixture(scope="session")
def lung_dir(data_dir: Path) -> Path:
    return data_dir / "ct" / "lung-dx-a0001"


@pytest.fixture(scope="session")
def lung_series2(lung_dir: Path) -> Path:
    """TCIA Lung-PET-CT-Dx Lung_Dx-A0001, series 2 (lung kernel), doi:10.7937/TCIA.2020.NNC2-0461."""
    return lung_dir / "series-2-5mm"
