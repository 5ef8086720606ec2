"""The report dock's words for typed report states: delivery states, the to-do list, and which
of the report's two languages matches the interface (for bilingual template data)."""
from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP

from app.reading.delivery import DeliveryState, ReportDelivery
from app.report.messages import Message, text

__all__ = ["delivery_text", "problem_texts", "interface_language"]

_CTX = "ReportPanel"
_STATES = {
    DeliveryState.NOT_QUEUED: QT_TRANSLATE_NOOP("ReportPanel", "not queued"),
    DeliveryState.QUEUED: QT_TRANSLATE_NOOP("ReportPanel", "queued"),
    DeliveryState.RETRYING: QT_TRANSLATE_NOOP("ReportPanel", "queued (retrying)"),
    DeliveryState.SENDING: QT_TRANSLATE_NOOP("ReportPanel", "sending"),
    DeliveryState.SENT: QT_TRANSLATE_NOOP("ReportPanel", "sent"),
    DeliveryState.FAILED: QT_TRANSLATE_NOOP("ReportPanel", "sending failed"),
}


def delivery_text(d: ReportDelivery) -> str:
    """The state of a report's delivery; the outbox's own reason (English detail) is left to
    the outbox's log."""
    return QCoreApplication.translate(_CTX, _STATES[d.state])


def interface_language() -> str:
    """"ja" when the interface is in Japanese, else "en": template titles and labels, which
    carry both, are shown in the reader's language outside the report itself."""
    # the catalogue translates this marker to its own language code
    code = QCoreApplication.translate("Language", "en")
    return "ja" if code == "ja" else "en"


def problem_texts(problems: Iterable[Message]) -> list[str]:
    """The to-do list before signing, in the interface language (the report's typed messages
    carry both languages)."""
    lang = interface_language()
    return [text(p, lang) for p in problems]
