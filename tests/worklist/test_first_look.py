"""A large series shows one image before its metadata are read: Orthanc takes seconds to
gather the metadata of 1000 instances (it reads every file), so the middle instance of the
server's order is asked for on its own, with one QIDO query (limit, offset), and shown first.
Real Orthanc, its metadata answers slowed by a proxy to make the server's cost certain;
the series' 240 instances are synthetic (4x4 px), everything arrives once.
"""
from __future__ import annotations

import pydicom
import pytest

from app.reading.study_load import StudyLoad
from tests.fixtures.latency_proxy import LatencyProxy
from tests.fixtures.orthanc import orthanc  # noqa: F401  (fixture)
from tests.fixtures.synthetic_studies import make_study, upload_parallel
from worklist.dicomweb import ClientSettings, DicomWebClient
from worklist.dicomweb_centre import DicomWebCentre
from worklist.retrieval import FIRST_LOOK_MIN, iter_retrieved

READER = "First^Look"
SLICES = 240


@pytest.fixture(scope="module")
def big_study(orthanc):  # noqa: F811
    assert SLICES >= FIRST_LOOK_MIN
    st = make_study(7001, reading=[READER], slices=SLICES)
    upload_parallel(orthanc.base_url, orthanc.auth, [st])
    sops = [str(pydicom.dcmread(pydicom.filebase.DicomBytesIO(b)).SOPInstanceUID) for b in st.instances]
    return st.study_uid, sops


@pytest.fixture
def slow_metadata(orthanc):  # noqa: F811
    with LatencyProxy(orthanc.dicomweb_url, delay_s=0.0) as proxy:
        proxy.path_delays["/metadata"] = 1.0
        yield DicomWebClient(ClientSettings(proxy.url, orthanc.user, orthanc.password))


def test_the_first_instance_comes_before_the_plan_and_nothing_comes_twice(slow_metadata, big_study) -> None:
    study_uid, sops = big_study
    events: list = []
    progress: list = []
    for item in iter_retrieved(slow_metadata, study_uid, on_plan=lambda metas: events.append(("plan", len(metas))),
                               progress=lambda d, t: progress.append((d, t))):
        events.append(("got", item.planned.sop_uid))
    assert events[0][0] == "got" and events[1] == ("plan", SLICES)
    got = [e[1] for e in events if e[0] == "got"]
    assert sorted(got) == sorted(sops)             # each once, the first look's included
    assert got[0] in sops[SLICES // 2 - 20: SLICES // 2 + 20]   # the middle of the server's order
    assert progress[0] == (0, SLICES) and progress[-1] == (SLICES, SLICES)


def test_a_study_load_shows_the_first_look_then_fills_the_planned_volume(slow_metadata, big_study) -> None:
    study_uid, _ = big_study

    class Seen:
        def __init__(self) -> None:
            self.partials: list = []

        def progress(self, done, total, what) -> None:
            pass

        def partial(self, volume) -> None:
            self.partials.append(volume.shape[0])

        def grown(self, volume) -> None:
            pass

    centre = DicomWebCentre("slow metadata", slow_metadata, None)
    seen = Seen()
    result = StudyLoad(centre, study_uid).run(seen)
    assert seen.partials[0] == 1                   # the first look, on screen before the plan
    assert seen.partials[-1] == SLICES             # then the volume laid out from the metadata
    assert result.volume.shape[0] == SLICES and "pending" not in result.volume.slice_kinds
