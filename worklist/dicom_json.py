"""DICOM JSON (PS3.18 F.2) answers as pydicom Datasets, with their values typed by pydicom.

QIDO results, series metadata, UPS workitems and STOW-RS replies all arrive as DICOM JSON;
`Dataset.from_json` turns each into a Dataset, so values come back as PersonName, int, str
or sequences exactly as from a file. `keep` limits the conversion to the tags a caller
reads: series metadata carries ~100 attributes per instance and the retrieval plan needs 4.
A malformed answer becomes BadData naming what it was, never a pydicom exception.
"""
from __future__ import annotations

import warnings
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from worklist.centre import BadData

__all__ = ["dataset_from_json", "datasets_from_json", "text", "texts", "integer"]


def _no_bulk_data(tag: str, vr: str, uri: str) -> bytes:
    # BulkDataURI values (pixel data in metadata) are fetched by WADO-RS, never here.
    return b""


def dataset_from_json(obj: Any, *, what: str, keep: Collection[str] | None = None,
                      study_uid: str = "") -> Dataset:
    """One DICOM JSON object as a Dataset; `keep` = the 8-hex-digit tags to convert (None: all)."""
    if not isinstance(obj, Mapping):
        raise BadData(f"{what} is not a DICOM JSON object", study_uid=study_uid)
    if keep is not None:
        obj = {tag: obj[tag] for tag in keep if tag in obj}
    try:
        with warnings.catch_warnings():
            # pydicom warns on values it repairs (e.g. an IS '1.0'); the value is still usable
            warnings.simplefilter("ignore")
            # pydicom inspects a bulk data handler's signature per element: pass one only
            # when bulk data may be there (a whole metadata object), not for picked tags.
            return Dataset.from_json(dict(obj), bulk_data_uri_handler=_no_bulk_data if keep is None else None)
    except Exception as exc:  # pydicom raises many kinds on malformed JSON
        raise BadData(f"{what} is not valid DICOM JSON ({type(exc).__name__})", study_uid=study_uid) from None


def datasets_from_json(objs: Iterable[Any], *, what: str, keep: Collection[str] | None = None,
                       study_uid: str = "") -> list[Dataset]:
    return [dataset_from_json(o, what=what, keep=keep, study_uid=study_uid) for o in objs]


def text(ds: Dataset, keyword: str) -> str:
    """The first value of an attribute as text ('' when absent or empty)."""
    value = ds.get(keyword)
    if value is None:
        return ""
    if isinstance(value, (list, tuple, MultiValue)):
        value = value[0] if len(value) else ""
    return str(value if value is not None else "")


def texts(ds: Dataset, keyword: str) -> tuple[str, ...]:
    """Every value of an attribute as text: pydicom gives one value as itself, many as a list."""
    value = ds.get(keyword)
    if value is None or value == "":
        return ()
    if isinstance(value, (list, tuple, MultiValue)):
        return tuple(str(v) for v in value)
    return (str(value),)


def integer(ds: Dataset, keyword: str, default: int = 0) -> int:
    """An IS/US/UL attribute as int, `default` when absent, empty or not a number."""
    value = ds.get(keyword)
    if isinstance(value, (list, tuple, MultiValue)):
        value = value[0] if len(value) else None
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default
