"""The text a view shows in its corners, as plain strings (no VTK, no Qt).

Top left: who (name, ID, sex and birth date). Top right: which study and series.
Bottom left: what the view shows (window, slice, position, zoom, slab).
Bottom right: the volume's warnings (missing slices, tilt, ...), the first three.
Top centre: the identity's notices (a name decoded by guess, UIDs an anonymiser blanked).
Every word is in the reader's language: the source texts are marked for Qt's lupdate (here,
in viewer.volume_warnings and viewer.tools.window_level), and the view translates them with
the function the Qt layer gives it (`QCoreApplication.translate`; see viewer.texts).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

from common.dicom_dates import format_da
from common.person_name import display_name
from viewer.dicom_files import Identity
from viewer.texts import QT_TRANSLATE_NOOP, Translate, untranslated
from viewer.tools.window_level import window_label
from viewer.views.navigation import SlabMode, ViewState
from viewer.volume_warnings import warning_line

__all__ = ["IdentityNotice", "Notice", "Translate", "identity_notices", "notice_text", "patient_text",
           "plane_name", "status_text", "study_text", "untranslated", "warning_text"]

MAX_WARNINGS = 3
_CTX = "Banner"
_PLANES = {
    "axial": QT_TRANSLATE_NOOP("Banner", "Axial"),
    "coronal": QT_TRANSLATE_NOOP("Banner", "Coronal"),
    "sagittal": QT_TRANSLATE_NOOP("Banner", "Sagittal"),
}
_SLAB_MODES = {
    SlabMode.MIP: QT_TRANSLATE_NOOP("Banner", "MIP"),
    SlabMode.MINIP: QT_TRANSLATE_NOOP("Banner", "MinIP"),
    SlabMode.AVG: QT_TRANSLATE_NOOP("Banner", "Average"),
}
_WINDOW = QT_TRANSLATE_NOOP("Banner", "W {width:.0f} L {center:.0f}")
_NAMED_WINDOW = QT_TRANSLATE_NOOP("Banner", "W {width:.0f} L {center:.0f} ({name})")
_SLICE = QT_TRANSLATE_NOOP("Banner", "{plane} {index}/{count}")
_OBLIQUE = QT_TRANSLATE_NOOP("Banner", "Oblique {plane}")
_POSITION = QT_TRANSLATE_NOOP("Banner", "{axis} {mm:.1f} mm  zoom {zoom:.2f}")
_SLAB = QT_TRANSLATE_NOOP("Banner", "{mode} slab {mm:.1f} mm")


class Notice(Enum):
    """Something the reader must know about the identity shown; value = its source text."""

    CHARSET_GUESSED = QT_TRANSLATE_NOOP(
        "Banner", "Name read as {0}: the file's character set is wrong")
    UIDS_BLANKED = QT_TRANSLATE_NOOP(
        "Banner", "UIDs blanked: series grouped by number, time and kernel")


@dataclass(frozen=True)
class IdentityNotice:
    notice: Notice
    detail: str = ""     # the encoding's name; the blank attributes' keywords


def identity_notices(identity: Identity) -> tuple[IdentityNotice, ...]:
    out = []
    if identity.charset_guess is not None:
        out.append(IdentityNotice(Notice.CHARSET_GUESSED, identity.charset_guess.value))
    if identity.blank_uids:
        out.append(IdentityNotice(Notice.UIDS_BLANKED, ", ".join(identity.blank_uids)))
    return tuple(out)


def notice_text(identity: Identity, translate: Translate = untranslated) -> str:
    """The notices' lines ('' when there are none), each starting with '!'."""
    return "\n".join("! " + translate("Banner", n.notice.value).format(n.detail) for n in identity_notices(identity))


def _lines(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def patient_text(identity: Identity, *, ideographic_ok: bool) -> str:
    name = display_name(identity.patient_name, ideographic_ok=ideographic_ok)
    sex_birth = " ".join(x for x in (identity.sex, format_da(identity.birth_date)) if x)
    return _lines(name, f"ID {identity.patient_id}", sex_birth)


def study_text(identity: Identity) -> str:
    return _lines(identity.institution,
                  f"{format_da(identity.study_date)} {identity.study_description}".strip(),
                  f"Se {identity.series_number} {identity.series_description}".strip(),
                  identity.modality)


def plane_name(plane: str, translate: Translate = untranslated) -> str:
    """A standard plane's name (axial, coronal, sagittal) as the reader reads it."""
    return translate(_CTX, _PLANES[plane]) if plane in _PLANES else plane


def status_text(plane: str, state: ViewState, slice_index: int, slice_count: int, *, oblique: bool,
                translate: Translate = untranslated) -> str:
    """Window, slice k/N (1-based) or 'Oblique', the cursor's coordinate along the normal, slab."""
    w = state.window
    name = window_label(w.name, translate) if w.name else ""
    lines = [translate(_CTX, _NAMED_WINDOW if name else _WINDOW).format(width=w.width, center=w.center, name=name)]
    where = plane_name(plane, translate)
    lines.append(translate(_CTX, _OBLIQUE).format(plane=where) if oblique
                 else translate(_CTX, _SLICE).format(plane=where, index=slice_index + 1, count=slice_count))
    axis = int(np.argmax(np.abs(state.axes.normal)))
    lines.append(translate(_CTX, _POSITION).format(axis="xyz"[axis], mm=state.cursor[axis], zoom=state.zoom))
    if state.slab_mm > 0:
        mode = translate(_CTX, _SLAB_MODES[SlabMode(state.slab_mode)])
        lines.append(translate(_CTX, _SLAB).format(mode=mode, mm=state.slab_mm))
    return "\n".join(lines)


def warning_text(warnings: Sequence[str], translate: Translate = untranslated) -> str:
    """The first warnings, each a line starting with '!' (viewer.volume_warnings)."""
    return "\n".join(f"! {warning_line(w, translate)}" for w in warnings[:MAX_WARNINGS])
