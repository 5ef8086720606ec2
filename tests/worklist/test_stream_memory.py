"""A streamed series holds a bounded number of instances, however slowly they are taken.

A loopback centre streams faster than the loader decodes and caches: with no bound, the
instances received and not yet taken, and those taken but still held by their futures, kept
a 3000-slice study's pixel data in memory a second and third time (2.4 GB at the peak,
bench/RESULTS.md). Real Orthanc; the 120 instances are synthetic (4x4 px), so the count of
instances alive is what is checked, not bytes.
"""
from __future__ import annotations

import io
import time
import weakref

import pytest

from common.dicom_bounds import dcmread_bounded
from tests.fixtures.orthanc import orthanc  # noqa: F401  (fixture)
from tests.fixtures.synthetic_studies import make_study, upload_parallel
from worklist import retrieval
from worklist.dicomweb import ClientSettings, DicomWebClient

SLICES = 120
LEAD = 4


@pytest.fixture(scope="module")
def study(orthanc):  # noqa: F811
    st = make_study(7101, reading=["Stream^Memory"], slices=SLICES)
    upload_parallel(orthanc.base_url, orthanc.auth, [st])
    return st


def test_a_slow_caller_holds_only_a_few_instances_at_once(orthanc, study, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setattr(retrieval, "STREAM_LEAD", LEAD)
    client = DicomWebClient(ClientSettings(orthanc.dicomweb_url, orthanc.user, orthanc.password))
    alive: list[weakref.ref] = []
    most = 0
    got = 0
    for item in retrieval.iter_retrieved(client, study.study_uid, workers=2):
        assert item.dataset.buffer is None   # the dataset does not keep the received bytes
        alive.append(weakref.ref(item))
        del item
        got += 1
        time.sleep(0.01)   # a loader slower than the wire: the stream runs ahead if it may
        most = max(most, sum(r() is not None for r in alive))
    assert got == SLICES
    # what the stream may hold ahead, the heads asked for alone (2 per worker), and one spare
    assert most <= LEAD + retrieval.HEAD + 2 * 2 + 1, most
    assert sum(r() is not None for r in alive) == 0   # once taken and let go, nothing holds one


def test_a_dataset_read_from_memory_does_not_keep_the_bytes(study) -> None:
    ds = dcmread_bounded(io.BytesIO(study.instances[0]), 10 * 2**20, "instance 0")
    assert ds.buffer is None and ds.Rows == 4
