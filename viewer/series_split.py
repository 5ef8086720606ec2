"""Which series a file belongs to when an anonymiser blanked its UIDs.

Some anonymisers empty Series Instance UID (and SOP Instance UID) instead of replacing them.
Such files are grouped by what still tells series apart: the study (UID, date and time, patient
ID as anonymised), Frame of Reference, Series Number, Series Date/Time, orientation, size and
convolution kernel. Slice positions never decide it: two reconstructions of one acquisition
share every position (../shared/data/ct/lung-dx-a0001) and must stay two volumes. A file
with neither a Frame of Reference nor a Series Number nor a Series Time stands alone.

The key this returns stands in for the series UID in `viewer.dicom_files.FrameHeader`, so
`viewer.volume` groups and splits these files as it does any other series; the identity
carries which UIDs were blank (`blank_uids`) and the views flag it. Qt-free.
"""
from __future__ import annotations

import hashlib
from typing import Any

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

__all__ = ["BLANK_SERIES_PREFIX", "LONE_FILE_PREFIX", "UID_KEYWORDS", "blank_uids", "series_key"]

BLANK_SERIES_PREFIX = "blank-series-uid:"   # files grouped by the attributes below
LONE_FILE_PREFIX = "no-series-uid:"         # nothing to group by: the file alone
UID_KEYWORDS = ("SeriesInstanceUID", "SOPInstanceUID")


def _value(ds: Dataset, keyword: str) -> str:
    try:
        value = ds.get(keyword)
    except Exception:  # a malformed value must not stop the grouping
        return ""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, MultiValue)):
        return "\\".join(str(v).strip() for v in value)
    return str(value).strip()


def _orientation(ds: Dataset) -> str:
    iop: Any = ds.get("ImageOrientationPatient")
    if iop is None:
        plane = ds.get("SharedFunctionalGroupsSequence")
        try:
            iop = plane[0].PlaneOrientationSequence[0].ImageOrientationPatient
        except (AttributeError, IndexError, KeyError, TypeError):
            return ""
    try:
        return ",".join(f"{round(float(c), 3) + 0.0:g}" for c in iop)
    except (TypeError, ValueError):
        return ""


def blank_uids(ds: Dataset) -> tuple[str, ...]:
    """The UID attributes (keywords) that are present-but-empty or missing in an image."""
    return tuple(k for k in UID_KEYWORDS if not _value(ds, k))


def series_key(ds: Dataset, name: str) -> str:
    """The Series Instance UID, or for a blanked one a key built from what distinguishes series."""
    uid = _value(ds, "SeriesInstanceUID")
    if uid:
        return uid
    frame_of_reference = _value(ds, "FrameOfReferenceUID")
    number, time = _value(ds, "SeriesNumber"), _value(ds, "SeriesTime")
    if not (frame_of_reference or number or time):
        return f"{LONE_FILE_PREFIX}{name}"
    kernel = _value(ds, "ConvolutionKernel")
    fields = (_value(ds, "StudyInstanceUID"), _value(ds, "PatientID"), _value(ds, "StudyDate"),
              _value(ds, "StudyTime"), frame_of_reference, number, _value(ds, "SeriesDate"), time,
              _orientation(ds), _value(ds, "Rows"), _value(ds, "Columns"), kernel)
    digest = hashlib.sha256("\x1f".join(fields).encode("utf-8", "replace")).hexdigest()[:16]
    # readable enough to tell the groups apart in `yomi inspect`; no personal data in it
    return f"{BLANK_SERIES_PREFIX}se{number or '?'}:{digest}"
