"""Benchmark studies of 300 / 1000 / 3000 slices made from the real 64-slice chest CT.

Slice n takes the pixels of real slice n mod 64 and lies 1 mm further along the slice
normal than slice n-1 (new Study, Series and SOP Instance UIDs; thin-slice spacing, as a
1 mm reconstruction has). The JPEG 2000 copy is the 1000-slice study compressed losslessly
(new UIDs). Files are kept under the bench cache folder, built once.
"""
from __future__ import annotations

import concurrent.futures as cf
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
import requests
from pydicom.uid import JPEG2000Lossless, generate_uid

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "data" / "ct" / "lung-dx-a0001" / "series-2-5mm"
READER = "Bench^Reader"
STEP_MM = 1.0


@dataclass(frozen=True)
class BenchStudy:
    slices: int
    j2k: bool
    folder: Path
    study_uid: str
    series_uid: str

    @property
    def label(self) -> str:
        return f"{self.slices}{' J2K' if self.j2k else ''}"

    @property
    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.dcm"))


def _uids_file(folder: Path) -> Path:
    return folder / "uids.txt"


def build(cache: Path, slices: int, *, j2k: bool = False) -> BenchStudy:
    folder = cache / f"ct-{slices}{'-j2k' if j2k else ''}"
    done = _uids_file(folder)
    if done.exists():
        study, series = done.read_text().split()
        return BenchStudy(slices, j2k, folder, study, series)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.dcm"):
        old.unlink()
    study, series = generate_uid(), generate_uid()
    sources = sorted(REAL.glob("*.dcm"))
    with cf.ProcessPoolExecutor(2) as pool:
        list(pool.map(_write_slice, [(sources, n, folder, study, series, j2k) for n in range(slices)],
                      chunksize=16))
    done.write_text(f"{study} {series}")
    return BenchStudy(slices, j2k, folder, study, series)


def _write_slice(args) -> None:
    sources, n, folder, study, series, j2k = args
    real = sorted(sources, key=lambda p: _z(p))
    ds = pydicom.dcmread(real[n % len(real)])
    first = pydicom.dcmread(real[0], stop_before_pixels=True)
    iop = np.array([float(v) for v in first.ImageOrientationPatient])
    normal = np.cross(iop[:3], iop[3:])
    ipp = np.array([float(v) for v in first.ImagePositionPatient]) + n * STEP_MM * normal
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.ImagePositionPatient = [f"{v:.4f}" for v in ipp]
    ds.InstanceNumber = n + 1
    ds.SliceThickness = STEP_MM
    ds.SliceLocation = f"{ipp[2]:.4f}"
    ds.NameOfPhysiciansReadingStudy = READER
    ds.SeriesDescription = f"bench {len(sources)}->{n + 1}"
    if j2k:
        ds.compress(JPEG2000Lossless)
    ds.save_as(folder / f"{n:05d}.dcm", enforce_file_format=True)


_Z: dict[Path, float] = {}


def _z(p: Path) -> float:
    if p not in _Z:
        ds = pydicom.dcmread(p, stop_before_pixels=True)
        _Z[p] = float(ds.ImagePositionPatient[2])
    return _Z[p]


def upload(server, study: BenchStudy, workers: int = 4) -> None:
    """POST every file to Orthanc's REST /instances, a few at a time."""
    local = threading.local()

    def post(path: Path) -> None:
        s = getattr(local, "s", None)
        if s is None:
            s = local.s = requests.Session()
            s.auth = server.auth
        r = s.post(f"{server.base_url}/instances", data=path.read_bytes(), timeout=120,
                   headers={"Content-Type": "application/dicom"})
        r.raise_for_status()

    with cf.ThreadPoolExecutor(workers) as pool:
        list(pool.map(post, study.files))
