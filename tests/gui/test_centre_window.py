"""The reading window on a real reading centre: Orthanc 1.10 + DICOMweb (Debian packages).

The real 64-slice chest CT is uploaded as a study assigned to the reader (Name of
Physician(s) Reading Study) plus one assigned to someone else; the window must list only
the reader's, show the first slices while the rest still arrive, end voxel-for-voxel equal
to the local files, and serve the second opening from the encrypted cache.
"""
from __future__ import annotations

import os
import secrets

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.config import CentreConfig, open_centre
from app.windows.main_window import MainWindow
from app.windows.prompts import Unattended
from tests.fixtures.orthanc import orthanc  # noqa: F401  (fixture)
from tests.worklist.conftest import READER, copy_study
from viewer.volume import load_volume
from worklist.cache import StudyCache
from worklist.cached_centre import CachingCentre
from tests.window_waits import wait_exposed


@pytest.fixture(scope="module")
def assigned(orthanc, shared_data, tmp_path_factory):  # noqa: F811
    ct = sorted((shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm").glob("*.dcm"))
    tmp = tmp_path_factory.mktemp("assigned")
    mine, files = copy_study(ct, tmp / "mine", reading=[READER])
    other, other_files = copy_study(ct[:3], tmp / "other", reading=["Someone^Else"])
    orthanc.upload(files + other_files)
    return mine, other, tmp / "mine"


@pytest.fixture
def centre_window(qtbot, windows, orthanc, assigned, tmp_path):  # noqa: F811
    cfg = CentreConfig(name="Test centre", dicomweb_url=orthanc.dicomweb_url, user=orthanc.user,
                       reader_dicom_name=READER, pool_size=4)
    inner = open_centre(cfg, orthanc.password, tmp_path / "state")
    cache = StudyCache(tmp_path / "cache", "reader", secrets.token_bytes(32), max_bytes=10**9, ttl_seconds=3600)
    centre = CachingCentre(inner, cache)
    win = MainWindow(centre, "reader", "test")
    win.prompts = Unattended()
    windows.append(win)
    win.resize(1200, 800)
    win.show()
    wait_exposed(qtbot, win)
    qtbot.waitUntil(lambda: not win.reading.refreshing, timeout=60000)  # the first worklist is in
    yield win, centre
    centre.close()


def test_assigned_worklist_first_slices_early_then_exact_volume_then_cache(qtbot, centre_window, assigned,
                                                                           artifacts):
    win, centre = centre_window
    mine, other, local_dir = assigned
    uids = [i.study_uid for i in win.worklist.items]
    assert mine in uids and other not in uids

    seen = []  # (event, slices in the volume)
    start = win._start_loader

    def recording_start(loader):  # listen before the loader's thread can emit anything
        loader.partial.connect(lambda _l, v: seen.append(("partial", v.slice_kinds.count("acquired"))))
        loader.grown.connect(lambda _l, v: seen.append(("grown", v.slice_kinds.count("acquired"))))
        loader.loaded.connect(lambda _l, r: seen.append(("loaded", r.volume.shape[0])))
        start(loader)

    win._start_loader = recording_start
    win.worklist.table.selectRow(uids.index(mine))
    win.worklist.table.setFocus()
    qtbot.keyClick(win.worklist.table, Qt.Key_Return)
    qtbot.waitUntil(lambda: not win.is_loading() and win.volume is not None, timeout=60000)
    # The first slices are on screen before the whole series has arrived; over DICOMweb the
    # volume is laid out once from the metadata and filled in place: one partial, no rebuild.
    partials = [n for kind, n in seen if kind == "partial"]
    assert len(partials) == 1 and partials[0] < 64, seen
    assert seen[-1] == ("loaded", 64)
    QApplication.primaryScreen().grabWindow(win.winId()).save(str(artifacts / "centre-window.png"))

    local = load_volume(local_dir)
    assert np.array_equal(win.volume.voxels, local.voxels)
    assert np.allclose(win.volume.affine, local.affine)
    assert len(centre.cache.sop_uids(mine)) == 64

    # Second opening: everything from the cache, nothing from the server.
    calls = []
    real = centre.inner.retrieve_raw
    centre.inner.retrieve_raw = lambda *a, **k: (calls.append(k.get("have")), real(*a, **k))[1]
    try:
        win.open_item(next(i for i in win.worklist.items if i.study_uid == mine))
        qtbot.waitUntil(lambda: not win.is_loading(), timeout=60000)
    finally:
        centre.inner.retrieve_raw = real
    assert calls and len(calls[0]) == 64  # asked the server only for what the cache lacks: nothing
    assert np.array_equal(win.volume.voxels, local.voxels)


def test_cache_holds_no_personal_data_in_clear(qtbot, centre_window, assigned):
    win, centre = centre_window
    mine = assigned[0]
    win.open_item(next(i for i in win.worklist.items if i.study_uid == mine))
    qtbot.waitUntil(lambda: not win.is_loading(), timeout=60000)
    blob = b"".join(p.read_bytes() for p in centre.cache.root.rglob("*") if p.is_file())
    for secret_text in (b"Lung_Dx-A0001", mine.encode(), READER.encode()):
        assert secret_text not in blob
    names = " ".join(str(p) for p in centre.cache.root.rglob("*"))
    assert mine not in names and "Lung_Dx" not in names


def test_prefetch_fills_the_cache_for_the_next_studies(qtbot, centre_window, assigned):
    win, centre = centre_window
    mine = assigned[0]
    centre.cache.purge_study(mine)
    centre.prefetch([mine])
    qtbot.waitUntil(lambda: len(centre.cache.sop_uids(mine)) == 64, timeout=60000)
    centre.stop_prefetch()
    assert os.environ.get("YOMI_DATA_DIR")  # tests never write into a real user's data dir


def test_a_load_cancelled_after_its_first_slices_is_audited_as_accessed(qtbot, windows, orthanc, assigned,
                                                                        tmp_path):  # noqa: F811
    """The reader saw the first slices: that is an access, even if the rest never came."""
    from app.audit import C, default_log
    from tests.fixtures.latency_proxy import LatencyProxy

    mine = assigned[0]

    def accessed() -> list:
        return [r for r in default_log().records() if r.event.event_id == C.INSTANCES_ACCESSED
                and any(o.object_id == mine for o in r.event.objects)]
    before = len(accessed())
    with LatencyProxy(orthanc.dicomweb_url, delay_s=0.1) as proxy:  # 64 slices take seconds
        cfg = CentreConfig(name="Slow centre", dicomweb_url=proxy.url, user=orthanc.user,
                           reader_dicom_name=READER, pool_size=2)
        win = MainWindow(open_centre(cfg, orthanc.password, tmp_path / "state"), "reader", "test",
                         prompts=Unattended())
        windows.append(win)
        win.show()
        qtbot.waitUntil(lambda: not win.reading.refreshing and bool(win.worklist.items), timeout=60000)
        win.open_item(next(i for i in win.worklist.items if i.study_uid == mine))
        qtbot.waitUntil(lambda: win.volume is not None, timeout=60000)  # first slices on screen
        assert 0 < win.volume.slice_kinds.count("acquired") < 64
        win.cancel_load()
        qtbot.waitUntil(lambda: not win.is_loading(), timeout=30000)
        qtbot.waitUntil(lambda: len(accessed()) > before, timeout=10000)  # written by a worker
    assert win.volume.slice_kinds.count("acquired") < 64  # the load really ended early
    audited = {o.object_id for r in accessed()[before:] for o in r.event.objects}
    assert mine in audited
