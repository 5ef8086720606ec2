"""Helpers for tests against a real Orthanc running Yomi's centre plugin (packaging/centre/).

Readers A and B and a staff user; studies made from the real chest CT of shared/data with
their own UIDs, Patient ID and Name of Physician(s) Reading Study (0008,1060) rewritten by
pydicom, so each test knows exactly who is assigned what.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
import pytest
import requests
from pydicom.uid import generate_uid

from tests.fixtures.orthanc import DICOMWEB_PLUGIN, ORTHANC_BIN, PYTHON_PLUGIN, OrthancServer, start_orthanc

REPO = Path(__file__).resolve().parents[2]
PLUGIN_SCRIPT = REPO / "packaging" / "centre" / "yomi_centre_plugin.py"
README = REPO / "packaging" / "centre" / "README.md"
SHARED = REPO.parent / "shared" / "data"
CT_DIR = SHARED / "ct" / "lung-dx-a0001" / "series-2-5mm"
SR_FILE = SHARED / "sr" / "sr_document.dcm"

STAFF = ("staff", "staff-pw-1")
READER_A = ("reader-a", "a-pw-1")
READER_B = ("reader-b", "b-pw-1")
NAME_A = "Takahashi^Kenji"
NAME_B = "Sato^Jiro"
READERS = {READER_A[0]: {"dicom_name": NAME_A}, READER_B[0]: {"dicom_name": NAME_B}}


def require_centre() -> None:
    if not (ORTHANC_BIN.exists() and DICOMWEB_PLUGIN.exists() and PYTHON_PLUGIN.exists()):
        pytest.skip("Orthanc + DICOMweb + Python plugins not installed "
                    "(Debian orthanc, orthanc-dicomweb, orthanc-python)")
    if not CT_DIR.is_dir():
        pytest.skip(f"real test data absent: {CT_DIR}")


def start_centre(workdir: Path, *, centre: dict | None = None, extra_config: dict | None = None) -> OrthancServer:
    """Orthanc with the plugin; logs in as staff. `centre` replaces the YomiCentre section."""
    section = centre if centre is not None else {"Readers": READERS}
    return start_orthanc(workdir, user=STAFF[0], password=STAFF[1],
                         extra_users={READER_A[0]: READER_A[1], READER_B[0]: READER_B[1]},
                         python_script=PLUGIN_SCRIPT,
                         extra_config={"YomiCentre": section, **(extra_config or {})})


@dataclass
class Study:
    uid: str
    series: str
    sops: list[str]
    files: list[Path] = field(default_factory=list)
    patient_id: str = ""


def ct_slices(n: int, start: int = 0) -> list[Path]:
    files = sorted(CT_DIR.glob("*.dcm"))
    return files[start:start + n]


def make_study(out: Path, *, patient_id: str, reading: list[str] | None, n: int = 2, start: int = 0,
               study_uid: str | None = None, charset: str | list[str] | None = None) -> Study:
    """Copies of real CT slices as one study with its own UIDs, patient and (0008,1060)."""
    study, series = study_uid or generate_uid(), generate_uid()
    out.mkdir(parents=True, exist_ok=True)
    result = Study(study, series, [], [], patient_id)
    for f in ct_slices(n, start):
        ds = pydicom.dcmread(f)
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.PatientID = patient_id
        if charset:
            ds.SpecificCharacterSet = charset
        if reading is None:
            if "NameOfPhysiciansReadingStudy" in ds:
                del ds.NameOfPhysiciansReadingStudy
        else:
            ds.NameOfPhysiciansReadingStudy = reading
        path = out / f"{ds.SOPInstanceUID}.dcm"
        ds.save_as(path, enforce_file_format=True)
        result.sops.append(str(ds.SOPInstanceUID))
        result.files.append(path)
    return result


def sr_into(study: Study, out: Path) -> tuple[str, bytes]:
    """The real highdicom SR of shared/data re-homed into `study` (what a reader sends back)."""
    ds = pydicom.dcmread(SR_FILE)
    ds.StudyInstanceUID = study.uid
    ds.PatientID = study.patient_id
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    path = out / f"sr-{ds.SOPInstanceUID}.dcm"
    out.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return str(ds.SOPInstanceUID), path.read_bytes()


class As:
    """Requests to the server as one user."""

    def __init__(self, server: OrthancServer, credentials: tuple[str, str]) -> None:
        self.server = server
        self.s = requests.Session()
        self.s.auth = credentials
        self.s.trust_env = False

    def get(self, path: str, **kw) -> requests.Response:
        return self.s.get(self.server.base_url + path, timeout=30, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return self.s.post(self.server.base_url + path, timeout=30, **kw)

    def put(self, path: str, **kw) -> requests.Response:
        return self.s.put(self.server.base_url + path, timeout=30, **kw)

    def qido(self, path: str) -> requests.Response:
        """A raw QIDO GET; the query string is sent as written (Orthanc does not percent-decode)."""
        return self.get("/dicom-web/" + path, headers={"Accept": "application/dicom+json"})

    def stow(self, blobs: list[bytes], study_uid: str | None = None) -> requests.Response:
        boundary = "yomi-test-boundary-7d1c"
        body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + b + b"\r\n"
                        for b in blobs) + b"--" + boundary.encode() + b"--\r\n"
        path = f"/dicom-web/studies/{study_uid}" if study_uid else "/dicom-web/studies"
        return self.post(path, data=body, headers={
            "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}',
            "Accept": "application/dicom+json"})

    def workitems(self, query: str = "") -> requests.Response:
        return self.get("/dicom-web/workitems" + (f"?{query}" if query else ""),
                        headers={"Accept": "application/dicom+json"})

    def set_state(self, uid: str, state: str, tx: str, requester: str | None = None) -> requests.Response:
        body = {"00081195": {"vr": "UI", "Value": [tx]}, "00741000": {"vr": "CS", "Value": [state]}}
        path = f"/dicom-web/workitems/{uid}/state" + (f"/{requester}" if requester else "")
        return self.put(path, data=json.dumps(body), headers={"Content-Type": "application/dicom+json"})

    def create_workitem(self, dataset: dict) -> requests.Response:
        return self.post("/dicom-web/workitems", data=json.dumps(dataset),
                         headers={"Content-Type": "application/dicom+json", "Accept": "application/dicom+json"})


def workitem(study_uid: str, performer: str, *, uid: str | None = None, priority: str = "MEDIUM",
             start: str = "20240105090000", patient: str = "Yamada^Tarou=山田^太郎=やまだ^たろう",
             patient_id: str = "PID-1") -> dict:
    """A UPS workitem as a centre creates it (PS3.18 11.4), in DICOM JSON."""
    pn = dict(zip(("Alphabetic", "Ideographic", "Phonetic"), patient.split("=")))
    return {
        "00080018": {"vr": "UI", "Value": [uid or generate_uid()]},
        "00100010": {"vr": "PN", "Value": [pn]},
        "00100020": {"vr": "LO", "Value": [patient_id]},
        "00404005": {"vr": "DT", "Value": [start]},
        "00404034": {"vr": "SQ", "Value": [{"00404037": {"vr": "PN", "Value": [{"Alphabetic": performer}]}}]},
        "0040A370": {"vr": "SQ", "Value": [{"0020000D": {"vr": "UI", "Value": [study_uid]}}]},
        "00741000": {"vr": "CS", "Value": ["SCHEDULED"]},
        "00741200": {"vr": "CS", "Value": [priority]},
        "00741204": {"vr": "LO", "Value": ["CT chest read"]},
    }


def uids_of(answer: requests.Response, tag: str = "00080018") -> set[str]:
    if answer.status_code == 204:
        return set()
    answer.raise_for_status()
    return {item[tag]["Value"][0] for item in answer.json() if tag in item}


def refusals_logged(server: OrthancServer) -> list[str]:
    return [line for line in server.log_path.read_text(errors="replace").splitlines() if "yomi-centre: refused" in line]


# --- plugin mode: the plugin authenticates (basic + OpenID Connect bearer tokens) --------------

SUB_A = "oidc-reader-a"
SUB_B = "oidc-reader-b"


def plugin_auth_section(issuer: str, *, cache_seconds: float = 2, **oidc: object) -> dict:
    """YomiCentre for "Authentication": "plugin": readers A and B also known by their subject."""
    readers = {READER_A[0]: {"dicom_name": NAME_A, "oidc_subject": SUB_A},
               READER_B[0]: {"dicom_name": NAME_B, "oidc_subject": SUB_B}}
    return {"Readers": readers, "Authentication": "plugin",
            "Oidc": {"Issuer": issuer, "ReaderClaim": "sub", "CacheSeconds": cache_seconds, **oidc}}


def start_bearer_centre(workdir: Path, issuer: str, *, cache_seconds: float = 2, **oidc: object) -> OrthancServer:
    """The centre in plugin mode: Orthanc's own check off, the plugin's filter authenticates."""
    return start_centre(workdir, centre=plugin_auth_section(issuer, cache_seconds=cache_seconds, **oidc),
                        extra_config={"AuthenticationEnabled": False})
