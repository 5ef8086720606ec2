"""common.dicom_dates: DA shown as ISO, DT sortable, signing time as DA/TM/offset."""
from __future__ import annotations

import pytest

from common.dicom_dates import dicom_datetime, dt_to_iso, format_da


@pytest.mark.parametrize(("da", "shown"), [
    ("20070404", "2007-04-04"), (" 20070404 ", "2007-04-04"), ("", ""), (None, ""),
    ("2007", "2007"), ("20071340", "20071340"), ("2007-04-04", "2007-04-04"), ("200704ab", "200704ab"),
])
def test_format_da(da: str | None, shown: str) -> None:
    assert format_da(da) == shown


@pytest.mark.parametrize(("dt", "iso"), [
    ("20240105090000", "2024-01-05T09:00:00"), ("202401050930", "2024-01-05T09:30"),
    ("20240105", "2024-01-05"), ("20240105093015.123+0900", "2024-01-05T09:30:15"),
    ("", ""), ("garbage", ""), ("20241305", ""),
])
def test_dt_to_iso(dt: str, iso: str) -> None:
    assert dt_to_iso(dt) == iso


def test_dicom_datetime() -> None:
    assert dicom_datetime("2024-01-05T10:00:00+09:00") == ("20240105", "100000", "+0900")
    assert dicom_datetime("2024-01-05T10:00:00") == ("20240105", "100000", "+0000")


def test_report_and_sr_use_it() -> None:
    from app.report import sr

    assert sr.dicom_datetime is dicom_datetime
