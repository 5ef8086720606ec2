"""A prefetched study opens from the cache without waiting for the centre: its plan (the
instances' metadata, seen while prefetching) comes before the first instance, and the
instances come nearest the middle first, so the loader fills the volume in place at once.
The real 64-slice chest CT on the real Orthanc (tests/worklist/conftest.py)."""
from __future__ import annotations

import secrets
import threading
from pathlib import Path

import pytest

from tests.worklist.conftest import LoadedCentre
from tests.worklist.test_orthanc_centre import make_centre
from worklist.cache import StudyCache
from worklist.cached_centre import CachingCentre

pytestmark = pytest.mark.orthanc


def _centre(loaded: LoadedCentre, tmp_path: Path) -> CachingCentre:
    cache = StudyCache(tmp_path / "cache", "sato", secrets.token_bytes(32), max_bytes=10**9, ttl_seconds=3600)
    return CachingCentre(make_centre(loaded, tmp_path), cache)


def _open(centre: CachingCentre, study: str) -> list[tuple[str, str]]:
    """What the loader sees, in order: ("plan", first planned SOP) and ("instance", SOP)."""
    seen: list[tuple[str, str]] = []
    plan = lambda metas: seen.append(("plan", str(metas[0].SOPInstanceUID)))  # noqa: E731
    for ds in centre.retrieve(study, on_plan=plan):
        seen.append(("instance", str(ds.SOPInstanceUID)))
    return seen


def test_a_prefetched_study_gives_its_plan_first_then_the_middle_slice(loaded, tmp_path, monkeypatch):
    centre = _centre(loaded, tmp_path)
    centre._prefetch([loaded.ct_study], threading.Event())  # what the prefetch thread runs
    assert len(centre.cache.sop_uids(loaded.ct_study)) == 64

    inner_plan = centre.inner.retrieve_raw
    asked: list[str] = []

    def retrieve_raw(study, progress=None, *, have=(), on_plan=None, **kw):
        asked.append("centre")
        assert on_plan is None  # the plan was given already, from the prefetch
        return inner_plan(study, progress, have=have, **kw)

    monkeypatch.setattr(centre.inner, "retrieve_raw", retrieve_raw)
    seen = _open(centre, loaded.ct_study)
    assert seen[0][0] == "plan" and [k for k, _ in seen[1:]] == ["instance"] * 64
    assert seen[1][1] == seen[0][1]  # the first instance is the plan's first: the middle slice
    assert asked == ["centre"]  # then the centre, for anything not cached (nothing here)
    centre.pause_prefetch()  # the station locks: the plan (it names the patient) is forgotten
    assert loaded.ct_study not in centre._plans


def test_a_study_not_prefetched_still_plans_at_the_centre(loaded, tmp_path):
    centre = _centre(loaded, tmp_path)
    seen = _open(centre, loaded.ct_study)
    assert seen[0][0] == "plan" and len(seen) == 65
    assert loaded.ct_study not in centre._plans  # only a prefetch keeps a plan
