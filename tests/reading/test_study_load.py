"""Loading a study from a real Orthanc (DICOMweb) without Qt: the volume is laid out from
the series metadata, shown from its first slice and filled in place, the middle first;
it ends voxel-for-voxel equal to the files; instances that contradict their metadata are
built the classic way instead.

Data: the real 64-slice chest CT (TCIA Lung-PET-CT-Dx, doi:10.7937/TCIA.2020.NNC2-0461).
"""
from __future__ import annotations

import numpy as np
import pytest

from app.config import CentreConfig, open_centre
from app.reading.study_load import StudyLoad
from tests.fixtures.orthanc import orthanc  # noqa: F401  (fixture)
from tests.worklist.conftest import READER, copy_study
from viewer.volume import load_volume


@pytest.fixture(scope="module")
def study(orthanc, shared_data, tmp_path_factory):  # noqa: F811
    ct = sorted((shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm").glob("*.dcm"))
    folder = tmp_path_factory.mktemp("load") / "study"
    uid, files = copy_study(ct, folder, reading=[READER])
    orthanc.upload(files)
    return uid, load_volume(folder)


@pytest.fixture
def centre(orthanc, tmp_path):  # noqa: F811
    cfg = CentreConfig(name="Test centre", dicomweb_url=orthanc.dicomweb_url, user=orthanc.user,
                       reader_dicom_name=READER, pool_size=4)
    c = open_centre(cfg, orthanc.password, tmp_path / "state")
    yield c
    c.close()


class Listener:
    def __init__(self) -> None:
        self.events: list[tuple[str, object, list[str]]] = []   # kind, volume, slice kinds then

    def progress(self, done, total, what) -> None:
        pass

    def partial(self, volume) -> None:
        self.events.append(("partial", volume, list(volume.slice_kinds)))

    def grown(self, volume) -> None:
        self.events.append(("grown", volume, list(volume.slice_kinds)))


def test_one_volume_shown_from_its_middle_slice_and_filled_in_place(centre, study):
    uid, local = study
    seen = Listener()
    result = StudyLoad(centre, uid).run(seen)

    partials = [e for e in seen.events if e[0] == "partial"]
    assert len(partials) == 1, [e[0] for e in seen.events]
    _, first, kinds = partials[0]
    assert first is result.volume  # no rebuild: the volume on screen is the one that filled
    assert first.shape == (64, 512, 512)
    arrived = [k for k, kind in enumerate(kinds) if kind == "acquired"]
    assert 0 < len(arrived) < 64
    assert all(abs(k - 32) <= 4 for k in arrived), arrived  # nearest the middle first (4 workers)
    assert all(e[1] is first for e in seen.events)

    assert np.array_equal(result.volume.voxels, local.voxels)
    assert np.allclose(result.volume.affine, local.affine)
    assert result.volume.sop_instance_uids == local.sop_instance_uids
    assert result.volume.min_value == local.min_value
    # The study is held once: the datasets kept for the series list have no pixels left.
    assert not any("PixelData" in fr.source for fr in result.groups[0].frames)

    # Back to the same series later (series box): its pixels are read again, not lost.
    again = StudyLoad(centre, uid, result.groups[0].key, groups=result.groups).run(Listener())
    assert np.array_equal(again.volume.voxels, local.voxels)


class ContradictingCentre:
    """The real centre, whose metadata give one instance another Rescale Intercept than the
    instance itself has: a server whose metadata and instances disagree cannot be made here
    from Orthanc, so the test alters what the real metadata say, nothing else."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def retrieve(self, study_uid, progress=None, *, on_plan=None):
        def altered(metas):
            meta = metas[len(metas) // 2]
            meta.RescaleIntercept = float(meta.RescaleIntercept) + 24
            on_plan(metas)
        return self.inner.retrieve(study_uid, progress, on_plan=altered if on_plan else None)


def test_instances_that_contradict_their_metadata_are_built_from_themselves(centre, study, caplog):
    uid, local = study
    seen = Listener()
    result = StudyLoad(ContradictingCentre(centre), uid).run(seen)
    assert np.array_equal(result.volume.voxels, local.voxels)
    assert result.volume.slice_kinds == local.slice_kinds
    assert any("has another rescale than its metadata said" in r.getMessage() for r in caplog.records)
    shown = [e[1] for e in seen.events if e[0] == "partial"]
    assert shown and result.volume is not shown[0]  # built anew from the instances themselves


@pytest.fixture(scope="module")
def j2k_study(orthanc, shared_data, tmp_path_factory):  # noqa: F811
    """16 real slices compressed losslessly (JPEG 2000), as a study of their own."""
    import pydicom
    from pydicom.uid import JPEG2000Lossless

    ct = sorted((shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm").glob("*.dcm"))[24:40]
    folder = tmp_path_factory.mktemp("j2k") / "study"
    uid, files = copy_study(ct, folder, reading=[READER])
    for f in files:
        ds = pydicom.dcmread(f)
        ds.compress(JPEG2000Lossless)
        ds.save_as(f, enforce_file_format=True)
    orthanc.upload(files)
    return uid, load_volume(folder)


def test_compressed_slices_are_decoded_in_worker_processes_into_the_same_volume(centre, j2k_study, monkeypatch):
    from viewer.decode_pool import DecodePool

    uid, local = j2k_study
    sent = []
    submit = DecodePool.submit
    monkeypatch.setattr(DecodePool, "submit", lambda self, ds, frame: (sent.append(frame), submit(self, ds, frame))[1])
    seen = Listener()
    result = StudyLoad(centre, uid).run(seen)
    assert len(sent) == 15  # all but the first, which is decoded at once to be shown
    assert result.volume is seen.events[0][1]
    assert np.array_equal(result.volume.voxels, local.voxels)
    assert result.volume.slice_kinds == ["acquired"] * 16
