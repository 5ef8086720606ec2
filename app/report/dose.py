"""The study's radiation dose for the report: CTDIvol and DLP, and where they came from (no Qt).

Preferred source: the scanner's CT Radiation Dose SR (X-Ray Radiation Dose SR Storage,
TID 10011) when the study holds one: the CT Accumulated Dose Data's DLP Total (113813, DCM)
and each CT Acquisition's Mean CTDIvol (113830, DCM) and DLP (113838, DCM). Otherwise the
images' own CTDIvol (0018,9345), which carries no DLP. The value always comes with its
`DoseSource`, and the report names it.

Which CTDIvol stands for the study: the highest of its acquisitions (dose SR) or the mean
over the images of the series (headers: with tube-current modulation each slice has its own
value; their mean is the scan's average). The highest acquisition is the one a screening
limit is about: a localiser adds almost nothing, a second helical pass is a second dose.

Screening limit: CTDIvol <= 2.5 mGy for a standard body (JECS LDCT protocol,
shared/reference/japan-reporting.md section 4 [K11]); `dose_check` flags a study above it,
for the screening template only.

`DoseCollector` sees every instance of a study as it arrives (app/reading/study_load.py, on
the loading worker) and keeps only what this needs.
"""
from __future__ import annotations

import enum
import logging
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from pydicom.dataset import Dataset

__all__ = ["DOSE_SR_CLASS", "DoseSource", "StudyDose", "DoseCheck", "DoseCollector", "dose_from_sr",
           "dose_from_images", "dose_check", "ctdivol_check", "SCREENING_CTDIVOL_LIMIT_MGY", "SCREENING_TEMPLATES"]

log = logging.getLogger(__name__)

DOSE_SR_CLASS = "1.2.840.10008.5.1.4.1.1.88.67"   # X-Ray Radiation Dose SR Storage
SCREENING_CTDIVOL_LIMIT_MGY = Decimal("2.5")
SCREENING_TEMPLATES = ("lung-screening-ldct",)

_ACCUMULATED = "113811"     # CT Accumulated Dose Data
_DLP_TOTAL = "113813"       # CT Dose Length Product Total
_ACQUISITION = "113819"     # CT Acquisition
_MEAN_CTDIVOL = "113830"    # Mean CTDIvol
_DLP = "113838"             # DLP
_UNITS = {_MEAN_CTDIVOL: "mGy", _DLP: "mGy.cm", _DLP_TOTAL: "mGy.cm"}


class DoseSource(enum.Enum):
    DOSE_SR = "dose_sr"             # the CT Radiation Dose SR of the study
    IMAGE_HEADER = "image_header"   # CTDIvol (0018,9345) of the images


@dataclass(frozen=True)
class StudyDose:
    ctdivol_mgy: Decimal | None
    dlp_mgycm: Decimal | None
    source: DoseSource
    sop_uid: str = ""            # the dose SR read (DOSE_SR)
    acquisitions: int = 0        # CT Acquisitions (DOSE_SR) or images (IMAGE_HEADER) it came from


@dataclass(frozen=True)
class DoseCheck:
    """A study above the screening limit (None from `dose_check` when it is not)."""

    ctdivol_mgy: Decimal
    limit_mgy: Decimal


def _round(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()


def _code(item: Dataset, keyword: str = "ConceptNameCodeSequence") -> str:
    seq = item.get(keyword)
    return str(seq[0].get("CodeValue", "")) if seq else ""


def _num(item: Dataset) -> float | None:
    """A NUM item's value in the unit its concept expects; None if absent, not finite or in another unit."""
    mv = item.get("MeasuredValueSequence")
    if not mv:
        return None
    unit = _code(mv[0], "MeasurementUnitsCodeSequence")
    expected = _UNITS.get(_code(item))
    if expected is not None and unit != expected:
        log.warning("dose SR: %s given in %r, expected %r; ignored", _code(item), unit, expected)
        return None
    try:
        value = float(mv[0].NumericValue)
    except (AttributeError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _walk(items: Iterable[Dataset], depth: int = 0) -> Iterable[tuple[Dataset, tuple[str, ...]]]:
    """Every content item with the concept codes of its containers (outermost first)."""
    if depth > 16:  # TID 10011 is 3 levels deep; a deeper tree is not a dose report
        return
    for item in items:
        yield item, ()
        for child, path in _walk(item.get("ContentSequence", []), depth + 1):
            yield child, (_code(item), *path)


def dose_from_sr(ds: Dataset) -> StudyDose | None:
    """CTDIvol and DLP of a CT Radiation Dose SR; None when it carries neither."""
    if str(ds.get("SOPClassUID", "")) != DOSE_SR_CLASS:
        return None
    total: float | None = None
    per_acq_ctdi: list[float] = []
    per_acq_dlp: list[float] = []
    acquisitions = 0
    for item, path in _walk(ds.get("ContentSequence", [])):
        code = _code(item)
        if code == _ACQUISITION and item.get("ValueType") == "CONTAINER":
            acquisitions += 1
        if item.get("ValueType") != "NUM":
            continue
        value = _num(item)
        if value is None:
            continue
        if code == _DLP_TOTAL and _ACCUMULATED in path:
            total = value
        elif code == _MEAN_CTDIVOL and _ACQUISITION in path:
            per_acq_ctdi.append(value)
        elif code == _DLP and _ACQUISITION in path:
            per_acq_dlp.append(value)
    if total is None and per_acq_dlp:
        total = sum(per_acq_dlp)
    if total is None and not per_acq_ctdi:
        return None
    return StudyDose(_round(max(per_acq_ctdi)) if per_acq_ctdi else None,
                     _round(total) if total is not None else None, DoseSource.DOSE_SR,
                     str(ds.get("SOPInstanceUID", "")), acquisitions)


def _image_ctdivol(ds: Dataset) -> float | None:
    value = ds.get("CTDIvol")
    if value is None:  # enhanced CT: per-frame or shared CT Exposure Sequence
        for group in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
            seq = ds.get(group)
            if seq and seq[0].get("CTExposureSequence"):
                value = seq[0].CTExposureSequence[0].get("CTDIvol")
                if value is not None:
                    break
    try:
        out = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return out if out is not None and math.isfinite(out) and out >= 0 else None


def dose_from_images(datasets: Iterable[Dataset]) -> StudyDose | None:
    """The mean CTDIvol (0018,9345) of the images that carry one; None when none does."""
    return _from_image_values([v for v in (_image_ctdivol(ds) for ds in datasets) if v is not None])


def _from_image_values(values: list[float]) -> StudyDose | None:
    if not values:
        return None
    return StudyDose(_round(statistics.fmean(values)), None, DoseSource.IMAGE_HEADER, acquisitions=len(values))


def dose_check(dose: StudyDose | None, template_id: str) -> DoseCheck | None:
    """A DoseCheck when a screening study's CTDIvol is above the JECS limit."""
    return ctdivol_check(dose.ctdivol_mgy if dose is not None else None, template_id)


def ctdivol_check(ctdivol_mgy: Decimal | str | None, template_id: str) -> DoseCheck | None:
    """The same rule for a CTDIvol as the report holds it (a field value, typed or filled)."""
    if ctdivol_mgy is None or template_id not in SCREENING_TEMPLATES:
        return None
    value = Decimal(str(ctdivol_mgy))
    if value > SCREENING_CTDIVOL_LIMIT_MGY:
        return DoseCheck(value, SCREENING_CTDIVOL_LIMIT_MGY)
    return None


@dataclass
class DoseCollector:
    """Fed every instance of a study as it arrives; `result()` prefers a dose SR to the images.

    Keeps the dose SRs themselves (small) and one CTDIvol per image, never the images."""

    _reports: list[Dataset] = field(default_factory=list)
    _image_values: dict[str, list[float]] = field(default_factory=dict)   # series UID -> CTDIvol per image

    def offer(self, ds: Dataset) -> None:
        if str(ds.get("SOPClassUID", "")) == DOSE_SR_CLASS:
            self._reports.append(ds)
            return
        if str(ds.get("Modality", "")) != "CT":
            return
        value = _image_ctdivol(ds)
        if value is not None:
            self._image_values.setdefault(str(ds.get("SeriesInstanceUID", "")), []).append(value)

    def result(self, series_uid: str | None = None) -> StudyDose | None:
        """The dose SR's values, else the CTDIvol of the images of `series_uid` (the series on
        screen), else of all the study's CT images."""
        for ds in self._reports:
            try:
                dose = dose_from_sr(ds)
            except Exception as exc:  # a malformed dose SR must not stop the study: fall back to the images
                log.warning("dose SR %s unreadable (%s); image headers used", ds.get("SOPInstanceUID", "?"),
                            type(exc).__name__)
                continue
            if dose is not None:
                return dose
        return _from_image_values(self._image_values.get(series_uid or "")
                                  or [v for vs in self._image_values.values() for v in vs])
