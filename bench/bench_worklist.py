"""Worklist refresh time for 500 assigned studies, on loopback and from a centre 20 ms away.

Starts a real Orthanc 1.10 (tests/fixtures/orthanc.py), uploads --studies small synthetic
studies assigned to one reader (tests/fixtures/synthetic_studies.py; a tenth carry our
VERIFIED SR and so drop off the list, a twentieth a draft SR), then times
`QidoWorklist.worklist()` directly and through tests/fixtures/latency_proxy.py adding
--delay-ms to every answer. For comparison it also times the query pattern the worklist used
before (one series query per study, one after another) on the same data.
Median of --runs after one warm-up refresh. Run: .venv/bin/python bench/bench_worklist.py
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fixtures.latency_proxy import LatencyProxy  # noqa: E402
from tests.fixtures.orthanc import start_orthanc  # noqa: E402
from tests.fixtures.synthetic_studies import make_study, upload_parallel  # noqa: E402
from worklist.claims import ClaimStore  # noqa: E402
from worklist.dicom_json import datasets_from_json, text  # noqa: E402
from worklist.dicomweb import ClientSettings, DicomWebClient  # noqa: E402
from worklist.qido_worklist import QidoWorklist, QidoWorklistSettings  # noqa: E402

READER = "Takahashi^Kenji"


def per_study_sequential(client: DicomWebClient) -> int:
    """The former pattern: the study query, then per study its series, then per SR series
    of ours its instances, one request after another. Returns how many studies remain."""
    studies = client.search_studies({"00081060": "*Takahashi?Kenji*", "ModalitiesInStudy": "CT"},
                                    includefield=("00081030", "00080061", "00201208", "00081060"), limit=500)
    left = 0
    for st in datasets_from_json(studies, what="study"):
        uid = text(st, "StudyInstanceUID")
        reported = False
        for se in datasets_from_json(client.search_series(uid, includefield=("00080070", "00180015", "00201209")),
                                     what="series"):
            if text(se, "Modality") == "SR" and text(se, "Manufacturer") == "Yomi":
                flags = client.search_instances(uid, text(se, "SeriesInstanceUID"), includefield=("0040A493",))
                reported = reported or any("VERIFIED" == text(i, "VerificationFlag")
                                           for i in datasets_from_json(flags, what="instance"))
        left += not reported
    return left


def timed(fn, runs: int, warm_up: bool = True) -> tuple[float, object]:
    """Median of `runs` calls, after one untimed call (a centre's server is warm)."""
    times, result = [], fn() if warm_up else None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", type=int, default=500)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--delay-ms", type=float, default=20.0)
    ap.add_argument("--pool-size", type=int, default=4, help="connections per centre (the config default is 4)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="yomi-bench-worklist-") as tmp:
        server = start_orthanc(Path(tmp) / "orthanc")
        try:
            studies = []
            for n in range(args.studies):
                sr = ("Yomi", "VERIFIED") if n % 10 == 0 else ("Yomi", "UNVERIFIED") if n % 20 == 5 else None
                studies.append(make_study(n, reading=[READER], sr=sr))
            t0 = time.perf_counter()
            sent = upload_parallel(server.base_url, server.auth, studies)
            print(f"uploaded {args.studies} studies ({sent} instances) in {time.perf_counter() - t0:.1f} s")
            expected = sum(1 for n in range(args.studies) if n % 10 != 0)

            def run(url: str):
                client = DicomWebClient(ClientSettings(url, server.user, server.password,
                                                       pool_size=args.pool_size))
                wl = QidoWorklist(client, QidoWorklistSettings(reader_name=READER, limit=max(500, args.studies)),
                                  ClaimStore(Path(tmp) / "claims.json"))
                return lambda: len(wl.worklist())

            def old(url: str):
                client = DicomWebClient(ClientSettings(url, server.user, server.password))
                return lambda: per_study_sequential(client)

            rows = []
            direct, n_direct = timed(run(server.dicomweb_url), args.runs)
            old_direct, n_old = timed(old(server.dicomweb_url), max(1, args.runs // 2))
            with LatencyProxy(server.dicomweb_url, delay_s=args.delay_ms / 1000) as proxy:
                proxy.reset_count()
                far, n_far = timed(run(proxy.url), args.runs)
                requests_per_refresh = proxy.request_count / args.runs
                old_far, _ = timed(old(proxy.url), 1, warm_up=False)
            assert n_direct == n_far == expected, (n_direct, n_far, expected)
            assert n_old == expected
            rows.append(("batched (Yomi now), loopback", direct))
            rows.append((f"batched (Yomi now), +{args.delay_ms:g} ms per answer", far))
            rows.append(("per-study sequential (before), loopback", old_direct))
            rows.append((f"per-study sequential (before), +{args.delay_ms:g} ms per answer", old_far))
            print(f"{args.studies} assigned studies, {expected} unreported; pool {args.pool_size}; "
                  f"{requests_per_refresh:.0f} requests per refresh; median of {args.runs}")
            for label, t in rows:
                print(f"  {label:55s} {t * 1000:8.0f} ms")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
