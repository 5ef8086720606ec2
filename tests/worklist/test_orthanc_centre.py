"""The DICOMweb centre against a real Orthanc 1.10 + DICOMweb plugin, with real CT and SR."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.worklist.conftest import JAPANESE_NAME, READER, SR_FILE, LoadedCentre
from worklist.centre import BadData, Cancelled, Centre, Status
from worklist.claims import ClaimStore
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.dicomweb_centre import DicomWebCentre
from worklist.qido_worklist import QidoWorklist, QidoWorklistSettings
from worklist.retrieval import plan_study

pytestmark = pytest.mark.orthanc


def make_centre(lc: LoadedCentre, tmp_path: Path, **settings) -> DicomWebCentre:
    client = DicomWebClient(ClientSettings(lc.server.dicomweb_url, lc.server.user, lc.server.password))
    source = QidoWorklist(client, QidoWorklistSettings(reader_name=READER, **settings),
                          ClaimStore(tmp_path / "claims.json"))
    return DicomWebCentre("test centre", client, source)


def test_is_a_centre(loaded: LoadedCentre, tmp_path: Path) -> None:
    assert isinstance(make_centre(loaded, tmp_path), Centre)


def test_worklist_lists_only_studies_assigned_and_unreported(loaded: LoadedCentre, tmp_path: Path) -> None:
    items = make_centre(loaded, tmp_path).worklist()
    uids = [it.study_uid for it in items]
    assert set(uids) == loaded.expected
    assert len(uids) == len(set(uids))
    for excluded in (loaded.ct_study, loaded.other_reader, loaded.near_miss, loaded.reported):
        assert excluded not in uids


def test_japanese_names_decoded_right(loaded: LoadedCentre, tmp_path: Path) -> None:
    by_uid = {it.study_uid: it for it in make_centre(loaded, tmp_path).worklist()}
    # IR 13\IR 87 comes back garbled in Orthanc's JSON: the name must come from the instance.
    assert by_uid[loaded.japanese_ir13_87].patient_name == JAPANESE_NAME
    assert by_uid[loaded.japanese_ir87].patient_name == JAPANESE_NAME


def test_worklist_fields_filled(loaded: LoadedCentre, tmp_path: Path) -> None:
    item = {it.study_uid: it for it in make_centre(loaded, tmp_path).worklist()}[loaded.japanese_ir13_87]
    assert item.modalities == ("CT",)
    assert item.study_date == "20070404"
    assert item.number_of_images == 3
    assert item.patient_id == "Lung_Dx-A0001"
    assert item.status == Status.SCHEDULED
    assert item.assigned_to == READER


def test_date_filter_excludes_out_of_range(loaded: LoadedCentre, tmp_path: Path) -> None:
    assert make_centre(loaded, tmp_path, date_from="20070101", date_to="20071231").worklist()
    assert make_centre(loaded, tmp_path, date_from="20080101", date_to="20301231").worklist() == []


def test_claim_survives_restart_and_release(loaded: LoadedCentre, tmp_path: Path) -> None:
    centre = make_centre(loaded, tmp_path)
    item = next(it for it in centre.worklist() if it.study_uid == loaded.japanese_ir87)
    claimed = centre.claim(item)
    assert claimed.status == Status.IN_PROGRESS and claimed.transaction_uid
    again = make_centre(loaded, tmp_path)  # a new process reading the same claim file
    seen = {it.study_uid: it for it in again.worklist()}[loaded.japanese_ir87]
    assert seen.status == Status.IN_PROGRESS and seen.transaction_uid == claimed.transaction_uid
    again.release(seen, completed=False)
    assert {it.study_uid: it for it in again.worklist()}[loaded.japanese_ir87].status == Status.SCHEDULED


def test_retrieve_64_slices_voxel_for_voxel(loaded: LoadedCentre, ct_files: list[Path], tmp_path: Path) -> None:
    local = {str(pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID): f for f in ct_files}
    calls: list[tuple[int, int]] = []
    got = {}
    for ds in make_centre(loaded, tmp_path).retrieve(loaded.ct_study, lambda d, t: calls.append((d, t))):
        got[str(ds.SOPInstanceUID)] = ds
    assert set(got) == set(local)
    for uid, ds in got.items():
        ref = pydicom.dcmread(local[uid])
        assert ds.pixel_array.dtype == ref.pixel_array.dtype
        assert np.array_equal(ds.pixel_array, ref.pixel_array), uid
    assert calls[0] == (0, 64) and calls[-1] == (64, 64)


def test_plan_puts_focus_slice_first_then_neighbours(loaded: LoadedCentre, ct_files: list[Path]) -> None:
    client = DicomWebClient(ClientSettings(loaded.server.dicomweb_url, loaded.server.user, loaded.server.password))
    z = {}
    for f in ct_files:
        ds = pydicom.dcmread(f, stop_before_pixels=True)
        z[str(ds.SOPInstanceUID)] = float(ds.ImagePositionPatient[2])
    by_z = sorted(z, key=z.get)
    plan = plan_study(client, loaded.ct_study, focus=20)
    assert plan[0].sop_uid == by_z[20]
    assert {plan[1].sop_uid, plan[2].sop_uid} == {by_z[19], by_z[21]}
    dist = [abs(by_z.index(p.sop_uid) - 20) for p in plan]
    assert dist == sorted(dist)


def test_retrieve_skips_what_we_have(loaded: LoadedCentre, ct_files: list[Path], tmp_path: Path) -> None:
    have = {str(pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID) for f in ct_files[:60]}
    got = [str(ds.SOPInstanceUID) for ds in make_centre(loaded, tmp_path).retrieve(loaded.ct_study, have=have)]
    assert len(got) == 4 and not set(got) & have


def test_cancel_stops_retrieval(loaded: LoadedCentre, tmp_path: Path) -> None:
    got = []
    with pytest.raises(Cancelled):
        for ds in make_centre(loaded, tmp_path).retrieve(loaded.ct_study, lambda d, t: d < 5):
            got.append(ds)
    assert len(got) == 5


def test_stow_real_sr_and_read_back(loaded: LoadedCentre, tmp_path: Path) -> None:
    from tests.worklist.conftest import sr_for_study
    data = sr_for_study(loaded.ct_study, manufacturer="Yomi", flag="UNVERIFIED")
    ds = pydicom.dcmread(io.BytesIO(data))
    centre = make_centre(loaded, tmp_path)
    assert centre.submit([data]) == [ds.SOPInstanceUID]
    back = centre.client.retrieve_instance(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    back_ds = pydicom.dcmread(io.BytesIO(back))
    assert back_ds.SOPInstanceUID == ds.SOPInstanceUID
    assert back_ds.ContentSequence == ds.ContentSequence
    # Sending it again is success, and the server still holds one copy.
    assert centre.submit([data]) == [ds.SOPInstanceUID]
    held = centre.client.search_instances(ds.StudyInstanceUID, ds.SeriesInstanceUID)
    assert len(held) == 1


def test_stow_the_shared_sr_file_unchanged(loaded: LoadedCentre, tmp_path: Path) -> None:
    data = SR_FILE.read_bytes()
    uid = str(pydicom.dcmread(SR_FILE, stop_before_pixels=True).SOPInstanceUID)
    assert make_centre(loaded, tmp_path).submit([data]) == [uid]


def test_stow_garbage_is_bad_data(loaded: LoadedCentre, tmp_path: Path) -> None:
    client = make_centre(loaded, tmp_path).client
    with pytest.raises(BadData) as err:
        client.store([b"\0" * 132 + b"not dicom at all"])
    assert "400" in err.value.reason
    assert loaded.server.password not in str(err.value)

