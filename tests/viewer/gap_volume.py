"""A real CT volume with missing slices, for the tests of the sampling rule.

TCIA Lung-PET-CT-Dx Lung_Dx-A0001 series 2 (doi:10.7937/TCIA.2020.NNC2-0461), read with
pydicom, with three slices in the middle left out: the volume fills them with blank gap
slices (FILL_HU), as it does when a scanner or a transfer drops images.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pydicom

from viewer.volume import Volume, build_volume, group_datasets

DROPPED = (30, 31, 32)   # positions (in slice order) left out


def read_series(folder: Path) -> list[pydicom.Dataset]:
    datasets = [pydicom.dcmread(p) for p in sorted(folder.glob("*.dcm"))]
    return sorted(datasets, key=lambda ds: float(ds.ImagePositionPatient[2]))


@lru_cache(maxsize=2)
def gap_volume(folder: Path) -> tuple[Volume, list[pydicom.Dataset]]:
    """The volume with a gap, and the datasets it was built from (in slice order)."""
    kept = [ds for n, ds in enumerate(read_series(folder)) if n not in DROPPED]
    groups, problems = group_datasets(kept)
    assert not problems and len(groups) == 1
    return build_volume(groups[0]), kept
