"""Encrypted study cache: no personal data on disk, per-reader keys, tamper rejection, bounds.

Uses a real chest CT slice from ../shared/data (TCIA Lung-PET-CT-Dx, Lung_Dx-A0001,
doi:10.7937/TCIA.2020.NNC2-0461, CC BY 4.0).
"""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import pydicom
import pytest

from tests.infra.conftest import SHARED_DATA
from worklist.cache import CacheError, StudyCache

SERIES = SHARED_DATA / "ct" / "lung-dx-a0001" / "series-2-5mm"
MB = 1 << 20


class Clock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _ct(n: int = 2) -> list[tuple[pydicom.Dataset, bytes]]:
    if not SERIES.is_dir():
        pytest.skip(f"shared test data absent: {SERIES}")
    files = sorted(SERIES.glob("*.dcm"))[:n]
    return [(pydicom.dcmread(f, stop_before_pixels=True), f.read_bytes()) for f in files]


def _all_bytes(root: Path) -> bytes:
    out = b""
    for dirpath, dirnames, filenames in os.walk(root):
        out += ("/".join(dirnames + filenames)).encode()
        for f in filenames:
            out += (Path(dirpath) / f).read_bytes()
    return out


def test_real_ct_leaves_no_personal_data_on_disk(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    (ds, data), (ds2, data2) = _ct(2)
    cache = StudyCache(tmp_path / "c", "dr.sato", secrets.token_bytes(32), max_bytes=64 * MB, ttl_seconds=3600)
    assert cache.put(ds.StudyInstanceUID, ds.SOPInstanceUID, data)
    assert cache.put(ds2.StudyInstanceUID, ds2.SOPInstanceUID, data2)
    assert cache.get(ds.StudyInstanceUID, ds.SOPInstanceUID) == data
    assert cache.sop_uids(ds.StudyInstanceUID) == sorted([ds.SOPInstanceUID, ds2.SOPInstanceUID])
    blob = _all_bytes(tmp_path / "c")
    name = str(ds.PatientName).encode()
    needles = [name, name.replace(b"^", b" "), str(ds.PatientID).encode(), b"dr.sato",
               ds.StudyInstanceUID.encode(), ds.SeriesInstanceUID.encode(), ds.SOPInstanceUID.encode(),
               data[128:4000]]  # and no plain run of the file itself
    if "PatientBirthDate" in ds and ds.PatientBirthDate:
        needles.append(str(ds.PatientBirthDate).encode())
    for needle in needles:
        assert needle and needle not in blob
    assert str(ds.PatientName) not in caplog.text and str(ds.PatientID) not in caplog.text
    for p in (tmp_path / "c").rglob("*"):
        assert oct(p.stat().st_mode & 0o077) == "0o0", p  # owner only


def test_other_reader_key_and_moved_file_cannot_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ((ds, data),) = _ct(1)
    st, sop = ds.StudyInstanceUID, ds.SOPInstanceUID
    a = StudyCache(tmp_path / "c", "dr.sato", secrets.token_bytes(32), max_bytes=64 * MB, ttl_seconds=3600)
    a.put(st, sop, data)
    # the same reader ID with another key (another reader who learnt the ID): nothing found
    b = StudyCache(tmp_path / "c", "dr.sato", secrets.token_bytes(32), max_bytes=64 * MB, ttl_seconds=3600)
    assert b.get(st, sop) is None and b.sop_uids(st) == [] and not b.has(st, sop)
    # even with the file copied to where b looks for it, b's key cannot open it
    target = b._path(st, sop)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(a._path(st, sop).read_bytes())
    caplog.set_level(logging.WARNING)
    assert b.get(st, sop) is None and not target.exists()
    assert "failed authentication" in caplog.text
    assert sop not in caplog.text and str(ds.PatientID) not in caplog.text
    # a file moved to another slot of the same reader fails too (associated data binds it)
    a.put(st, "1.2.3.4", b"other")
    a._path(st, "1.2.3.4").write_bytes(a._path(st, sop).read_bytes())
    assert a.get(st, "1.2.3.4") is None
    assert a.get(st, sop) == data


@pytest.mark.parametrize("where", ["magic", "header", "data", "truncate"])
def test_tampered_file_rejected(tmp_path: Path, where: str) -> None:
    cache = StudyCache(tmp_path / "c", "r", secrets.token_bytes(32), max_bytes=MB, ttl_seconds=60)
    cache.put("1.2.3", "1.2.3.4", b"\x01" * 5000)
    path = cache._path("1.2.3", "1.2.3.4")
    raw = bytearray(path.read_bytes())
    if where == "truncate":
        raw = raw[:-100]
    else:
        raw[{"magic": 0, "header": 30, "data": len(raw) - 50}[where]] ^= 0x01
    path.write_bytes(bytes(raw))
    assert cache.get("1.2.3", "1.2.3.4") is None
    assert not path.exists() and cache.size_bytes() == 0


def test_size_bound_evicts_least_recently_used_study(tmp_path: Path) -> None:
    clock = Clock()
    cache = StudyCache(tmp_path / "c", "r", secrets.token_bytes(32), max_bytes=350_000, ttl_seconds=1e9,
                       clock=clock)
    for i, study in enumerate(("1.1", "1.2", "1.3")):
        clock.t += 10
        assert cache.put(study, f"{study}.1", bytes(100_000))
    clock.t += 10
    assert cache.get("1.1", "1.1.1") is not None  # 1.1 now more recent than 1.2
    clock.t += 10
    assert cache.put("1.4", "1.4.1", bytes(100_000))
    assert cache.sop_uids("1.2") == []  # evicted, least recently used
    assert all(cache.sop_uids(s) for s in ("1.1", "1.3", "1.4"))
    assert cache.size_bytes() <= 350_000
    assert not cache.put("1.5", "1.5.1", bytes(400_000))  # can never fit
    assert cache.size_bytes() <= 350_000
    # a new instance of the cache finds the same size on disk
    again = StudyCache(tmp_path / "c", "r", secrets.token_bytes(32), max_bytes=350_000, ttl_seconds=1e9)
    assert again.size_bytes() == cache.size_bytes()


def test_ttl_and_explicit_purges(tmp_path: Path) -> None:
    clock = Clock()
    key = secrets.token_bytes(32)
    cache = StudyCache(tmp_path / "c", "r", key, max_bytes=MB, ttl_seconds=3600, clock=clock)
    cache.put("1.1", "1.1.1", b"a" * 100)
    clock.t += 3000
    cache.put("1.2", "1.2.1", b"b" * 100)
    clock.t += 1000  # 1.1 idle 4000 s, 1.2 idle 1000 s
    assert cache.purge_expired() == 1
    assert cache.get("1.1", "1.1.1") is None and cache.get("1.2", "1.2.1") == b"b" * 100
    cache.put("1.3", "1.3.1", b"c")
    cache.purge_study("1.2")  # report sent
    assert cache.sop_uids("1.2") == [] and cache.sop_uids("1.3") == ["1.3.1"]
    cache.purge_all()  # logout
    assert cache.size_bytes() == 0 and list(cache.dir.iterdir()) == []
    with pytest.raises(CacheError):
        StudyCache(tmp_path / "c", "r", b"short", max_bytes=MB, ttl_seconds=1)
