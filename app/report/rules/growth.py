"""A nodule compared with the prior CT: diameter change, volume doubling time, and the change
status suggested to the reader (Qt-free; the GUI turns the values into translated text).

Thresholds (shared/reference/lung-screening.md):
* Lung-RADS v2022: growth = mean diameter increase > 1.5 mm within 12 months [L2];
* JSCTS 6th ed.: growth = >= 2 mm [J4][J5].
The suggestion uses the lower (Lung-RADS) threshold, so every scheme sees a possible growth;
each scheme's own rule then applies its own threshold to the same two sizes (lungrads.py turns
a "growing" increase of <= 1.5 mm back into stable, jscts.py checks >= 2 mm). A decrease of
the same size is "shrinking"; the template has no such choice and both schemes treat a smaller
nodule as stable ("stable or smaller", stepped management), so it is written as stable.

Volume doubling time (Schwartz): VDT = dt * ln 2 / ln(V2 / V1), in days; only from measured
volumes (a volume from diameters would repeat the diameter change in another unit). An
unchanged or shrinking volume has no doubling time (None, with the ratio kept).
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from decimal import Decimal

from .lungrads import GROWTH_THRESHOLD_MM as LUNGRADS_GROWTH_MM
from .lungrads import is_growth as lungrads_growth
from .jscts import is_growth as jscts_growth
from .measure import growth_mm, to_tenth
from .nodule import NoduleStatus
from ..errors import RuleInputError

__all__ = ["ComparisonStatus", "Growth", "compare_sizes", "volume_doubling_days", "new_nodule"]


class ComparisonStatus(str, enum.Enum):
    NEW = "new"
    STABLE = "stable"
    GROWING = "growing"
    SHRINKING = "shrinking"

    @property
    def report_status(self) -> NoduleStatus:
        """The value of the template's change field (and of the rules' NoduleStatus)."""
        return NoduleStatus.STABLE if self is ComparisonStatus.SHRINKING else NoduleStatus(self.value)


@dataclass(frozen=True)
class Growth:
    status: ComparisonStatus
    interval_days: int
    current_mean_mm: Decimal
    prior_mean_mm: Decimal | None = None       # None: not found on the prior (new)
    change_mm: Decimal | None = None
    current_volume_mm3: float | None = None
    prior_volume_mm3: float | None = None
    vdt_days: float | None = None              # None: no volumes, or not growing in volume

    @property
    def lungrads_growth(self) -> bool:
        return self.prior_mean_mm is not None and lungrads_growth(self.prior_mean_mm, self.current_mean_mm)

    @property
    def jscts_growth(self) -> bool:
        return self.prior_mean_mm is not None and jscts_growth(self.prior_mean_mm, self.current_mean_mm)

    @property
    def volume_ratio(self) -> float | None:
        if not self.current_volume_mm3 or not self.prior_volume_mm3:
            return None
        return self.current_volume_mm3 / self.prior_volume_mm3


def volume_doubling_days(prior_mm3: float, current_mm3: float, interval_days: int) -> float | None:
    """Schwartz's VDT in days; None when the volume did not grow."""
    if prior_mm3 <= 0 or current_mm3 <= 0 or interval_days <= 0:
        raise RuleInputError("volumes and the interval must be > 0")
    ratio = current_mm3 / prior_mm3
    if ratio <= 1.0:
        return None
    return interval_days * math.log(2) / math.log(ratio)


def _check_interval(interval_days: int) -> None:
    if not isinstance(interval_days, int) or interval_days <= 0:
        raise RuleInputError(f"the prior CT must be older than the current one (interval {interval_days} days)")


def compare_sizes(prior_mean_mm, current_mean_mm, interval_days: int, *, prior_volume_mm3: float | None = None,
                  current_volume_mm3: float | None = None) -> Growth:
    """The nodule found on the prior too: its change and the suggested status."""
    _check_interval(interval_days)
    prior, current = to_tenth(prior_mean_mm), to_tenth(current_mean_mm)
    change = growth_mm(prior, current)
    if change > LUNGRADS_GROWTH_MM:
        status = ComparisonStatus.GROWING
    elif change < -LUNGRADS_GROWTH_MM:
        status = ComparisonStatus.SHRINKING
    else:
        status = ComparisonStatus.STABLE
    vdt = None
    if prior_volume_mm3 and current_volume_mm3:
        vdt = volume_doubling_days(prior_volume_mm3, current_volume_mm3, interval_days)
    return Growth(status, interval_days, current, prior, change, current_volume_mm3, prior_volume_mm3, vdt)


def new_nodule(current_mean_mm, interval_days: int, *, current_volume_mm3: float | None = None) -> Growth:
    """Nothing at the registered position on the prior: suggested as new."""
    _check_interval(interval_days)
    return Growth(ComparisonStatus.NEW, interval_days, to_tenth(current_mean_mm),
                  current_volume_mm3=current_volume_mm3)
