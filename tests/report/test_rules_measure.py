"""Rounding as the reference prescribes: axes and mean diameter to 0.1 mm (half up)."""
from decimal import Decimal

import pytest

from app.report.errors import RuleInputError
from app.report.rules.measure import growth_mm, mean_diameter, to_tenth


@pytest.mark.parametrize("value, expected", [
    (6.04, "6.0"), (6.05, "6.1"), (5.95, "6.0"), (5.949, "5.9"), ("7", "7.0"), (0, "0.0"), (12.25, "12.3"),
])
def test_axes_round_to_tenth_half_up(value, expected):
    assert to_tenth(value) == Decimal(expected)


@pytest.mark.parametrize("long_mm, short_mm, expected", [
    (7.0, 5.0, "6.0"),  # exactly the 6 mm threshold
    (6.1, 5.8, "6.0"),  # 5.95 rounds half up to 6.0
    (6.0, 5.7, "5.9"),  # 5.85 -> 5.9 (half up, not half even 5.8)
    (6.04, 5.96, "6.0"),  # axes rounded first: 6.0 and 6.0
    (10.0, 10.0, "10.0"),
])
def test_mean_diameter(long_mm, short_mm, expected):
    assert mean_diameter(long_mm, short_mm) == Decimal(expected)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "abc"])
def test_bad_lengths_are_refused(bad):
    with pytest.raises(RuleInputError):
        to_tenth(bad)


def test_short_axis_longer_than_long_axis_is_refused():
    with pytest.raises(RuleInputError):
        mean_diameter(5.0, 6.0)


def test_growth():
    assert growth_mm("5.0", "6.6") == Decimal("1.6")
