"""Category rules for lung nodules: pure, table-driven functions with no Qt and no I/O.

`measure` rounds and derives sizes; `lungrads` holds ACR Lung-RADS v2022; `jscts` holds the
Japanese Society of CT Screening criteria (6th ed., 2024). Each table row names its source
key from /work/shared/reference/lung-screening.md so a site can check and correct it.
"""
from __future__ import annotations

from .measure import mean_diameter, to_tenth
from .nodule import NoduleFacts, NoduleKind, NoduleStatus

__all__ = ["mean_diameter", "to_tenth", "NoduleFacts", "NoduleKind", "NoduleStatus"]
