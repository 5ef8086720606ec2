"""The longest stretch the GUI thread is busy (no event processed) while the reading window
works against a real Orthanc, measured with a heartbeat timer on the GUI thread.

Scenarios (each in its own window, from its own Orthanc content):
  1. worklist refresh from a centre slowed to 2 s per response (latency proxy);
  2. a 1000-slice CT (512 x 512, uncompressed) opening, from Enter to fully on screen;
  3. a 500-study worklist refreshing with 20 ms added to every response: refresh time
     (from F5 to the rows on screen) and the longest stall; from a plain Orthanc (QIDO-RS
     worklist: the studies are found by their Name of Physician(s) Reading Study);
  4. the same 500 studies from an Orthanc running Yomi's centre plugin (packaging/centre/:
     the reader's UPS-RS workitems, as a centre deploying Yomi serves them).

The latency proxy runs in a process of its own, as a remote centre would. Each window has a
logged-in session and its lock guard, as the station's windows have (the guard watches the
window's input). A heartbeat QTimer fires every 5 ms; the longest gap between two ticks, minus
5 ms, is the longest time the GUI could not paint or take a key. Needs an X display:
    xvfb-run -a -s "-screen 0 1280x1024x24" .venv/bin/python bench/bench_gui_stall.py [--slices N] [--studies N]
        [--only slow,open,qido,ups]
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.main import load_holidays  # noqa: E402

load_holidays()  # the app loads them while its login window waits: done before any window here

import numpy as np  # noqa: E402
import pydicom  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.config import CentreConfig, open_centre  # noqa: E402
from app.audit import AuditLog  # noqa: E402
from app.demo import write_series  # noqa: E402
from app.session import Session, UserStore, add_user  # noqa: E402
from app.windows.lock_screen import LockGuard  # noqa: E402
from app.windows.main_window import MainWindow  # noqa: E402
from app.windows.prompts import Unattended  # noqa: E402
from bench.stall_stacks import StallSampler, wanted  # noqa: E402
from bench.window_child import pump_until  # noqa: E402
from tests.centre.support import NAME_A, READER_A, start_centre  # noqa: E402
from tests.fixtures.latency_proxy import LatencyProxyProcess  # noqa: E402
from tests.fixtures.orthanc import start_orthanc  # noqa: E402
from tests.fixtures.synthetic_studies import make_study, upload_parallel  # noqa: E402
from tests.session_support import FAST, PW  # noqa: E402
from viewer.volume import synthetic_phantom  # noqa: E402

READER = "Bench^Reader"
HEARTBEAT_MS = 5


class Heartbeat:
    def __init__(self) -> None:
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def __enter__(self) -> "Heartbeat":
        self.ticks = [time.perf_counter()]
        self.sampler = StallSampler(self.ticks) if wanted() else None
        if self.sampler:
            self.sampler.start()
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()
        self.ticks.append(time.perf_counter())
        if self.sampler:
            self.sampler.stop()
            for rank, k in enumerate(np.argsort(self.gaps_ms())[::-1][:3]):
                self.sampler.report(self.ticks[k], self.ticks[k + 1],
                                    f"stall {rank + 1} at {self.ticks[k] - self.ticks[0]:.2f} s")

    def gaps_ms(self) -> np.ndarray:
        """Each stretch between two ticks beyond the heartbeat's own interval (ms)."""
        return np.diff(np.array(self.ticks)) * 1000 - HEARTBEAT_MS

    def longest_ms(self) -> float:
        gaps = self.gaps_ms()
        return max(0.0, float(gaps.max())) if len(gaps) else 0.0

    def over(self, ms: float) -> int:
        """How many stalls were longer than `ms`."""
        return int((self.gaps_ms() > ms).sum())


def window(url: str, server, state: Path, *, user: tuple[str, str] | None = None, reader: str = READER,
           ups: bool = False) -> MainWindow:
    user = user or (server.user, server.password)
    cfg = CentreConfig(name="bench", dicomweb_url=url, user=user[0], reader_dicom_name=reader,
                       read_timeout=120.0, has_ups=ups)
    state.mkdir(parents=True, exist_ok=True)
    store = UserStore(state / "users.json", scrypt=FAST)
    add_user(store, "reader", PW, "Bench Reader", reader, must_change_password=False)
    session = Session(store, audit_log=AuditLog(state / "audit.jsonl"))
    session.login("reader", PW)
    win = MainWindow(open_centre(cfg, user[1], state), "reader", session=session, prompts=Unattended())
    win.lock_guard = LockGuard(win, session, timeout_s=3600)  # as app/gui.py attaches it
    win.resize(1270, 980)
    win.show()
    settle = time.perf_counter() + 1.0  # first paint of the empty views is not what we measure
    while time.perf_counter() < settle:
        QApplication.processEvents()
        time.sleep(0.005)
    return win


def close(win: MainWindow) -> None:
    win.lock_guard.stop()  # its watch must not outlive the window into the next scenario
    win.close()


def assigned_files(files: list[Path]) -> list[bytes]:
    out = []
    for f in files:
        ds = pydicom.dcmread(f)
        ds.NameOfPhysiciansReadingStudy = READER
        buf = io.BytesIO()
        ds.save_as(buf, enforce_file_format=True)
        out.append(buf.getvalue())
    return out


def refreshes(app, win: MainWindow, label: str, times: int = 3) -> str:
    """`times` refreshes after the first (which the window makes itself): their range and the stall."""
    pump_until(app, lambda: not win.reading.refreshing, 300)
    took = []
    with Heartbeat() as hb:
        for _ in range(times):
            t0 = time.perf_counter()
            win.refresh_worklist()
            pump_until(app, lambda: not win.reading.refreshing, 120)
            took.append(time.perf_counter() - t0)
    return (f"{len(win.worklist.items)}-study worklist, {label}, 20 ms per response: refresh "
            f"{min(took):.2f}-{max(took):.2f} s ({times} runs); longest GUI stall {hb.longest_ms():.0f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--slices", type=int, default=1000)
    ap.add_argument("--studies", type=int, default=500)
    ap.add_argument("--only", default="slow,open,qido,ups", help="scenarios: slow, open, qido, ups")
    args = ap.parse_args()
    only = set(args.only.split(","))
    app = QApplication.instance() or QApplication([])
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["YOMI_DATA_DIR"] = str(tmp / "data")  # drafts, outbox, cache: not the user's own
        server = start_orthanc(tmp / "orthanc")
        try:
            if "slow" in only:  # 1. slow centre: 2 s per response
                upload_parallel(server.base_url, server.auth,
                                [make_study(n, reading=[READER], slices=1) for n in range(3)])
                with LatencyProxyProcess(server.dicomweb_url, delay_s=2.0) as proxy:
                    win = window(proxy.url, server, tmp / "s1")
                    with Heartbeat() as hb:
                        t0 = time.perf_counter()
                        win.refresh_worklist()
                        pump_until(app, lambda: not win.reading.refreshing, 120)
                        took = time.perf_counter() - t0
                    results.append(f"worklist refresh, centre at 2 s per response ({proxy.request_count} "
                                   f"requests, {took:.1f} s): longest GUI stall {hb.longest_ms():.0f} ms")
                    close(win)
                server.delete_all()

            if "open" in only:  # 2. a big study opening
                vol = synthetic_phantom((args.slices, 512, 512), (0.7, 0.7, 1.0))
                write_series(vol, tmp / "big")
                del vol
                files = sorted((tmp / "big").glob("*.dcm"))
                for i in range(0, len(files), 50):
                    server.upload(assigned_files(files[i:i + 50]))
                win = window(server.dicomweb_url, server, tmp / "s2")
                pump_until(app, lambda: not win.reading.refreshing and win.worklist.items, 60)
                with Heartbeat() as hb:
                    t0 = time.perf_counter()
                    win.open_item(win.worklist.items[0])
                    pump_until(app, lambda: not win.is_loading() and win.volume is not None, 900)
                    took = time.perf_counter() - t0
                results.append(f"{args.slices}-slice study opening ({took:.1f} s to fully on screen, "
                               f"{win.volume.shape[0]} slices): longest GUI stall {hb.longest_ms():.0f} ms; "
                               f"stalls over 50 ms: {hb.over(50)}, over 100 ms: {hb.over(100)}")
                close(win)
                server.delete_all()

            if "qido" in only:  # 3. 500 studies, 20 ms away, QIDO-RS worklist
                upload_parallel(server.base_url, server.auth,
                                [make_study(n, reading=[READER], slices=1) for n in range(args.studies)])
                with LatencyProxyProcess(server.dicomweb_url, delay_s=0.02) as proxy:
                    win = window(proxy.url, server, tmp / "s3")
                    results.append(refreshes(app, win, "QIDO-RS (plain Orthanc)"))
                    close(win)
        finally:
            server.stop()
        if "ups" in only:  # 4. the same from the centre plugin's UPS-RS
            centre = start_centre(tmp / "centre")
            try:
                upload_parallel(centre.base_url, centre.auth,
                                [make_study(n, reading=[NAME_A], slices=1) for n in range(args.studies)])
                with LatencyProxyProcess(centre.dicomweb_url, delay_s=0.02) as proxy:
                    win = window(proxy.url, centre, tmp / "s4", user=READER_A, reader=NAME_A, ups=True)
                    t0 = time.perf_counter()
                    pump_until(app, lambda: not win.reading.refreshing and win.worklist.items, 300)
                    results.append(f"first refresh after the upload (the plugin reads every study once): "
                                   f"{time.perf_counter() - t0:.2f} s")
                    results.append(refreshes(app, win, "UPS-RS (Yomi's centre plugin)"))
                    close(win)
            finally:
                centre.stop()
    for line in results:
        print(line)


if __name__ == "__main__":
    main()
