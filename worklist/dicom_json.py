"""DICOM JSON (PS3.18 F.2) answers as pydicom Datasets, with their values typed by pydicom.

QIDO results, series metadata, UPS workitems and STOW-RS replies all arrive as DICOM JSON;
`Dataset.from_json` turns each into a Dataset, so values come back as PersonName, int, str
or sequences exactly as from a file. `keep` limits the conversion to the tags a caller
reads: series metadata carries ~100 attributes per instance and the retrieval plan needs 4.
A malformed answer becomes BadData naming what it was, never a pydicom exception.

Objects of plain values (text, numbers, person names, sequences of such items) take a
short path: each element is made by pydicom's `DataElement`, which types the value by its VR
exactly as `from_json` does (tests/worklist/test_dicom_json.py compares the two), without
from_json's per-element handler inspection: 0.7 ms per QIDO study result was a third of a
500-study refresh, and 2-3 ms per UPS workitem (17 elements) two thirds of a 500-workitem
one. Anything else (binary, bulk data, odd shapes) goes through from_json.
"""
from __future__ import annotations

import json
import re
import warnings
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from pydicom import config as pydicom_config
from pydicom.dataelem import DataElement, empty_value_for_VR
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from worklist.centre import BadData

__all__ = ["dataset_from_json", "datasets_from_json", "json_array", "text", "texts", "integer"]


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
    plain = _plain_dataset(obj)
    if plain is not None:
        return plain
    try:
        with warnings.catch_warnings():
            # pydicom warns on values it repairs (e.g. an IS '1.0'); the value is still usable
            warnings.simplefilter("ignore")
            # pydicom inspects a bulk data handler's signature per element: pass one only
            # when bulk data may be there (a whole metadata object), not for picked tags.
            return Dataset.from_json(dict(obj), bulk_data_uri_handler=_no_bulk_data if keep is None else None)
    except Exception as exc:  # pydicom raises many kinds on malformed JSON
        raise BadData(f"{what} is not valid DICOM JSON ({type(exc).__name__})", study_uid=study_uid) from None


_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def json_array(body: str, *, what: str) -> list[Any]:
    """A JSON array, decoded element by element.

    `json.loads` holds the GIL for the whole text: for the metadata of a 1000-slice series
    (about 11 MB) that is a tenth of a second or more in which no other thread, the GUI's
    included, runs. One call per element lets the others in between.
    """
    try:
        i = _SPACE.match(body, 0).end()
        if body[i:i + 1] != "[":
            raise ValueError("not an array")
        i = _SPACE.match(body, i + 1).end()
        out: list[Any] = []
        if body[i:i + 1] == "]":
            i += 1
        else:
            while True:
                item, i = _DECODER.raw_decode(body, i)
                out.append(item)
                i = _SPACE.match(body, i).end()
                sep = body[i:i + 1]
                i = _SPACE.match(body, i + 1).end()
                if sep == "]":
                    break
                if sep != ",":
                    raise ValueError("expected , or ]")
        if body[i:].strip():
            raise ValueError("text after the array")
        return out
    except (ValueError, IndexError) as exc:
        raise BadData(f"{what} is not a JSON array ({exc})") from None


# VRs whose DICOM JSON values are plain strings or numbers (PS3.18 F.2.3); PN is handled apart.
_PLAIN_VRS = frozenset("AE AS CS DA DS DT FD FL IS LO LT SH SL SS ST SV TM UC UI UL UR US UT UV".split())
_PN_GROUPS = ("Alphabetic", "Ideographic", "Phonetic")


def _pn_text(value: Any) -> str | None:
    if not isinstance(value, Mapping) or not set(value) <= set(_PN_GROUPS):
        return None
    groups = [value.get(g, "") for g in _PN_GROUPS]
    if not all(isinstance(g, str) for g in groups):
        return None
    return "=".join(groups).rstrip("=")


def _plain_dataset(obj: Mapping[str, Any]) -> Dataset | None:
    """The Dataset of an object holding only plain values, or None to use from_json."""
    ds = Dataset()
    for tag, element in obj.items():
        if not isinstance(element, Mapping) or len(tag) != 8 or not set(element) <= {"vr", "Value"}:
            return None
        try:
            number = int(tag, 16)
        except ValueError:
            return None
        vr, values = element.get("vr"), element.get("Value")
        if values is None:
            values = []
        if not isinstance(values, list) or not isinstance(vr, str):
            return None
        if vr == "SQ":
            items = [_plain_dataset(v) if isinstance(v, Mapping) else None for v in values]
            if any(item is None for item in items):
                return None
            ds.add(DataElement(number, vr, items))
            continue
        if vr == "PN":
            values = [_pn_text(v) if v is not None else "" for v in values]
        elif vr not in _PLAIN_VRS or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                             for v in values):
            return None
        if any(v is None for v in values):
            return None
        value = values[0] if len(values) == 1 else (values or empty_value_for_VR(vr))
        try:
            # Values repaired with a warning by from_json are kept there too, so validating
            # here would only cost time.
            ds.add(DataElement(number, vr, value, validation_mode=pydicom_config.IGNORE))
        except Exception:  # pydicom refuses the value: let from_json report it
            return None
    return ds


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
