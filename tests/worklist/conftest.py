"""Fixtures for the reading-centre tests: the real Orthanc (tests/fixtures/orthanc.py) loaded
with the real 64-slice chest CT from ../shared/data and modified copies of a few of its
slices written to tmp (new UIDs, assignment, Japanese names)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import generate_uid

from tests.fixtures.orthanc import OrthancServer, orthanc, orthanc_tls  # noqa: F401  (fixtures)

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CT_DIR = SHARED / "ct" / "lung-dx-a0001" / "series-2-5mm"
SR_FILE = SHARED / "sr" / "sr_document.dcm"
READER = "Takahashi^Kenji"  # rare on purpose: the session Orthanc is shared with other packages
JAPANESE_NAME = "Yamada^Tarou=山田^太郎=やまだ^たろう"


def require_shared() -> None:
    if not CT_DIR.is_dir() or not SR_FILE.is_file():
        pytest.skip(f"real test data absent: {SHARED} (see shared/data/README.md)")


@pytest.fixture(scope="session")
def ct_files() -> list[Path]:
    require_shared()
    files = sorted(CT_DIR.glob("*.dcm"))
    assert len(files) == 64
    return files


def copy_study(src: list[Path], out: Path, *, reading: list[str] | None, charset=None,
               patient_name: str | None = None) -> tuple[str, list[Path]]:
    """Copies of real slices as a new study (new Study/Series/SOP UIDs) written to `out`."""
    study, series = generate_uid(), generate_uid()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for f in src:
        ds = pydicom.dcmread(f)
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        if charset is not None:
            ds.SpecificCharacterSet = charset
        if patient_name is not None:
            ds.PatientName = patient_name
        if reading is not None:
            ds.NameOfPhysiciansReadingStudy = reading
        path = out / f"{ds.SOPInstanceUID}.dcm"
        ds.save_as(path, enforce_file_format=True)
        written.append(path)
    return study, written


def sr_for_study(study_uid: str, *, manufacturer: str, flag: str) -> bytes:
    """The real highdicom SR from shared/data re-homed into `study_uid`."""
    ds = pydicom.dcmread(SR_FILE)
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.Manufacturer = manufacturer
    ds.VerificationFlag = flag
    if flag == "VERIFIED":
        ds.VerifyingObserverSequence = [pydicom.Dataset()]
        ds.VerifyingObserverSequence[0].VerifyingObserverName = READER
        ds.VerifyingObserverSequence[0].VerificationDateTime = "20240101120000"
        ds.VerifyingObserverSequence[0].VerifyingOrganization = "Yomi test"
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


@dataclass
class LoadedCentre:
    server: OrthancServer
    ct_study: str                       # the real 64-slice series, assigned to nobody
    ct_series: str
    expected: set[str] = field(default_factory=set)   # studies the reader must see
    japanese_ir13_87: str = ""
    japanese_ir87: str = ""
    reported: str = ""
    other_reader: str = ""
    near_miss: str = ""


@pytest.fixture(scope="session")
def loaded(orthanc: OrthancServer, ct_files: list[Path], tmp_path_factory) -> LoadedCentre:  # noqa: F811
    tmp = tmp_path_factory.mktemp("studies")
    orthanc.upload(ct_files)
    first = pydicom.dcmread(ct_files[0], stop_before_pixels=True)
    lc = LoadedCentre(orthanc, str(first.StudyInstanceUID), str(first.SeriesInstanceUID))

    lc.japanese_ir13_87, files = copy_study(ct_files[30:33], tmp / "a", reading=[READER],
                                            charset=["ISO 2022 IR 13", "ISO 2022 IR 87"],
                                            patient_name=JAPANESE_NAME)
    orthanc.upload(files)
    lc.japanese_ir87, files = copy_study(ct_files[10:12], tmp / "b", reading=["Sato^Jiro", READER],
                                         charset=["", "ISO 2022 IR 87"], patient_name=JAPANESE_NAME)
    orthanc.upload(files)
    lc.other_reader, files = copy_study(ct_files[:2], tmp / "c", reading=["Sato^Jiro"])
    orthanc.upload(files)
    # Same letters with a space for the '^': the server-side '?' wildcard lets it through,
    # the exact filter must not.
    lc.near_miss, files = copy_study(ct_files[2:4], tmp / "d", reading=[READER.replace("^", " ")])
    orthanc.upload(files)
    lc.reported, files = copy_study(ct_files[4:6], tmp / "e", reading=[READER])
    orthanc.upload(files)
    orthanc.upload([sr_for_study(lc.reported, manufacturer="Yomi", flag="VERIFIED")])
    draft_study, files = copy_study(ct_files[6:8], tmp / "f", reading=[READER])
    orthanc.upload(files)
    orthanc.upload([sr_for_study(draft_study, manufacturer="Yomi", flag="UNVERIFIED")])
    foreign_study, files = copy_study(ct_files[8:10], tmp / "g", reading=[READER])
    orthanc.upload(files)
    orthanc.upload([sr_for_study(foreign_study, manufacturer="OtherVendor", flag="VERIFIED")])
    lc.expected = {lc.japanese_ir13_87, lc.japanese_ir87, draft_study, foreign_study}
    return lc
