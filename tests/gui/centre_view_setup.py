"""The centre views on a real Orthanc, set up as the GUI tests need them: the view built on
a DICOMweb client and a one-worker job queue, sized, shown and exposed; the queue and the
client closed after. One set-up for tests/gui and tests/i18n."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timezone

from app.reading.backlog import backlog, fetch_centre_workitems
from app.reading.jobs import Jobs
from app.reading.statistics import compute_statistics, fetch_readings
from app.windows.backlog_view import BacklogView
from app.windows.gui_post import GuiPost
from app.windows.statistics_view import StatisticsView
from tests.centre.support import STAFF
from tests.critical.readings import exam_srs
from worklist.dicomweb import ClientSettings, DicomWebClient
from tests.window_waits import wait_exposed

__all__ = ["backlog_view", "statistics_view"]


@contextlib.contextmanager
def _shown(qtbot, windows, client: DicomWebClient, make, size: tuple[int, int]) -> Iterator:
    jobs = Jobs(GuiPost().post, workers=1)
    try:
        view = make(jobs.run)
        windows.append(view)
        view.resize(*size)
        view.show()
        wait_exposed(qtbot, view)
        yield view
    finally:
        jobs.close()
        client.close()


def backlog_view(qtbot, windows, centre):
    """The backlog per reader as the centre's staff account sees it (UPS-RS of the centre plugin)."""
    client = DicomWebClient(ClientSettings(centre.server.dicomweb_url, *STAFF))
    now = datetime.now(timezone.utc)
    return _shown(qtbot, windows, client,
                  lambda run: BacklogView(run, lambda: backlog(fetch_centre_workitems(client), now)), (700, 300))


def statistics_view(qtbot, windows, orthanc):
    """The centre statistics over the centre's signed readings (uploaded here to `orthanc`)."""
    orthanc.upload(exam_srs())
    client = DicomWebClient(ClientSettings(orthanc.dicomweb_url, orthanc.user, orthanc.password))
    return _shown(qtbot, windows, client, lambda run: StatisticsView(
        run, lambda f, t: compute_statistics(fetch_readings(client, f, t), f, t)), (900, 640))
