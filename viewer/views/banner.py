"""The text a view shows in its corners, as plain strings (no VTK, no Qt).

Top left: who (name, ID, sex and birth date). Top right: which study and series.
Bottom left: what the view shows (window, slice, position, zoom, slab).
Bottom right: the volume's warnings (missing slices, tilt, ...), the first three.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from common.dicom_dates import format_da
from common.person_name import display_name
from viewer.dicom_files import Identity
from viewer.views.navigation import ViewState

__all__ = ["patient_text", "status_text", "study_text", "warning_text"]

MAX_WARNINGS = 3


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
