"""A nodule measured on the current study, found and measured on the prior (Qt-free).

The reader measures the nodule on the current study with the length tool (long axis, and the
short axis across it: app/report/measurement_link.py picks them). One key then:
1. takes the long axis' midpoint as the nodule's position and maps it through the
   registration (viewer.registration) into the prior;
2. measures the nodule there by the same rule on both studies (viewer.nodule_measure: long
   and short axis of the largest axial section, volume with partial volume) - the current's
   diameters stay the reader's own, the measured volume of each study gives the VDT;
3. computes the growth (app/report/rules/growth.py) and the report changes it suggests.

Nothing at the registered position (only lung there) makes the nodule "new". Any other
refusal (the point outside the prior, a region attached to a vessel or the chest wall) is
raised as `PriorNotMeasured` with its reason: the reader measures the prior by hand.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from viewer.nodule_measure import NoduleMeasurement, NoNodule, Why, measure_nodule

from .errors import FieldValueError
from .measurement_link import pick_axes
from .rules.growth import ComparisonStatus, Growth, compare_sizes, new_nodule
from .rules.measure import mean_diameter

__all__ = ["PriorNotMeasured", "PriorComparison", "interval_days", "compare_with_prior", "report_changes"]


class PriorNotMeasured(FieldValueError):
    """The prior could not be measured at the registered position (`why`)."""

    def __init__(self, why: Why) -> None:
        super().__init__(f"the nodule could not be measured on the prior ({why.value})")
        self.why = why


@dataclass(frozen=True)
class PriorComparison:
    growth: Growth
    prior_point: np.ndarray                       # registered position in the prior (LPS)
    prior: NoduleMeasurement | None               # None: nothing there (new nodule)
    current_volume: NoduleMeasurement | None      # the current measured by the same rule, if it could be


def interval_days(prior_date: str, current_date: str) -> int:
    """Days between two DICOM dates (DA); FieldValueError when either is not a valid date."""
    try:
        a = dt.datetime.strptime(prior_date.strip(), "%Y%m%d").date()
        b = dt.datetime.strptime(current_date.strip(), "%Y%m%d").date()
    except (ValueError, AttributeError):
        raise FieldValueError("the study dates of the current and the prior CT are needed for the interval") from None
    return (b - a).days


def compare_with_prior(lengths: Sequence[Any], current, prior, registration, days: int, *,
                       exclude: set[int] = frozenset()) -> PriorComparison:
    """See the module docstring; `lengths` are the current view's, `registration` maps current
    LPS to prior LPS (viewer.registration.Registration)."""
    pick = pick_axes(lengths, current, exclude=exclude)
    if pick.short is None:
        raise FieldValueError("draw the short axis across the long one before comparing with the prior")
    centre = (np.asarray(pick.long.p1, float) + np.asarray(pick.long.p2, float)) / 2
    current_mean = mean_diameter(max(pick.long.mm, pick.short.mm), min(pick.long.mm, pick.short.mm))
    try:
        on_current = measure_nodule(current, centre)
    except NoNodule:
        on_current = None  # the reader's diameters stand; no volume, so no VDT
    where = registration.to_prior(centre)
    try:
        on_prior = measure_nodule(prior, where)
    except NoNodule as exc:
        if exc.why in (Why.NOTHING_THERE,):
            growth = new_nodule(current_mean, days,
                                current_volume_mm3=on_current.volume_mm3 if on_current else None)
            return PriorComparison(growth, where, None, on_current)
        raise PriorNotMeasured(exc.why) from None
    growth = compare_sizes(Decimal(str(on_prior.mean_mm)), current_mean, days,
                           prior_volume_mm3=on_prior.volume_mm3,
                           current_volume_mm3=on_current.volume_mm3 if on_current else None)
    return PriorComparison(growth, where, on_prior, on_current)


_NOTE = {
    "ja": {"new": "前回CTの同部位に結節なし（新出）", "prior": "前回 {prior} mm → 今回 {current} mm（{change:+} mm、{days}日）",
           "vdt": "、体積倍加時間 {vdt:.0f}日", "shrinking": "（縮小）"},
    "en": {"new": "no nodule at this position on the prior CT (new)",
           "prior": "prior {prior} mm -> current {current} mm ({change:+} mm in {days} days)",
           "vdt": ", volume doubling time {vdt:.0f} days", "shrinking": " (smaller)"},
}


def report_changes(growth: Growth, language: str = "ja") -> dict[str, Any]:
    """The nodule fields the comparison suggests (the template's `status`, `prior_mean_mm`,
    and a note in the report's language), and the suggestion itself (`suggested_status`): the
    reader may change any of them, the status only with a reason (a new comparison is a new
    suggestion, so an earlier reason goes)."""
    words = _NOTE.get(language, _NOTE["en"])
    suggestion = {"status": growth.status.report_status.value, "suggested_status": growth.status.value,
                  "status_reason": ""}
    if growth.status is ComparisonStatus.NEW:
        return {**suggestion, "prior_mean_mm": None, "note": words["new"]}
    note = words["prior"].format(prior=growth.prior_mean_mm, current=growth.current_mean_mm,
                                 change=growth.change_mm, days=growth.interval_days)
    if growth.vdt_days is not None:
        note += words["vdt"].format(vdt=growth.vdt_days)
    if growth.status is ComparisonStatus.SHRINKING:
        note += words["shrinking"]
    return {**suggestion, "prior_mean_mm": growth.prior_mean_mm, "note": note}
