"""Retrieval speed of the real 64-slice CT series from a local Orthanc 1.10 (loopback).

Times to first slice and to the full series for: curl of the WADO-RS series (the floor),
one streamed multipart request (DicomWebClient.iter_series), per-instance WADO-RS in the
bounded pool (worklist.retrieval, what Yomi uses) and per-instance frames in the same pool
(the alternative). Median of --runs. Run: .venv/bin/python bench/bench_retrieval.py
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import pydicom  # noqa: E402

from tests.fixtures.orthanc import start_orthanc  # noqa: E402
from worklist.dicomweb import ACCEPT_INSTANCE, ClientSettings, DicomWebClient  # noqa: E402
from worklist.retrieval import iter_retrieved, plan_study  # noqa: E402

CT = REPO.parent / "shared" / "data" / "ct" / "lung-dx-a0001" / "series-2-5mm"


def timed(fn) -> tuple[float, float]:
    """fn yields once per instance; returns (first, total) seconds."""
    t0 = time.perf_counter()
    first = None
    n = 0
    for _ in fn():
        n += 1
        if first is None:
            first = time.perf_counter() - t0
    total = time.perf_counter() - t0
    assert n == 64, n
    return first or total, total


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()
    if not CT.is_dir():
        print(f"real data absent: {CT}", file=sys.stderr)
        return 1
    files = sorted(CT.glob("*.dcm"))
    first = pydicom.dcmread(files[0], stop_before_pixels=True)
    study, series = str(first.StudyInstanceUID), str(first.SeriesInstanceUID)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_orthanc(Path(tmp) / "orthanc")
        try:
            server.upload(files)
            settings = ClientSettings(server.dicomweb_url, server.user, server.password, pool_size=args.workers)
            client = DicomWebClient(settings)
            url = f"{server.dicomweb_url}/studies/{study}/series/{series}"

            def curl() -> float:
                out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{time_total}",
                                      "-u", f"{server.user}:{server.password}", "-H", f"Accept: {ACCEPT_INSTANCE}",
                                      url], check=True, capture_output=True, text=True).stdout
                return float(out)

            def stream():
                return client.iter_series(study, series)

            def pool_instances():
                return iter_retrieved(client, study, workers=args.workers)

            def pool_instances_decoded():
                return iter_retrieved(client, study, workers=args.workers, decode=True)

            def pool_frames():
                plan = plan_study(client, study)
                with cf.ThreadPoolExecutor(args.workers) as ex:
                    futs = [ex.submit(client.retrieve_frames, p.study_uid, p.series_uid, p.sop_uid, [1])
                            for p in plan]
                    for f in cf.as_completed(futs):
                        yield f.result()

            for warm in (stream, pool_instances):  # connections and Orthanc caches warm
                timed(warm)
            results = {"curl series (one request)": [(0.0, curl()) for _ in range(args.runs)]}
            for name, fn in [("stream series (one request)", stream),
                             (f"per-instance, {args.workers} workers (Yomi)", pool_instances),
                             (f"per-instance + decode, {args.workers} workers", pool_instances_decoded),
                             (f"frames, {args.workers} workers", pool_frames)]:
                results[name] = [timed(fn) for _ in range(args.runs)]
        finally:
            server.stop()
    mb = sum(f.stat().st_size for f in files) / 1e6
    print(f"64-slice 512x512 CT ({mb:.1f} MB), Orthanc 1.10 loopback, median of {args.runs} runs")
    print(f"{'method':<40} {'first slice':>12} {'full series':>12}")
    for name, runs in results.items():
        first_s = statistics.median(r[0] for r in runs)
        total_s = statistics.median(r[1] for r in runs)
        first_txt = "-" if name.startswith("curl") else f"{first_s * 1000:.0f} ms"
        print(f"{name:<40} {first_txt:>12} {total_s * 1000:>9.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
