"""Reader B cannot read reader A's study from the station's encrypted cache: B's own cache has
nothing of it, A's cache folder opened with B's key yields no byte, and going through the
caching centre asks the real centre plugin, which answers 403 (tests/centre). Qt-free."""
from __future__ import annotations

import pytest

from app.config import CentreConfig, bind_account, open_centre
from app.session import Session
from tests.centre.support import NAME_A, NAME_B, READER_A, READER_B
from tests.identity.support import make_station
from worklist.cache import StudyCache
from worklist.cached_centre import CachingCentre
from worklist.centre import Forbidden

pytestmark = pytest.mark.orthanc


def _reader_centre(centre, station, enrolment, secret, tmp, cache_user=None):
    session = Session(station.site.store)
    session.login(enrolment.user.user_id, "Kumo-no-ue 2024", enrolment.recovery_codes.pop())
    cfg, _ = bind_account(CentreConfig(dicomweb_url=centre.server.dicomweb_url, has_ups=True), session.user)
    cache = StudyCache(tmp / "cache", cache_user or session.user.user_id, session.cache_key(),
                       max_bytes=10**9, ttl_seconds=3600)
    return CachingCentre(open_centre(cfg, secret, tmp / f"state-{session.user.user_id}"), cache), cache


def test_b_cannot_read_a_study_from_the_cache(centre, tmp_path, monkeypatch) -> None:
    station = make_station(tmp_path / "station", monkeypatch)
    a = station.add("dr.takahashi", dicom_name=NAME_A, centre_user=READER_A[0])
    b = station.add("dr.sato", dicom_name=NAME_B, centre_user=READER_B[0])
    a_centre, a_cache = _reader_centre(centre, station, a, READER_A[1], tmp_path)
    try:
        assert len(list(a_centre.retrieve(centre.a1.uid))) == len(centre.a1.sops)
        assert sorted(a_cache.sop_uids(centre.a1.uid)) == sorted(centre.a1.sops)
    finally:
        a_centre.inner.close()
    b_centre, b_cache = _reader_centre(centre, station, b, READER_B[1], tmp_path)
    try:
        assert b_cache.sop_uids(centre.a1.uid) == []
        with pytest.raises(Forbidden):
            next(iter(b_centre.retrieve(centre.a1.uid)))
    finally:
        b_centre.inner.close()
    # B pointing the cache at A's folder: names and bytes are sealed with A's key
    _, stolen = _reader_centre(centre, station, b, READER_B[1], tmp_path, cache_user="dr.takahashi")
    assert stolen.dir == a_cache.dir
    assert all(stolen.get(centre.a1.uid, sop) is None for sop in centre.a1.sops)
