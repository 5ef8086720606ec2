"""The report's HTML printed to PDF with Qt (QTextDocument + QPdfWriter), Japanese font embedded.

With pdf_text, the only module of the report core that uses Qt, and only its GUI-less classes: it
creates a QGuiApplication when none exists (headless export runs with QT_QPA_PLATFORM=offscreen).
Must run on the thread that owns the Qt application.

Qt's ToUnicode maps send some kanji to look-alike radicals (山 -> ⼭); pdf_text corrects them here,
before the PDF is signed, so the signed bytes carry the right text layer.
"""
from __future__ import annotations

import logging

from .errors import PdfError
from .pdf_text import fix_pdf_text_layer, radical_ideographs

__all__ = ["FONT_FAMILY", "html_to_pdf"]

log = logging.getLogger(__name__)
FONT_FAMILY = "Noto Sans CJK JP"  # Debian fonts-noto-cjk; embedded as CID (PLATFORM-NOTES)
# Latin letters and digits come from a plain Latin font first: with Noto CJK alone, Qt wrote
# digits that follow letters ("PID-0001") as glyphs missing from the PDF's ToUnicode map, so
# text extraction and search lost them. Japanese falls through to FONT_FAMILY.
LATIN_FAMILY = "DejaVu Sans"


def _ensure_gui_app() -> None:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QGuiApplication

    app = QCoreApplication.instance()
    if app is None:
        # Kept on the class so it lives as long as the process (Qt needs one app object).
        _ensure_gui_app.app = QGuiApplication(["yomi-pdf"])  # type: ignore[attr-defined]
    elif not isinstance(app, QGuiApplication):
        raise PdfError("a non-GUI QCoreApplication exists; PDF rendering needs QGuiApplication")


def html_to_pdf(html: str, title: str, *, font_family: str = FONT_FAMILY) -> bytes:
    """A4 PDF bytes of `html` (already escaped), with `title` as the document title, its text
    layer corrected (see pdf_text)."""
    pdf = qt_pdf(html, title, font_family=font_family)
    pdf, fixed = fix_pdf_text_layer(pdf, radical_ideographs(font_family))
    log.debug("PDF rendered (%d bytes, %d ToUnicode maps corrected)", len(pdf), fixed)
    return pdf


def qt_pdf(html: str, title: str, *, font_family: str = FONT_FAMILY) -> bytes:
    """The PDF exactly as Qt writes it (ToUnicode maps uncorrected); html_to_pdf is the one to use."""
    _ensure_gui_app()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF
    from PySide6.QtGui import QFont, QFontDatabase, QPageLayout, QPageSize, QPdfWriter, QTextDocument

    if font_family not in QFontDatabase.families():
        raise PdfError(f"font {font_family!r} not installed (Debian: fonts-noto-cjk)")
    data = QByteArray()
    buf = QBuffer(data)
    if not buf.open(QIODevice.OpenModeFlag.WriteOnly):
        raise PdfError("cannot open the in-memory PDF buffer")
    writer = QPdfWriter(buf)
    writer.setTitle(title)
    writer.setCreator("Yomi")
    writer.setResolution(300)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    doc = QTextDocument()
    families = [f for f in (LATIN_FAMILY, font_family) if f in QFontDatabase.families()]
    font = QFont()
    font.setFamilies(families)
    font.setPointSizeF(10)
    doc.setDefaultFont(font)
    css_families = ", ".join(f"'{f}'" for f in families)
    doc.setDefaultStyleSheet(f"body {{ font-family: {css_families}; }} th {{ background: #eeeeee; }}")
    doc.setHtml(html)
    # No page size on the document: print_() then lays it out on the writer's pages at the
    # writer's resolution, so 10 pt text is 10 pt on paper.
    doc.print_(writer)
    del writer  # finishes the PDF into the buffer
    buf.close()
    pdf = bytes(data.data())
    if not pdf.startswith(b"%PDF") or b"%%EOF" not in pdf[-1024:]:
        raise PdfError("Qt produced no complete PDF")
    return pdf
