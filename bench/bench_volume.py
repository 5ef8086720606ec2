"""Time scan + build of the real 64-slice 512x512 lung series (median of several runs).

Run: .venv/bin/python bench/bench_volume.py [RUNS]
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from viewer.volume import build_volume, scan_paths  # noqa: E402

SERIES = Path(__file__).resolve().parents[2] / "shared" / "data" / "ct" / "lung-dx-a0001" / "series-2-5mm"


def main(runs: int = 7) -> int:
    if not SERIES.is_dir():
        sys.stderr.write(f"bench_volume: test data not found at {SERIES}\n")
        return 1
    scans, builds = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        groups, _ = scan_paths([SERIES])
        t1 = time.perf_counter()
        vol = build_volume(groups[0])
        t2 = time.perf_counter()
        scans.append(t1 - t0)
        builds.append(t2 - t1)
    total = [s + b for s, b in zip(scans, builds)]
    sys.stdout.write(
        f"series {SERIES.name}: {vol.shape} {vol.voxels.dtype}, {runs} runs\n"
        f"scan  median {statistics.median(scans) * 1000:.0f} ms\n"
        f"build median {statistics.median(builds) * 1000:.0f} ms\n"
        f"total median {statistics.median(total) * 1000:.0f} ms "
        f"({statistics.median(total) * 1000 / vol.shape[0]:.1f} ms per slice)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 7))
