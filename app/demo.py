"""The demo reading centre behind `yomi --demo`: real sample studies, no server.

At first run the real chest CT of ../shared/data/ct (TCIA Lung-PET-CT-Dx, CC BY 4.0) is
linked into the user data dir and queued for the demo reader; a synthetic chest phantom
is always added as a second, STAT study so the worklist shows priority ordering. Without
the shared data (an installed copy far from the repository) only the phantom is offered,
and the caller is told so.
"""
from __future__ import annotations

import datetime as dt
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from app.paths import data_dir, shared_data_dir
from worklist.local import LocalCentre

log = logging.getLogger(__name__)

DEMO_READER = "demo"
DEMO_PASSWORD = "Yomi-Reading-2026"  # the demo reader's, printed in the README: public sample data only
DEMO_LABEL = "DEMO site of yomi --demo: public sample data only, never patient data"


@dataclass
class DemoSetup:
    centre: LocalCentre
    notice: str  # one line for the status bar / terminal: what the demo holds
    real_ct: bool = False  # the real chest CT of ../shared/data is offered (else only the phantom)


def write_series(volume, folder: Path) -> None:
    """Write a Volume as a CT series (one file per slice), geometry from its affine."""
    folder.mkdir(parents=True, exist_ok=True)
    ident = volume.identity
    aff = volume.affine
    col_sp, row_sp, slice_sp = volume.spacing
    iop = list(aff[:3, 0] / col_sp) + list(aff[:3, 1] / row_sp)
    for k in range(volume.voxels.shape[0]):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset(str(folder / f"{k:04d}.dcm"), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SpecificCharacterSet = "ISO_IR 192"
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID = ident.study_uid
        ds.SeriesInstanceUID = ident.series_uid
        ds.FrameOfReferenceUID = volume.frame_of_reference_uid or generate_uid()
        ds.PatientName = ident.patient_name
        ds.PatientID = ident.patient_id
        ds.PatientBirthDate = ident.birth_date
        ds.PatientSex = ident.sex
        ds.StudyDate = ident.study_date or dt.date.today().strftime("%Y%m%d")
        ds.StudyTime = "120000"
        ds.StudyDescription = ident.study_description
        ds.SeriesDescription = ident.series_description
        ds.SeriesNumber = ident.series_number or "1"
        ds.AccessionNumber = ident.accession
        ds.Modality = "CT"
        ds.BodyPartExamined = "CHEST"
        ds.InstanceNumber = k + 1
        ds.ImageType = ["DERIVED", "SECONDARY", "AXIAL"]
        pos = aff @ np.array([0.0, 0.0, k, 1.0])
        ds.ImagePositionPatient = [f"{v:.4f}" for v in pos[:3]]
        ds.ImageOrientationPatient = [f"{v:.6f}" for v in iop]
        ds.PixelSpacing = [f"{row_sp:.4f}", f"{col_sp:.4f}"]
        ds.SliceThickness = f"{slice_sp:.4f}"
        ds.RescaleIntercept = "0"
        ds.RescaleSlope = "1"
        ds.WindowCenter = "-600"
        ds.WindowWidth = "1500"
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows, ds.Columns = volume.voxels.shape[1:]
        ds.BitsAllocated = 16
        ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 1
        ds.PixelData = np.ascontiguousarray(volume.voxels[k].astype("<i2")).tobytes()
        ds.save_as(folder / f"{k:04d}.dcm", enforce_file_format=True)


def _first_study_uid(folder: Path) -> str | None:
    for path in sorted(folder.rglob("*.dcm")):
        try:
            return str(pydicom.dcmread(path, stop_before_pixels=True).StudyInstanceUID)
        except Exception:  # a sample folder may hold non-DICOM files; try the next
            continue
    return None


def demo_store(root: Path):
    """The demo's own accounts, beside the demo centre: a site dir with its own demo key
    (labelled demo, TOTP off by its site setting) and the demo reader. The station's real
    site (/etc/yomi) is never touched, so no demo account exists there."""
    from app.session import SessionError, SiteSettings, SiteStore, UserStore, add_user

    site = SiteStore(root / "demo-site")
    if not site.is_initialised():
        site.initialise(SiteSettings(totp_required=False, demo=True, label=DEMO_LABEL), {})
    store = UserStore(site=site.directory, credentials_dir=root / "demo-credentials")
    if not store.settings().demo:  # a real site here would be a mix-up, not a demo
        raise SessionError(f"{site.path} is not a demo site")
    if store.get(DEMO_READER) is None:
        add_user(store, DEMO_READER, DEMO_PASSWORD, "Demo Reader", "Reader^Demo", must_change_password=False)
    return store


def prepare_demo(root: Path | None = None) -> DemoSetup:
    """Create (once) and open the demo centre under the user data dir."""
    root = root or data_dir() / "demo-centre"
    centre = LocalCentre(root, DEMO_READER, name="demo (local)")
    studies = root / "studies"
    studies.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now().isoformat(timespec="seconds")
    queued = {e.study_uid for e in centre.entries()}
    notes = []
    real_ct = False

    shared = shared_data_dir()
    ct = shared / "ct" / "lung-dx-a0001" if shared else None
    if ct is not None and ct.is_dir():
        link = studies / "lung-dx-a0001"
        if not link.exists():
            try:
                link.symlink_to(ct.resolve(), target_is_directory=True)
            except OSError:  # no symlinks (some Windows set-ups): copy instead
                shutil.copytree(ct, link)
        uid = _first_study_uid(link)
        if uid and uid not in queued:
            centre.add_study("lung-dx-a0001", uid, DEMO_READER, "ROUTINE", now)
        notes.append("real chest CT (TCIA Lung-PET-CT-Dx, CC BY 4.0)")
        real_ct = True
    else:
        notes.append("sample CT not found (../shared/data): showing a synthetic chest phantom instead")

    pdir = studies / "phantom"
    if not pdir.exists():  # built once, not at each start (18 ms of the way to the login window)
        tmp = studies / ".phantom-partial"
        shutil.rmtree(tmp, ignore_errors=True)
        from viewer.volume import synthetic_phantom  # 0.5 s of imports: only the first time

        write_series(synthetic_phantom(), tmp)
        tmp.rename(pdir)  # a killed first run leaves no half-written study behind
    phantom_uid = _first_study_uid(pdir)
    if phantom_uid and phantom_uid not in queued:
        centre.add_study("phantom", phantom_uid, DEMO_READER, "STAT", now)
    notes.append("synthetic chest phantom")
    return DemoSetup(centre, "Demo centre: " + "; ".join(notes), real_ct=real_ct)
