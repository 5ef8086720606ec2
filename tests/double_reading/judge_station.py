"""The judge's reading window at the real double-reading centre, as the GUI tests drive it:
the first and second readings signed and sent (`sign_both`), the judge's own UPS worklist
(`judge_window`), and the comparison window opened with Ctrl+Shift+J (`open_comparison`).
One set-up for tests/double_reading and tests/i18n."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from PySide6.QtCore import Qt

from app.reading.roles import ReadingRole
from tests.double_reading.support import NAME_J, reading_report
from tests.double_reading.test_end_to_end import NODULE_A, NODULE_B, _client, _sign_and_send
from tests.report_gui.helpers import make_window
from worklist.claims import ClaimStore
from worklist.dicomweb_centre import DicomWebCentre
from worklist.outbox import Outbox, Sender
from worklist.ups import UpsSettings, UpsWorklist
from tests.window_waits import wait_exposed

__all__ = ["judge_window", "open_comparison", "sign_both"]


def sign_both(double, stations, tmp_path, *, second: bool = True) -> None:
    """Reader A's reading (nodule A) signed and sent; reader B's too (nodule B, no emphysema)
    unless `second` is False."""
    server, st = double.server, double.study
    _sign_and_send(stations["kenji"], server, reading_report(st, [NODULE_A]), ReadingRole.FIRST, tmp_path)
    if second:
        _sign_and_send(stations["jiro"], server, reading_report(st, [NODULE_B], emphysema="none"),
                       ReadingRole.SECOND, tmp_path)


@contextlib.contextmanager
def judge_window(qtbot, windows, double, stations, tmp_path, *, sending: bool = False, **window_args) -> Iterator:
    """The judge's window on the judge's UPS worklist (its one study listed), yielded as
    (window, centre); with `sending`, an outbox whose sender delivers to the centre. The
    judge's DICOMweb client (and the sender) are closed after."""
    j = stations["hanako"]
    client = _client(double.server, j.centre_user)
    centre = DicomWebCentre("centre", client, UpsWorklist(client, UpsSettings(reader_name=NAME_J),
                                                          ClaimStore(tmp_path / "claims.json")))
    outbox = sender = None
    if sending:
        outbox = window_args["outbox"] = Outbox(tmp_path / "outbox")
        sender = Sender(outbox, centre, poll_s=0.2)
        sender.start()
    try:
        win = make_window(qtbot, windows, centre, "hanako", session=j.session, **window_args)
        qtbot.waitUntil(lambda: len(win.worklist.items) == 1, timeout=30000)
        yield win, centre
    finally:
        if sender is not None:
            sender.stop()
            outbox.close()
        client.close()


def open_comparison(qtbot, win):
    """Ctrl+Shift+J on the study open: the comparison window (a new one), shown and active."""
    win.comparison = None
    qtbot.keyClick(win, Qt.Key_J, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.waitUntil(lambda: win.comparison is not None and win.comparison.isVisible(), timeout=30000)
    cmp = win.comparison
    wait_exposed(qtbot, cmp)
    qtbot.waitUntil(cmp.isActiveWindow)
    return cmp
