"""Full study over DICOMweb to a readable volume: Yomi's load against its floor and a peer.

- Yomi: `StudyLoad` through the centre the reading window uses (open_centre + the encrypted
  cache, emptied each run), from the request to the volume in memory.
- floor: curl of the series in one WADO-RS request (body to a file), then the native
  decode of its instances on both cores (two processes, each parsing its half).
- peer: dicomweb-client's retrieve_series, then pydicom pixel_array and numpy stack.
"""
from __future__ import annotations

import concurrent.futures as cf
import secrets
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pydicom

from bench.figures import Figure, timed
from bench.studies import READER, BenchStudy

ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*'


class _Quiet:
    def progress(self, done, total, what):
        pass

    def partial(self, volume):
        pass

    def grown(self, volume):
        pass


def yomi_load(server, study: BenchStudy, work: Path) -> float:
    from app.config import CentreConfig, open_centre
    from app.reading.study_load import StudyLoad
    from worklist.cache import StudyCache
    from worklist.cached_centre import CachingCentre

    cfg = CentreConfig(name="bench", dicomweb_url=server.dicomweb_url, user=server.user,
                       reader_dicom_name=READER, read_timeout=300.0)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        inner = open_centre(cfg, server.password, Path(tmp) / "state")
        cache = StudyCache(Path(tmp) / "cache", "bench", secrets.token_bytes(32), max_bytes=10**11,
                           ttl_seconds=3600)
        centre = CachingCentre(inner, cache)
        try:
            took, result = timed(lambda: StudyLoad(centre, study.study_uid).run(_Quiet()))
            assert result.volume.shape[0] == study.slices, result.volume.shape
        finally:
            centre.close()
        del result
    return took


def curl_series(server, study: BenchStudy, out: Path) -> tuple[float, str]:
    url = f"{server.dicomweb_url}/studies/{study.study_uid}/series/{study.series_uid}"
    t = time.perf_counter()
    proc = subprocess.run(["curl", "-s", "-o", str(out), "-w", "%{content_type}", "-u",
                           f"{server.user}:{server.password}", "-H", f"Accept: {ACCEPT}", url],
                          check=True, capture_output=True, text=True)
    return time.perf_counter() - t, proc.stdout


def _decode_half(args) -> int:
    path, content_type, half = args
    from worklist.multipart import parse_parts
    import io
    parts = parse_parts(Path(path).read_bytes(), content_type)
    total = 0
    for part in parts[half::2]:
        ds = pydicom.dcmread(io.BytesIO(part.body))
        total += int(ds.pixel_array.shape[0])
    return total


def _decode_file(path: str) -> int:
    return int(pydicom.dcmread(path).pixel_array.shape[0])


def decode_files(pool: cf.ProcessPoolExecutor, files: list[Path]) -> float:
    """The files read and decoded in `pool`'s processes, no network, nothing else running."""
    took, _ = timed(lambda: list(pool.map(_decode_file, [str(f) for f in files], chunksize=8)))
    return took


def native_decode(pool: cf.ProcessPoolExecutor, body: Path, content_type: str) -> float:
    took, _ = timed(lambda: list(pool.map(_decode_half, [(str(body), content_type, h) for h in (0, 1)])))
    return took


def peer_load(server, study: BenchStudy) -> float:
    import requests
    from dicomweb_client.api import DICOMwebClient

    session = requests.Session()
    session.auth = server.auth

    def load():
        client = DICOMwebClient(url=server.dicomweb_url, session=session)
        instances = client.retrieve_series(study.study_uid, study.series_uid)
        instances.sort(key=lambda ds: float(ds.ImagePositionPatient[2]))
        return np.stack([ds.pixel_array for ds in instances])

    took, vol = timed(load)
    assert vol.shape[0] == study.slices
    return took


def measure(server, study: BenchStudy, runs: int, work: Path) -> list[Figure]:
    vs_floor = Figure(f"DICOMweb → readable volume, {study.label}", floor_name="curl + decode on 2 cores",
                      target=2.0)
    vs_peer = Figure(f"DICOMweb → readable volume, {study.label}, vs peer", floor_name="dicomweb-client + pydicom",
                     target=0.5)
    body = work / "series.multipart"
    with cf.ProcessPoolExecutor(2) as pool:
        list(pool.map(abs, [1, 2]))  # the workers exist before the clock starts
        for _ in range(runs):
            curl_s, content_type = curl_series(server, study, body)
            vs_floor.floor.add(curl_s + native_decode(pool, body, content_type))
            body.unlink()
            ours = yomi_load(server, study, work)
            vs_floor.ours.add(ours)
            vs_peer.ours.add(ours)
            vs_peer.floor.add(peer_load(server, study))
    return [vs_floor, vs_peer]
