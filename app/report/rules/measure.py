"""Measurement rounding shared by every scheme.

Both Lung-RADS v2022 and JSCTS measure long and short axis to 0.1 mm and report the mean
diameter (long + short) / 2 to 0.1 mm. The rounding mode is not named by either source; we
round half up (5.85 -> 5.9), the schoolbook rule a reader checks by hand, and we round the
decimal value the reader sees (str of the float), not its binary approximation.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from ..errors import RuleInputError
from ..messages import MsgId, msg

__all__ = ["to_tenth", "mean_diameter", "growth_mm"]

_TENTH = Decimal("0.1")


def to_tenth(mm: float | int | str | Decimal) -> Decimal:
    """A length in mm rounded half up to 0.1 mm; rejects negative, NaN and infinite values."""
    if isinstance(mm, float) and not math.isfinite(mm):
        raise RuleInputError(f"length is not a finite number: {mm!r}", message=msg(MsgId.LENGTH_INVALID))
    try:
        value = Decimal(str(mm))
    except ArithmeticError as exc:
        raise RuleInputError(f"length is not a number: {mm!r}", message=msg(MsgId.LENGTH_INVALID)) from exc
    if not value.is_finite() or value < 0:
        raise RuleInputError(f"length must be a finite number >= 0 mm: {mm!r}", message=msg(MsgId.LENGTH_INVALID))
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


def mean_diameter(long_mm: float | str | Decimal, short_mm: float | str | Decimal) -> Decimal:
    """(long + short) / 2 of the two axes, each first rounded to 0.1 mm, rounded to 0.1 mm."""
    long_d, short_d = to_tenth(long_mm), to_tenth(short_mm)
    if short_d > long_d:
        raise RuleInputError(f"short axis {short_d} mm is longer than long axis {long_d} mm",
                             message=msg(MsgId.SHORT_LONGER_THAN_LONG, short=short_d, long=long_d))
    return ((long_d + short_d) / 2).quantize(_TENTH, rounding=ROUND_HALF_UP)


def growth_mm(prior_mean_mm: float | str | Decimal, current_mean_mm: float | str | Decimal) -> Decimal:
    """Increase of the mean diameter since the prior exam, in mm to 0.1 mm (negative = smaller)."""
    return to_tenth(current_mean_mm) - to_tenth(prior_mean_mm)
