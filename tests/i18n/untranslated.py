"""Find English left in a Japanese interface: every text a reader can see in a widget tree.

`visible_texts(root)` walks a window and its children: window titles, label and button
texts, tooltips, placeholders, group box titles, combo items, item-model headers and cells,
actions (toolbar and shortcut actions), dock titles, text browsers, status bar messages, and
what the VTK views draw (each text actor's input: banner, status corner, warnings, notices,
measurement labels; the orientation letters R/L/A/P/S/I are the DICOM codes every Japanese
viewer prints, checked to be only those). `english(texts, data)` keeps the texts that hold a Latin-letter word outside the whitelist
below and outside `data` (patient, study and centre values shown as they came).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTextEdit,
    QWidget,
)

# Latin words a Japanese radiologist's screen shows as such, each with its reason.
WHITELIST: dict[str, str] = {
    "Yomi": "the product's name",
    "mm": "unit", "HU": "unit (Hounsfield)", "mGy": "unit", "cm": "unit",
    "CT": "modality, written so in Japanese", "LDCT": "low-dose CT, the screening's own name",
    "MPR": "multiplanar reconstruction, a standard Japanese viewer term",
    "ROI": "region of interest, a standard Japanese viewer term",
    "DICOM": "standard's name", "SR": "DICOM Structured Report", "PDF": "file format",
    "PIN": "card PIN, the Japanese term", "ID": "as in ユーザーID / 患者ID", "QR": "QR code",
    "OK": "Qt's own Japanese dialog button (qtbase_ja)",
    "Ctrl": "key name", "Shift": "key name", "Esc": "key name", "Tab": "key name",
    "F1": "key name", "F2": "key name", "F5": "key name",
    "PgUp": "key name (the keymap's spelling, as the keyboard prints it)", "PgDown": "key name",
    "Home": "key name", "End": "key name", "Del": "key name", "Backspace": "key name", "Enter": "key name", "Return": "key name",
    "Alt": "key name",
    "MIP": "maximum intensity projection, a standard Japanese viewer term",
    "MinIP": "minimum intensity projection, a standard Japanese viewer term",
    "DICOMweb": "the standard's name (DICOM's web services)",
    "JECS": "the LDCT dose protocol's name, as the report template and its dose check cite it",
    "Se": "series number abbreviation, as on every CT viewer",
    "Lung-RADS": "scheme's name", "v2022": "scheme's version", "JSCTS": "scheme's name",
    "TCIA": "data source's name (demo notice)", "Lung-PET-CT-Dx": "data set's name (demo notice)",
    "CC": "licence name (CC BY 4.0)", "BY": "licence name (CC BY 4.0)",
    "TS-CT": "thin-section CT, the JSCTS term",
    "CTDIvol": "the dose index's own name (IEC / DICOM), as Japanese CT reports print it",
    "DLP": "dose-length product, as Japanese CT reports print it",
    "UID": "as in 検査UID: the name of a DICOM identifier",
    "PET": "PET/CT, the modality's name",
    "PAdES": "the PDF signature standard's name",
    "SD": "standard deviation, as Japanese viewers print an ROI's statistics",
}
# names of several words shown as such, each with its reason
PHRASES: dict[str, str] = {
    "CT Radiation Dose SR": "the DICOM object's own name, which the report template's Japanese label "
                            "(線量SR) gives in parentheses",
}
# codes rather than words: a DICOM UID, a file path, a command-line flag, a reference tag
_CODE = re.compile(r"(\w+://\S+)|(\d+(\.\d+){3,})|(/[\w./-]+)|(--[\w-]+)|(\[[A-Z]\d\])")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
# an orientation label: patient directions, strongest first (viewer.views.planes.direction_label)
_ORIENTATION = re.compile(r"[RLAPSI]{1,3}")


@dataclass(frozen=True)
class Seen:
    where: str   # widget class and object name, and which text
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text!r}"


def _name(w: QWidget) -> str:
    return f"{type(w).__name__}({w.objectName()})" if w.objectName() else type(w).__name__


def visible_texts(root: QWidget) -> list[Seen]:
    out: list[Seen] = []

    def add(where: str, text: str) -> None:
        if text and text.strip():
            out.append(Seen(where, text))

    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if not w.isVisibleTo(root) and w is not root:
            continue
        n = _name(w)
        if w.isWindow():
            add(f"{n}.windowTitle", w.windowTitle())
        add(f"{n}.toolTip", w.toolTip())
        if isinstance(w, (QLabel, QAbstractButton)):
            add(f"{n}.text", w.text())
        if isinstance(w, QLineEdit):
            add(f"{n}.placeholderText", w.placeholderText())
        if isinstance(w, QGroupBox):
            add(f"{n}.title", w.title())
        if isinstance(w, QDockWidget):
            add(f"{n}.windowTitle", w.windowTitle())
        if isinstance(w, QComboBox):
            for i in range(w.count()):
                add(f"{n}.item[{i}]", w.itemText(i))
        if isinstance(w, QTextEdit):
            add(f"{n}.plainText", w.toPlainText())
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            m, top = w.model(), QModelIndex()
            try:
                columns = m.columnCount(top)
            except TypeError:  # a list model keeps its one column private
                columns = 1
            for c in range(columns):
                add(f"{n}.header[{c}]", str(m.headerData(c, Qt.Horizontal, Qt.DisplayRole) or ""))
            def cells(parent: QModelIndex, path: str) -> None:  # a tree's rows under their group too
                for r in range(min(m.rowCount(parent), 50)):
                    for c in range(columns):
                        add(f"{n}.cell[{path}{r},{c}]", str(m.index(r, c, parent).data(Qt.DisplayRole) or ""))
                    child = m.index(r, 0, parent)
                    try:
                        grouped = m.rowCount(child) > 0
                    except TypeError:  # a list or table model: rows have no children
                        grouped = False
                    if grouped:
                        cells(child, f"{path}{r}/")

            cells(top, "")
        for a in w.actions():
            add(f"{n}.action.text", a.text())
            add(f"{n}.action.toolTip", a.toolTip())
        if isinstance(w, QMainWindow):
            add(f"{n}.statusBar.message", w.statusBar().currentMessage())
        out += view_texts(w, n)
    return out


def view_texts(widget: QWidget, where: str = "") -> list[Seen]:
    """What the VTK view of `widget` draws (none when it is no slice view or shows nothing); an
    orientation label counts only when it is not one of the orientation codes."""
    view = getattr(widget, "view", None)
    if not hasattr(view, "drawn_texts") or view.volume is None:
        return []
    where = where or _name(widget)
    return [Seen(f"{where}.vtk[{place}]", text) for place, text in view.drawn_texts().items()
            if text.strip() and not (place.startswith("label-") and _ORIENTATION.fullmatch(text))]


def english_words(text: str, data: Iterable[str] = ()) -> list[str]:
    """The Latin-letter words of `text` (two letters or more) neither whitelisted nor data."""
    for phrase in PHRASES:
        text = text.replace(phrase, " ")
    for value in sorted((d for d in data if len(d) > 1), key=len, reverse=True):
        # a value counts where it stands as a whole, not inside a word ("M" of a patient's sex)
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", " ", text)
    text = _CODE.sub(" ", text)
    words = []
    for word in _WORD.findall(text):
        if sum(ch.isalpha() for ch in word) < 2 or word in WHITELIST:
            continue
        words.append(word)
    return words


def english(texts: Iterable[Seen], data: Iterable[str] = ()) -> list[str]:
    """One line per text still holding English: where, the text, and the words at fault."""
    data = list(data)
    found = []
    for seen in texts:
        words = english_words(seen.text, data)
        if words:
            found.append(f"{seen} — {', '.join(dict.fromkeys(words))}")
    return found
