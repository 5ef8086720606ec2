"""Render time per slice through the real view pipeline (off screen), and volume load time.

    .venv/bin/python bench/bench_render.py [SERIES_DIR]

Prints median timings of: loading the 64-slice real series (scan + build), the first
render of a view (pipeline set-up), and the time per slice while scrolling (reslice +
window/level + overlays + software OpenGL + read-back), for each plane, at 512 px.
"""
from __future__ import annotations

import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from viewer.views.headless import prefer_headless_gl  # noqa: E402

prefer_headless_gl()

from viewer.views.offscreen import OffscreenView  # noqa: E402
from viewer.volume import load_volume  # noqa: E402


def main() -> None:
    default = Path(__file__).resolve().parents[2] / "shared/data/ct/lung-dx-a0001/series-2-5mm"
    series = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    loads = []
    for _ in range(5):
        t = time.perf_counter()
        vol = load_volume(series)
        loads.append(time.perf_counter() - t)
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"load {series.name} {vol.shape}: median {statistics.median(loads) * 1000:.0f} ms")
    for plane in ("axial", "coronal", "sagittal"):
        t = time.perf_counter()
        host = OffscreenView(vol, plane, 512)
        host.window.Render()
        first = time.perf_counter() - t
        times = []
        n = min(40, host.view.slice_count())
        for k in range(n):
            t = time.perf_counter()
            host.view.set_slice_index(k)
            host.window.Render()
            times.append(time.perf_counter() - t)
        host.close()
        print(f"{plane:9s}: first render {first * 1000:.0f} ms; per slice median "
              f"{statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms ({n} slices)")


if __name__ == "__main__":
    main()
