"""The study cache: no decryption while locked, rollback of an entry refused, prefetch paused."""
from __future__ import annotations

import threading

from tests.infra.standin import make_instance
from worklist.cache import StudyCache
from worklist.cached_centre import CachingCentre

KEY = bytes(range(32))


def _cache(tmp_path, **kw):
    return StudyCache(tmp_path / "cache", "sato", KEY, max_bytes=10_000_000, ttl_seconds=3600, **kw)


def test_a_locked_cache_decrypts_nothing_until_unlocked(tmp_path):
    cache = _cache(tmp_path)
    uid, data = make_instance(study_uid="2.25.7")
    assert cache.put("2.25.7", uid, data)
    cache.lock()
    assert cache.locked
    assert cache.get("2.25.7", uid) is None and cache.sop_uids("2.25.7") == [] and not cache.has("2.25.7", uid)
    assert cache.put("2.25.7", "2.25.8", data) is False
    cache.unlock(KEY)
    assert cache.get("2.25.7", uid) == data and cache.sop_uids("2.25.7") == [uid]


def test_unlock_with_another_key_is_refused(tmp_path):
    import pytest

    from worklist.cache import CacheError

    cache = _cache(tmp_path)
    cache.lock()
    with pytest.raises(CacheError):
        cache.unlock(bytes(range(5, 37)))
    assert cache.locked


def test_an_older_ciphertext_of_an_entry_is_refused(tmp_path):
    cache = _cache(tmp_path)
    uid, old = make_instance(study_uid="2.25.7")
    new = old.replace(b"outbox test", b"second copy")
    cache.put("2.25.7", uid, old)
    path = cache._path("2.25.7", uid)
    stale = path.read_bytes()
    cache.put("2.25.7", uid, new)
    assert cache.get("2.25.7", uid) == new
    path.write_bytes(stale)  # an attacker (or a backup) puts the earlier version back
    assert cache.get("2.25.7", uid) is None
    assert not path.exists()  # rejected and removed: fetched again from the centre
    # a fresh process (index read from disk, not memory) refuses it as well
    cache.put("2.25.7", uid, new)
    stale2 = path.read_bytes()
    cache.put("2.25.7", uid, old)
    path.write_bytes(stale2)
    again = _cache(tmp_path)
    assert again.get("2.25.7", uid) is None


class _SlowCentre:
    """A real in-process source of real DICOM bytes that yields one instance at a time, slowly."""

    name = "slow"

    def __init__(self, n: int) -> None:
        self.instances = {f"2.25.{k}": [make_instance(study_uid=f"2.25.{k}") for _ in range(n)] for k in (1, 2)}
        self.started = threading.Event()

    def retrieve_raw(self, study_uid, progress=None, *, have=(), on_plan=None):
        from types import SimpleNamespace

        for uid, data in self.instances[study_uid]:
            if uid in have:
                continue
            self.started.set()
            if progress is not None and progress(0, 0) is False:
                from worklist.centre import Cancelled

                raise Cancelled("stopped")
            threading.Event().wait(0.05)
            yield SimpleNamespace(planned=SimpleNamespace(sop_uid=uid), data=data, dataset=None)


def test_prefetch_pauses_at_lock_and_resumes_with_what_is_left(tmp_path):
    cache = _cache(tmp_path)
    inner = _SlowCentre(6)
    centre = CachingCentre(inner, cache)
    centre.prefetch(["2.25.1", "2.25.2"])
    assert inner.started.wait(10)
    centre.pause_prefetch()
    cache.lock()
    assert centre.prefetch_paused and centre._prefetch_thread is None
    cache.unlock(KEY)
    partial = len(cache.sop_uids("2.25.1")) + len(cache.sop_uids("2.25.2"))
    assert partial < 12
    centre.prefetch(["2.25.1", "2.25.2"])  # asked while paused: remembered, not started
    assert centre._prefetch_thread is None
    centre.resume_prefetch()
    centre._prefetch_thread.join(30)
    assert len(cache.sop_uids("2.25.1")) == 6 and len(cache.sop_uids("2.25.2")) == 6
    centre.close()


def _index_file(cache, study_uid):
    return cache._path(study_uid, "x").parent / ".index"


def test_each_put_appends_one_record_to_the_index(tmp_path):
    cache = _cache(tmp_path)
    sizes = []
    for _ in range(5):
        uid, data = make_instance(study_uid="2.25.8")
        cache.put("2.25.8", uid, data)
        sizes.append(_index_file(cache, "2.25.8").stat().st_size)
    growth = {b - a for a, b in zip(sizes[1:], sizes[2:])}
    assert len(growth) == 1 and growth.pop() < 200   # one small record each, not the index again


def test_a_torn_last_record_refuses_only_its_entry(tmp_path):
    cache = _cache(tmp_path)
    first = make_instance(study_uid="2.25.9")
    last = make_instance(study_uid="2.25.9")
    cache.put("2.25.9", *first)
    cache.put("2.25.9", *last)
    index = _index_file(cache, "2.25.9")
    index.write_bytes(index.read_bytes()[:-5])   # a crash while the last record was appended
    again = _cache(tmp_path)
    assert again.get("2.25.9", first[0]) == first[1]
    assert again.get("2.25.9", last[0]) is None     # refused: fetched again from the centre
    cache3 = _cache(tmp_path)
    assert cache3.sop_uids("2.25.9") == [first[0]]
    # what is put after the damage is kept: the journal is rewritten, not appended behind it
    later = make_instance(study_uid="2.25.9")
    cache3.put("2.25.9", *later)
    fresh = _cache(tmp_path)
    assert fresh.get("2.25.9", later[0]) == later[1]
    assert fresh.get("2.25.9", first[0]) == first[1]


def test_a_record_dropped_from_the_middle_refuses_what_follows(tmp_path):
    cache = _cache(tmp_path)
    items = [make_instance(study_uid="2.25.10") for _ in range(3)]
    for uid, data in items:
        cache.put("2.25.10", uid, data)
    index = _index_file(cache, "2.25.10")
    blob = index.read_bytes()
    # the journal: 4 bytes of format, then nonce (12), length (4), sealed record
    pos = 4
    records = []
    while pos < len(blob):
        n = int.from_bytes(blob[pos + 12:pos + 16], "big")
        records.append(blob[pos:pos + 16 + n])
        pos += 16 + n
    assert len(records) == 3
    index.write_bytes(blob[:4] + records[0] + records[2])   # the second record taken out
    again = _cache(tmp_path)
    assert again.get("2.25.10", items[0][0]) == items[0][1]
    assert again.get("2.25.10", items[1][0]) is None
    assert again.get("2.25.10", items[2][0]) is None   # its record no longer fits its place


def test_the_journal_is_compacted_when_mostly_superseded(tmp_path):
    cache = _cache(tmp_path)
    uid, data = make_instance(study_uid="2.25.11")
    for _ in range(200):   # the same instance again and again: one entry, many records
        cache.put("2.25.11", uid, data)
    assert _index_file(cache, "2.25.11").stat().st_size < 70 * 200 // 2
    assert _cache(tmp_path).get("2.25.11", uid) == data
