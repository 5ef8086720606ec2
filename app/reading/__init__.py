"""The reading workflow without Qt: worklist refresh and polling, open / claim / give back /
next study, prefetch, report delivery and the choice of signing certificate.

Widgets (app/windows) display what this layer reports and forward the reader's input; every
call to a centre, the audit trail and the disk runs here on worker threads, and results come
back as typed events through the `post` function the shell provides (in Qt: a queued signal
to the GUI thread; in tests: a queue drained by the test).
"""
from app.reading.events import (
    CompletionFailed,
    GiveBackFailed,
    OpenFailed,
    ReadingEvent,
    RefreshStarted,
    StudyClaimed,
    StudyCompleted,
    StudyGivenBack,
    WorklistFailed,
    WorklistUpdated,
)
from app.reading.controller import ReadingController
from app.reading.delivery import DeliveryState, DeliveryTracker, ReportDelivery, summarise
from app.reading.certificates import CertificateChoice, CertificateKind, choose_certificate

__all__ = [
    "ReadingController", "ReadingEvent", "WorklistUpdated", "WorklistFailed", "RefreshStarted",
    "StudyClaimed", "OpenFailed", "StudyGivenBack", "GiveBackFailed", "StudyCompleted",
    "CompletionFailed", "DeliveryState", "DeliveryTracker", "ReportDelivery", "summarise",
    "CertificateChoice", "CertificateKind", "choose_certificate",
]
