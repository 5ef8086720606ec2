"""Time to the first slice ON SCREEN and to the full series in the reading window,
opening the real 64-slice CT from a local Orthanc 1.10 (loopback), against curl.

Measures what the reader waits for: from Enter on the worklist row to the first partial
volume rendered in the MPR, and to the complete volume rendered. Needs an X display
(run under xvfb-run):  xvfb-run -a .venv/bin/python bench/bench_first_slice.py
"""
from __future__ import annotations

import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtWidgets import QApplication  # noqa: E402

from app.config import CentreConfig, open_centre  # noqa: E402
from app.windows.main_window import MainWindow
from app.windows.prompts import Unattended  # noqa: E402
from tests.fixtures.orthanc import start_orthanc  # noqa: E402
from tests.worklist.conftest import READER, copy_study  # noqa: E402
from worklist.cache import StudyCache  # noqa: E402
from worklist.cached_centre import CachingCentre  # noqa: E402

CT = REPO.parent / "shared" / "data" / "ct" / "lung-dx-a0001" / "series-2-5mm"


def main(runs: int = 5) -> None:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        server = start_orthanc(tmp / "orthanc")
        try:
            study, files = copy_study(sorted(CT.glob("*.dcm")), tmp / "study", reading=[READER])
            server.upload(files)
            series = server.rest(f"/studies/{server.rest('/studies').json()[0]}").json()["Series"][0]
            series_uid = server.rest(f"/series/{series}").json()["MainDicomTags"]["SeriesInstanceUID"]
            curl = []
            for _ in range(runs):
                t = time.perf_counter()
                subprocess.run(["curl", "-s", "-o", "/dev/null", "-u", f"{server.user}:{server.password}",
                                "-H", 'Accept: multipart/related; type="application/dicom"',
                                f"{server.dicomweb_url}/studies/{study}/series/{series_uid}"], check=True)
                curl.append(time.perf_counter() - t)
            firsts, fulls = [], []
            cfg = CentreConfig(name="bench", dicomweb_url=server.dicomweb_url, user=server.user,
                               reader_dicom_name=READER)
            for n in range(runs):
                inner = open_centre(cfg, server.password, tmp / f"state{n}")
                cache = StudyCache(tmp / f"cache{n}", "r", secrets.token_bytes(32), max_bytes=10**9,
                                   ttl_seconds=3600)  # empty cache each run: every slice from the server
                win = MainWindow(CachingCentre(inner, cache), "reader", prompts=Unattended())
                win.resize(1400, 800)
                win.show()
                while win.reading.refreshing:  # the worklist first
                    app.processEvents()
                    time.sleep(0.001)
                marks: dict[str, float] = {}
                shown = win._on_partial

                def first_shown(loader, volume, marks=marks, shown=shown):
                    shown(loader, volume)  # builds the views and renders them (synchronous)
                    marks.setdefault("first", time.perf_counter())
                    marks.setdefault("shown", win.volume is volume)

                win._on_partial = first_shown  # _start_loader connects whatever this names
                t0 = time.perf_counter()
                win.open_item(win.worklist.items[0])
                while win.is_loading():
                    app.processEvents()
                    time.sleep(0.001)
                app.processEvents()
                end = time.perf_counter()
                firsts.append(marks["first"] - t0)
                fulls.append(end - t0)
                win.close()
                inner.close()
            print(f"curl WADO-RS series (64 slices, 33.7 MB): median {statistics.median(curl) * 1000:.0f} ms")
            print("first partial really displayed:", marks.get("shown"))
            print(f"reading window, first slice on screen:   median {statistics.median(firsts) * 1000:.0f} ms")
            print(f"reading window, full series on screen:   median {statistics.median(fulls) * 1000:.0f} ms")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
