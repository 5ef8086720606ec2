"""The reading workflow without Qt: worklist refresh and polling, open / claim / give back /
next study, prefetch, report delivery and the choice of signing certificate.

Widgets (app/windows) display what this layer reports and forward the reader's input; every
call to a centre, the audit trail and the disk runs here on worker threads, and results come
back as typed events through the `post` function the shell provides (in Qt: a queued signal
to the GUI thread; in tests: a queue drained by the test).

The names below are loaded from their modules when first asked for: importing one module of
the package (the holiday calendar, before the login window) must not import the workflow, the
report and pydicom with it (0.8 s, bench/startup.py).
"""
import importlib

_WHERE = {
    **dict.fromkeys(("CompletionFailed", "GiveBackFailed", "OpenFailed", "ReadingEvent", "RefreshStarted",
                     "StudyClaimed", "StudyCompleted", "StudyGivenBack", "WorklistFailed", "WorklistUpdated"),
                    "events"),
    "ReadingController": "controller",
    **dict.fromkeys(("DeliveryState", "DeliveryTracker", "ReportDelivery", "summarise"), "delivery"),
    **dict.fromkeys(("CertificateChoice", "CertificateKind", "choose_certificate"), "certificates"),
}

__all__ = list(_WHERE)


def __getattr__(name: str):
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value
