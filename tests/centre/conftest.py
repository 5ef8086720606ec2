"""A real Orthanc 1.10 with the DICOMweb plugin and Yomi's centre plugin, loaded with copies of
the real chest CT of shared/data: readers A (Takahashi^Kenji) and B (Sato^Jiro), a staff user.

`centre` is shared by the read-only tests of a module; tests that move assignments, claim or
restart start their own server with `fresh_centre`.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.centre.support import NAME_A, NAME_B, Study, make_study, require_centre, start_centre
from tests.fixtures.orthanc import OrthancServer


@dataclass
class LoadedCentre:
    server: OrthancServer
    a1: Study          # assigned to A (patient YOMI-P1)
    a1_prior: Study    # same patient as a1, assigned to nobody
    a_multi: Study     # (0008,1060) = Other^Doctor \ TAKAHASHI^KENJI=高橋^健二 (patient YOMI-P3)
    a_jis: Study       # (0008,1060) = Other^Doctor \ Takahashi^Kenji=高橋^健二 in ISO 2022 IR 87 (patient YOMI-P6)
    b1: Study          # assigned to B (patient YOMI-P2)
    near_miss: Study   # (0008,1060) = "Takahashi Kenji": nobody's (patient YOMI-P4)
    unassigned: Study  # no (0008,1060) at all, another patient (YOMI-P5)
    workdir: Path


def load_studies(server: OrthancServer, tmp: Path) -> LoadedCentre:
    a1 = make_study(tmp / "a1", patient_id="YOMI-P1", reading=[NAME_A], n=3, start=20)
    a1_prior = make_study(tmp / "a1p", patient_id="YOMI-P1", reading=None, n=2, start=30)
    a_multi = make_study(tmp / "am", patient_id="YOMI-P3", reading=["Other^Doctor", "TAKAHASHI^KENJI=高橋^健二"],
                         n=2, start=34, charset="ISO_IR 192")
    # Orthanc's JSON garbles IR 87 names (PLATFORM-NOTES); the alphabetic group must still match.
    a_jis = make_study(tmp / "aj", patient_id="YOMI-P6", reading=["Other^Doctor", "Takahashi^Kenji=高橋^健二"],
                       n=2, start=52, charset=["", "ISO 2022 IR 87"])
    b1 = make_study(tmp / "b1", patient_id="YOMI-P2", reading=[NAME_B], n=2, start=40)
    near = make_study(tmp / "nm", patient_id="YOMI-P4", reading=[NAME_A.replace("^", " ")], n=2, start=44)
    unassigned = make_study(tmp / "un", patient_id="YOMI-P5", reading=None, n=2, start=48)
    for st in (a1, a1_prior, a_multi, a_jis, b1, near, unassigned):
        server.upload(st.files)
    return LoadedCentre(server, a1, a1_prior, a_multi, a_jis, b1, near, unassigned, tmp)


@pytest.fixture(scope="module")
def centre() -> Iterator[LoadedCentre]:
    require_centre()
    workdir = Path(tempfile.mkdtemp(prefix="yomi-centre-"))
    server = start_centre(workdir / "orthanc")
    try:
        yield load_studies(server, workdir / "studies")
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def fresh_centre(tmp_path: Path) -> Iterator[LoadedCentre]:
    require_centre()
    server = start_centre(tmp_path / "orthanc")
    try:
        yield load_studies(server, tmp_path / "studies")
    finally:
        server.stop()
