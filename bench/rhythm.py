"""The reader's waiting time per case over a 20-study worklist, read with sign-and-next:

    .venv/bin/python -m bench.rhythm [--studies 20] [--record]

Starts its own Orthanc (DICOMweb), uploads N studies made from the real 64-slice chest CT
(new Study, Series and SOP Instance UIDs each), logs a reader with a signing key in (a test
CA's PKCS#12) and opens the reading window on the centre with the encrypted cache and
prefetch of the next study, as the station runs. Then it reads every study as a reader does
a normal screening case, with real key presses: Enter on the first row (the first case only),
1 (lung window), Home and End (scrolling itself is reading, not waiting: one render each),
Ctrl+E, `.nl` + space, Ctrl+Shift+Return (sign and next). The first signature answers both
password prompts (typed by the benchmark); the rest fall within the re-authentication grace.

Before each sign-and-next the benchmark waits until the next study is in the cache, as the
reader would be reading still (a case takes a reader about a minute; the benchmark's keys take
one second). Waiting is measured from each key press to the window being ready for the next input:
- open / next: to the first slice of the (next) study on screen (the views drawn), and the
  report of that study open in the panel (what `.nl` needs);
- sign: to the report signed and committed to the outbox (the panel's signedReport);
- the other keys: to their effect drawn (the key handled, then the event queue run dry).
Per case the waits are summed (the next study's first slice is the case's last wait; the
first case adds its Enter to its first slice). The keys of a case are pressed once the whole
study and its report are open (shown apart: a reader scrolls the slices for longer than
that, so only `.nl` could ever wait for the report); the table
gives median, min and max over the N cases, and apart the prefetched next study's opening
(signing queued → first slice) against its 0.5 s target.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SLICES = 64  # the real series' instances: a study is prefetched when the cache holds them all


class Reader:
    """Presses keys into the focused widget of the reading window and times the waits."""

    def __init__(self, app, win) -> None:
        from PySide6.QtCore import QTimer

        self.app, self.win = app, win
        self.shown: dict[str, float] = {}    # study uid -> first slice on screen
        self.queued: list[float] = []        # signedReport times
        self.loaded: dict[str, float] = {}   # study uid -> whole study on screen
        self.QTimer = QTimer
        win.report_panel.signedReport.connect(lambda _rid: self.queued.append(time.perf_counter()))
        partial, loaded = win._on_partial, win._on_loaded

        def on_partial(loader, volume):
            partial(loader, volume)  # sets up the views and draws the first slice (synchronously)
            self.shown.setdefault(volume.identity.study_uid, time.perf_counter())

        def on_loaded(loader, result):
            loaded(loader, result)  # a study from the cache may come whole, with no partial before
            now = time.perf_counter()
            self.shown.setdefault(result.volume.identity.study_uid, now)
            self.loaded.setdefault(result.volume.identity.study_uid, now)

        win._on_partial, win._on_loaded = on_partial, on_loaded  # _start_loader connects what these name

    def key(self, key, modifier=None, text: str = "") -> float:
        """One key press, handled and drawn: the seconds the reader waited."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        t0 = time.perf_counter()
        target = QApplication.focusWidget()
        if text:
            QTest.keyClicks(target, text)
        else:
            QTest.keyClick(target, key, modifier if modifier is not None else Qt.NoModifier)
        self.app.processEvents()
        return time.perf_counter() - t0

    def until(self, condition, timeout_s: float = 300.0) -> float:
        from bench.window_child import pump_until

        pump_until(self.app, condition, timeout_s)
        return time.perf_counter()

    def answer_passwords(self, p12_password: str) -> None:
        """Both sign prompts of the first signature, typed when they open."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication, QLineEdit

        from tests.fixtures.reading_station import PASSWORD

        answers = [PASSWORD, p12_password]

        def fill() -> None:
            dlg = QApplication.activeModalWidget()
            if dlg is None or dlg.findChild(QLineEdit) is None:
                self.QTimer.singleShot(10, fill)
                return
            edit = dlg.findChild(QLineEdit)
            QTest.keyClicks(edit, answers.pop(0))
            QTest.keyClick(edit, Qt.Key_Return)
            if answers:
                self.QTimer.singleShot(10, fill)

        self.QTimer.singleShot(0, fill)


def _ready(win, study_uid: str, reader: Reader) -> bool:
    panel = win.report_panel
    return study_uid in reader.shown and panel.report is not None and panel.report.identity.study_uid == study_uid \
        and not panel.report.is_signed and not win.is_loading()


def run(n: int, tmp: Path) -> dict:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from app.config import CentreConfig, open_centre
    from app.windows.main_window import MainWindow
    from app.windows.prompts import Unattended
    from bench.studies import READER
    from bench.window_child import _settle
    from tests.fixtures.orthanc import start_orthanc
    from tests.fixtures.reading_station import logged_in_reader, real_ct_copies
    from worklist.cache import StudyCache
    from worklist.cached_centre import CachingCentre
    from worklist.outbox import Outbox, Sender

    app = QApplication.instance() or QApplication([])
    server = start_orthanc(tmp / "orthanc", extra_config={"HttpThreadsCount": 16})
    sender = None
    try:
        for _study, blobs in real_ct_copies(n, READER, "RHYTHM"):
            server.upload(blobs)
        session, p12_password = logged_in_reader(tmp)
        cfg = CentreConfig(name="bench", dicomweb_url=server.dicomweb_url, user=server.user,
                           reader_dicom_name=READER, read_timeout=300.0)
        cache = StudyCache(tmp / "cache", "sato", session.cache_key(), max_bytes=10**11, ttl_seconds=3600)
        centre = CachingCentre(open_centre(cfg, server.password, tmp / "state"), cache)
        outbox = Outbox(tmp / "outbox")
        sender = Sender(outbox, centre, poll_s=0.2)
        sender.start()
        win = MainWindow(centre, "sato", session=session, outbox=outbox, prompts=Unattended(), prefetch=1,
                         cache=cache)
        win.report_panel.grace.grace_s = 600  # a site allowing a run of signatures ([station] sign_grace_s)
        win.resize(1270, 980)
        win.show()
        win.activateWindow()
        reader = Reader(app, win)
        reader.until(lambda: not win.reading.refreshing and len(win.worklist.items) == n)
        _settle(app, 1.0)  # the empty views' first paint is not the reader's
        order = [i.study_uid for i in win.reading.items]
        cases: list[dict] = []
        win.worklist.table.setFocus()
        win.worklist.select_study(order[0])
        pressed = time.perf_counter()
        reader.key(Qt.Key_Return)
        for k, study in enumerate(order):
            case = {"open": reader.until(lambda s=study: _ready(win, s, reader)) - pressed,
                    "first_slice": reader.shown[study] - pressed}
            case["loaded_after_first"] = reader.loaded[study] - reader.shown[study]
            case["report_after_loaded"] = pressed + case["open"] - reader.loaded[study]
            if k > 0:  # the open of a prefetched study began when the signing before was queued
                case["next_from_queued"] = reader.shown[study] - reader.queued[-1]
            case["keys"] = sum(reader.key(key, mod) for key, mod in (
                (Qt.Key_1, None), (Qt.Key_Home, None), (Qt.Key_End, None), (Qt.Key_E, Qt.ControlModifier)))
            case["keys"] += reader.key(None, text=".nl ")
            if k == 0:
                reader.answer_passwords(p12_password)
            if k + 1 < len(order):  # a reader reads a case for a minute: the prefetch is done by then
                t = time.perf_counter()
                reader.until(lambda s=order[k + 1]: len(cache.sop_uids(s)) == SLICES)
                case["reading_until_prefetched"] = time.perf_counter() - t
            signed = len(reader.queued)
            pressed = time.perf_counter()
            reader.key(Qt.Key_Return, Qt.ControlModifier | Qt.ShiftModifier)
            case["sign"] = reader.until(lambda c=signed: len(reader.queued) > c) - pressed
            if k == len(order) - 1:
                case["last"] = True
            cases.append(case)
        for case, following in zip(cases, cases[1:]):
            case["next"] = following["open"]  # the case's sign-and-next ends with the next one on screen
        win.close()
        centre.close()
        return {"cases": cases}
    finally:
        if sender is not None:
            sender.stop()
        server.stop()


def _table(cases: list[dict]) -> list[str]:
    from bench.figures import Runs

    def runs(values) -> Runs:
        r = Runs()
        for v in values:
            r.add(v)
        return r

    per_case = runs(c["keys"] + (cases[i + 1]["first_slice"] if i + 1 < len(cases) else c["sign"])
                    + (c["first_slice"] if i == 0 else 0.0) for i, c in enumerate(cases))
    rows = [
        ("waiting per case (its keys, then sign-and-next to the next study's first slice)", per_case, None),
        ("sign-and-next: key to report queued", runs(c["sign"] for c in cases), None),
        ("sign-and-next: key to next study's first slice on screen", runs(
            c["first_slice"] for c in cases[1:]), None),
        ("next study (prefetched): signing queued to first slice on screen", runs(
            c["next_from_queued"] for c in cases[1:]), 0.5),
        ("sign-and-next: key to next study ready (its report open)", runs(c["next"] for c in cases[:-1]), None),
        ("  of which: first slice to whole study on screen", runs(c["loaded_after_first"] for c in cases[1:]), None),
        ("  of which: whole study to its report open", runs(c["report_after_loaded"] for c in cases[1:]), None),
        ("the other keys of a case (1, Home, End, Ctrl+E, .nl + space)", runs(c["keys"] for c in cases), None),
        ("first case: Enter to first slice on screen (from the centre, cold)", runs([cases[0]["first_slice"]]), None),
    ]
    out = ["| figure | median (min–max) over the cases | target |", "|---|---|---|"]
    for name, r, target in rows:
        t = f"< {target * 1000:.0f} ms" if target else ""
        if target:
            t += " ✓" if r.median < target else " ✗"
        out.append(f"| {name} | {r.text('s')} | {t} |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.rhythm")
    ap.add_argument("--studies", type=int, default=20)
    ap.add_argument("--work", type=Path, default=Path.home() / ".cache" / "yomi-bench")
    ap.add_argument("--record", action="store_true", help="append the table to bench/RESULTS.md")
    args = ap.parse_args()
    if not os.environ.get("DISPLAY") and shutil.which("xvfb-run"):
        os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", sys.executable, "-m", "bench.rhythm",
                               *sys.argv[1:]])
    sys.path.insert(0, str(REPO))
    from bench.__main__ import _machine

    args.work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        tmp = Path(tmp)
        os.environ.setdefault("YOMI_DATA_DIR", str(tmp / "data"))  # drafts, signed outputs: thrown away after
        machine = _machine()
        print(machine, flush=True)
        started = time.perf_counter()
        got = run(args.studies, tmp)
    took = time.perf_counter() - started
    lines = _table(got["cases"])
    load = os.getloadavg()
    print("\n".join(lines))
    print(f"({took / 60:.1f} min; load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})")
    if args.record:
        with open(REPO / "bench" / "RESULTS.md", "a", encoding="utf-8") as out:
            out.write(f"\n## {dt.date.today().isoformat()}: `python -m bench.rhythm --studies {args.studies}`\n\n")
            out.write(f"Machine: {machine}; load average at the end {load[0]:.2f}. {took / 60:.1f} min.\n\n")
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
