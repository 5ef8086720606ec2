"""Paths to the project's real DICOM test data (../shared/data); tests skip when it is absent."""
from __future__ import annotations

from pathlib import Path

import pytest

@pytest.fixture(scope="session")
def data_dir(shared_data: Path) -> Path:
    """The real data folder (tests/conftest.py skips when it is absent)."""
    return shared_data


@pytest.fixture(scope="session")
def lung_dir(data_dir: Path) -> Path:
    return data_dir / "ct" / "lung-dx-a0001"


@pytest.fixture(scope="session")
def lung_series2(lung_dir: Path) -> Path:
    """TCIA Lung-PET-CT-Dx Lung_Dx-A0001, series 2 (lung kernel), doi:10.7937/TCIA.2020.NNC2-0461."""
    return lung_dir / "series-2-5mm"
