"""One lung nodule as the reader recorded it: sizes to 0.1 mm, where it was measured, what it
looks like. Immutable: the report replaces a Finding to change it (which undo relies on).

The comparison with the prior (app/report/prior_comparison.py) suggests its change status
(`suggested_status`: new, stable, growing, shrinking). The reader may record another
`status`, but only with a `status_reason`: a nodule whose status differs from the
suggestion without one cannot exist, so no path (editor, undo, a draft read back) can carry
an unexplained override into the rules, the SR or the PDF."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydicom.uid import CTImageStorage, generate_uid

from .errors import FieldValueError, RuleInputError
from .rules.growth import ComparisonStatus
from .rules.measure import mean_diameter, to_tenth
from .rules.nodule import NoduleFacts, NoduleKind, NoduleStatus

__all__ = ["Finding", "CT_IMAGE_STORAGE"]

CT_IMAGE_STORAGE = CTImageStorage
_MM = ("long_mm", "short_mm", "solid_long_mm", "solid_short_mm", "prior_mean_mm")
_FLAGS = ("juxtapleural_benign", "suspicious_features", "proven_benign", "cancer_not_excludable", "strongly_suspicious")
Segment = tuple[float, float, float, float]  # (column1, row1, column2, row2) in image pixels


@dataclass(frozen=True)
class Finding:
    long_mm: Decimal
    short_mm: Decimal
    series_uid: str
    sop_uid: str
    slice_index: int
    sop_class_uid: str = CT_IMAGE_STORAGE
    lobe: str = ""
    kind: str = ""
    solid_long_mm: Decimal | None = None
    solid_short_mm: Decimal | None = None
    calcification: str = ""
    margin: str = ""
    status: str = ""
    prior_mean_mm: Decimal | None = None
    prior_lungrads: str = ""
    juxtapleural_benign: bool = False
    suspicious_features: bool = False
    proven_benign: bool = False
    cancer_not_excludable: bool = False
    strongly_suspicious: bool = False
    note: str = ""
    suggested_status: str = ""    # ComparisonStatus value the prior comparison suggested ("": none)
    status_reason: str = ""       # why `status` differs from the suggestion (only then)
    # Where the reader drew the axes (pixels of the referenced slice), for the SR's ellipse ROI.
    long_axis_px: Segment | None = None
    short_axis_px: Segment | None = None
    tracking_uid: str = field(default_factory=lambda: generate_uid())

    def __post_init__(self) -> None:
        for name in _MM:
            value = getattr(self, name)
            if value is not None and value != "":
                try:
                    object.__setattr__(self, name, to_tenth(value))
                except RuleInputError as exc:
                    raise FieldValueError(f"nodule field {name}: {exc}") from None
            else:
                object.__setattr__(self, name, None)
        if self.long_mm is None or self.short_mm is None or self.long_mm <= 0 or self.short_mm <= 0:
            raise FieldValueError("nodule long and short axis must be > 0 mm")
        if self.short_mm > self.long_mm:
            raise FieldValueError(f"short axis {self.short_mm} mm is longer than long axis {self.long_mm} mm")
        if (self.solid_long_mm is None) != (self.solid_short_mm is None):
            raise FieldValueError("solid component needs both long and short axis")
        if self.solid_long_mm is not None and self.solid_short_mm > self.solid_long_mm:
            raise FieldValueError("solid component short axis is longer than its long axis")
        if not isinstance(self.slice_index, int) or isinstance(self.slice_index, bool) or self.slice_index < 0:
            raise FieldValueError("slice_index must be an integer >= 0")
        for name in ("long_axis_px", "short_axis_px"):
            seg = getattr(self, name)
            if seg is not None:
                if len(seg) != 4:
                    raise FieldValueError(f"{name} must be (column1, row1, column2, row2)")
                object.__setattr__(self, name, tuple(float(v) for v in seg))
        for name in _FLAGS:
            if not isinstance(getattr(self, name), bool):
                raise FieldValueError(f"nodule field {name} must be true or false")
        self._check_status_override()

    def _check_status_override(self) -> None:
        if self.suggested_status:
            try:
                ComparisonStatus(self.suggested_status)
            except ValueError:
                raise FieldValueError(f"nodule field suggested_status: {self.suggested_status!r} is not one of "
                                      f"{', '.join(s.value for s in ComparisonStatus)}") from None
        if not isinstance(self.status_reason, str):
            raise FieldValueError("nodule field status_reason takes text")
        reason = self.status_reason.strip()
        if not self.status_overridden:
            reason = ""  # a reason belongs to an override only: back to the suggestion, it goes
        elif not reason:
            raise FieldValueError(f"the nodule's change {self.status!r} differs from the suggested "
                                  f"{self.suggested_status!r}: a reason is required")
        object.__setattr__(self, "status_reason", reason)

    @property
    def suggested_report_status(self) -> str:
        """The template's change value of the suggestion ("" when there is none)."""
        return ComparisonStatus(self.suggested_status).report_status.value if self.suggested_status else ""

    @property
    def status_overridden(self) -> bool:
        """The reader's change status is not the one the comparison suggested."""
        return bool(self.suggested_status and self.status and self.status != self.suggested_report_status)

    @classmethod
    def from_measurement(cls, long_mm: float, short_mm: float, series_uid: str, sop_uid: str, slice_index: int,
                         *, sop_class_uid: str = CT_IMAGE_STORAGE, long_axis_px: Segment | None = None,
                         short_axis_px: Segment | None = None, **details: Any) -> "Finding":
        """A nodule from the viewer's measurement tool: axes in mm (rounded to 0.1 mm here),
        the slice it was measured on, and optionally the drawn axes in pixels."""
        return cls(long_mm=long_mm, short_mm=short_mm, series_uid=series_uid, sop_uid=sop_uid,
                   slice_index=slice_index, sop_class_uid=sop_class_uid, long_axis_px=long_axis_px,
                   short_axis_px=short_axis_px, **details)

    @property
    def mean_mm(self) -> Decimal:
        return mean_diameter(self.long_mm, self.short_mm)

    @property
    def solid_mean_mm(self) -> Decimal | None:
        if self.solid_long_mm is None:
            return None
        return mean_diameter(self.solid_long_mm, self.solid_short_mm)

    def replace(self, **changes: Any) -> "Finding":
        return dataclasses.replace(self, **changes)

    def facts(self) -> NoduleFacts:
        """The rules' view of this nodule; RuleInputError names what is still missing."""
        if not self.kind:
            raise RuleInputError("nodule type not set")
        if not self.status:
            raise RuleInputError("nodule change (baseline/new/stable/growing) not set")
        kind = NoduleKind(self.kind)
        solid = self.solid_mean_mm if kind is NoduleKind.PART_SOLID else None
        return NoduleFacts(
            kind=kind,
            mean_mm=self.mean_mm,
            status=NoduleStatus(self.status),
            solid_mean_mm=solid,
            prior_mean_mm=self.prior_mean_mm,
            prior_lungrads=self.prior_lungrads or None,
            benign_calcification_or_fat=self.calcification in ("benign", "fat"),
            juxtapleural_benign_features=self.juxtapleural_benign,
            suspicious_features=self.suspicious_features,
            proven_benign=self.proven_benign,
            cancer_not_excludable=self.cancer_not_excludable,
            strongly_suspicious=self.strongly_suspicious,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = str(v) if isinstance(v, Decimal) else (list(v) if isinstance(v, tuple) else v)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise FieldValueError(f"unknown nodule fields: {', '.join(sorted(unknown))}")
        kwargs = dict(data)
        for name in ("long_axis_px", "short_axis_px"):
            if kwargs.get(name) is not None:
                kwargs[name] = tuple(kwargs[name])
        return cls(**kwargs)
