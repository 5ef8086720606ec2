"""What the rules need to know about one nodule: sizes already rounded, kind, and history."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["NoduleKind", "NoduleStatus", "NoduleFacts"]


class NoduleKind(str, enum.Enum):
    SOLID = "solid"
    PART_SOLID = "part_solid"
    GROUND_GLASS = "ground_glass"


class NoduleStatus(str, enum.Enum):
    BASELINE = "baseline"  # first screening: no prior CT to compare
    NEW = "new"  # absent on the prior CT
    STABLE = "stable"  # present and not grown
    GROWING = "growing"  # larger than on the prior CT (the prior size is then required)


@dataclass(frozen=True)
class NoduleFacts:
    """Inputs of the category rules for one nodule.

    `mean_mm` is the mean diameter of the whole nodule; `solid_mean_mm` that of the solid
    component of a part-solid nodule. `prior_mean_mm` is the mean diameter on the prior CT;
    `prior_lungrads` the Lung-RADS category that nodule was given then (stepped management).
    """

    kind: NoduleKind
    mean_mm: Decimal
    status: NoduleStatus
    solid_mean_mm: Decimal | None = None
    prior_mean_mm: Decimal | None = None
    prior_lungrads: str | None = None
    benign_calcification_or_fat: bool = False
    juxtapleural_benign_features: bool = False
    suspicious_features: bool = False
    proven_benign: bool = False
    cancer_not_excludable: bool = False
    strongly_suspicious: bool = False
