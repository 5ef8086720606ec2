"""The reading window opening one study, in a process of its own (clean peak memory).

    python -m bench.window_child URL USER PASSWORD STUDY_UID SLICES RUNS CYCLES

Prints one JSON object: per run the time to the first slice on screen, to the full study on
screen and the longest GUI stall (a 5 ms heartbeat timer on the GUI thread); the peak
resident memory (VmHWM) with the first run's window; and the resident memory after the first and the
last of CYCLES openings of the study in one window (from the cache: each opening replaces
the volume before, as a reader going from study to study does).
"""
from __future__ import annotations

import gc
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from app.main import load_holidays
from common.allocator import return_large_blocks

return_large_blocks()  # as the app's start-up does
load_holidays()  # the app loads them while its login window waits: done before any window here

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.config import CentreConfig, open_centre  # noqa: E402
from app.windows.main_window import MainWindow  # noqa: E402
from app.windows.prompts import Unattended  # noqa: E402
from bench.stall_stacks import StallSampler, wanted  # noqa: E402
from bench.studies import READER  # noqa: E402
from worklist.cache import StudyCache  # noqa: E402
from worklist.cached_centre import CachingCentre  # noqa: E402

HEARTBEAT_MS = 5


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def pump_until(app, condition, timeout_s: float) -> None:
    end = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.001)


def _settle(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)


def _window(centre) -> MainWindow:
    win = MainWindow(centre, "reader", prompts=Unattended())
    win.resize(1270, 980)
    win.show()
    return win


def _open(app, win: MainWindow, study_uid: str) -> dict:
    pump_until(app, lambda: not win.reading.refreshing and win.worklist.items, 120)
    _settle(app, 1.0)  # the empty views' first paint and warm-up are not what we measure
    ticks: list[float] = []
    beat = QTimer()
    beat.setInterval(HEARTBEAT_MS)
    beat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    marks: dict[str, float] = {}
    shown = win._on_partial

    def first_shown(loader, volume):
        shown(loader, volume)  # sets up the views and draws the first (synchronously)
        marks.setdefault("first", time.perf_counter())

    win._on_partial = first_shown  # _start_loader connects whatever this names
    item = next(i for i in win.worklist.items if i.study_uid == study_uid)
    ticks.append(time.perf_counter())
    sampler = StallSampler(ticks) if wanted() else None
    if sampler:
        sampler.start()
    beat.start()
    t0 = time.perf_counter()
    win.open_item(item)
    pump_until(app, lambda: not win.is_loading() and win.volume is not None, 1800)
    _settle(app, 0.2)  # the last views' draws, one per turn
    full = time.perf_counter() - t0
    beat.stop()
    ticks.append(time.perf_counter())
    win._on_partial = shown
    gaps = np.diff(np.array(ticks))
    if sampler:
        sampler.stop()
        worst = int(gaps.argmax())
        sampler.report(ticks[worst], ticks[worst + 1], f"longest stall, {worst} ticks in")
    return {"first": marks.get("first", t0 + full) - t0, "full": full,
            "stall": max(0.0, float(gaps.max()) - HEARTBEAT_MS / 1000)}


def main() -> None:
    url, user, password, study_uid = sys.argv[1:5]
    runs, cycles = int(sys.argv[6]), int(sys.argv[7])
    app = QApplication.instance() or QApplication([])
    out: dict = {"runs": []}
    cfg = CentreConfig(name="bench", dicomweb_url=url, user=user, reader_dicom_name=READER, read_timeout=300.0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["YOMI_DATA_DIR"] = str(tmp / "data")  # the window's drafts: not the user's own
        for n in range(runs):  # each run from the server: an empty cache
            inner = open_centre(cfg, password, tmp / f"state{n}")
            cache = StudyCache(tmp / f"cache{n}", "bench", secrets.token_bytes(32), max_bytes=10**11,
                               ttl_seconds=3600)
            centre = CachingCentre(inner, cache)
            win = _window(centre)
            out["runs"].append(_open(app, win, study_uid))
            if n == 0:
                # The first window's peak: a station has one reading window per run (logging out
                # ends the process), and each window closed here leaves ~190 MB behind in VTK
                # and Qt (measured), which the windows after it would add to the peak.
                out["peak_rss"] = _status("VmHWM")
                out["voxel_bytes"] = int(win.volume.voxels.nbytes)
            win.close()
            win.deleteLater()
            _settle(app, 0.2)
            centre.close()
            cache.purge_study(study_uid)
        if cycles:
            inner = open_centre(cfg, password, tmp / "cycles")
            cache = StudyCache(tmp / "cycles-cache", "bench", secrets.token_bytes(32), max_bytes=10**11,
                               ttl_seconds=3600)
            centre = CachingCentre(inner, cache)
            win = _window(centre)
            rss = []
            for _ in range(cycles):  # the reader's rhythm: the same window opens study after study
                _open(app, win, study_uid)
                _settle(app, 0.3)
                gc.collect()
                rss.append(_status("VmRSS"))
            out["cycle_rss"] = rss
            win.close()
            centre.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
