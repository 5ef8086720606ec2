"""The text a view shows in its corners, as plain strings (no VTK, no Qt).

Top left: who (name, ID, sex and birth date). Top right: which study and series.
Bottom left: what the view shows (window, slice, position, zoom, slab).
Bottom right: the volume's warnings (missing slices, tilt, ...), the first three.
Top centre: the identity's notices (a name decoded by guess, UIDs an anonymiser blanked), in
the reader's language: the source texts are marked here for Qt's lupdate, and the view
translates them with the function the Qt layer gives it (`QCoreApplication.translate`).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

from common.dicom_dates import format_da
from common.person_name import display_name
from viewer.dicom_files import Identity
from viewer.views.navigation import ViewState

__all__ = ["IdentityNotice", "Notice", "Translate", "identity_notices", "notice_text", "patient_text",
           "status_text", "study_text", "untranslated", "warning_text"]

MAX_WARNINGS = 3
Translate = Callable[[str, str], str]   # (context, source text) -> text, as QCoreApplication.translate


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate looks for
    return text


def untranslated(_context: str, text: str) -> str:
    """The source text (headless renders, which have no Qt translator)."""
    return text


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


def status_text(plane: str, state: ViewState, slice_index: int, slice_count: int, *, oblique: bool) -> str:
    """Window, slice k/N (1-based) or 'Oblique', the cursor's coordinate along the normal, slab."""
    w = state.window
    lines = [f"W {w.width:.0f} L {w.center:.0f}" + (f" ({w.name})" if w.name else "")]
    lines.append(f"Oblique {plane}" if oblique else f"{plane.capitalize()} {slice_index + 1}/{slice_count}")
    axis = int(np.argmax(np.abs(state.axes.normal)))
    lines.append(f"{'xyz'[axis]} {state.cursor[axis]:.1f} mm  zoom {state.zoom:.2f}")
    if state.slab_mm > 0:
        lines.append(f"{state.slab_mode.upper()} slab {state.slab_mm:.1f} mm")
    return "\n".join(lines)


def warning_text(warnings: Sequence[str]) -> str:
    return "\n".join(f"! {w}" for w in warnings[:MAX_WARNINGS])
