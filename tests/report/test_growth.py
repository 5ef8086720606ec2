"""Growth of a nodule since the prior CT (app/report/rules/growth.py) and the comparison of a
nodule measured on the current study with its registered position in the prior
(app/report/prior_comparison.py), on the real series with a synthetic nodule grown by a
known amount (tests/fixtures/prior_pair.py)."""
from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from app.report.errors import RuleInputError
from app.report.prior_comparison import compare_with_prior, interval_days, report_changes
from app.report.rules import jscts, lungrads
from app.report.rules.growth import ComparisonStatus, compare_sizes, new_nodule, volume_doubling_days
from tests.fixtures.prior_pair import prior_pair, prior_registration, prior_volumes  # noqa: F401
from viewer.registration import Registration, Outcome
from viewer.tools.measure import Length


def test_vdt_is_schwartz_formula():
    # a volume doubled in 200 days has a VDT of 200 days; tripled in 365: 365 ln2 / ln3
    assert volume_doubling_days(100.0, 200.0, 200) == pytest.approx(200.0)
    assert volume_doubling_days(100.0, 300.0, 365) == pytest.approx(365 * math.log(2) / math.log(3))
    assert volume_doubling_days(100.0, 90.0, 365) is None
    with pytest.raises(RuleInputError):
        volume_doubling_days(0.0, 90.0, 365)


@pytest.mark.parametrize("prior, current, status", [
    ("6.0", "7.5", ComparisonStatus.STABLE),      # +1.5: not growth for Lung-RADS (> 1.5)
    ("6.0", "7.6", ComparisonStatus.GROWING),     # +1.6: Lung-RADS growth, not JSCTS (>= 2)
    ("6.0", "8.0", ComparisonStatus.GROWING),
    ("8.0", "6.4", ComparisonStatus.SHRINKING),
])
def test_status_from_the_diameter_change(prior, current, status):
    g = compare_sizes(prior, current, 365)
    assert g.status is status
    assert g.change_mm == Decimal(current) - Decimal(prior)
    assert g.lungrads_growth == (g.change_mm > Decimal("1.5"))
    assert g.jscts_growth == (g.change_mm >= Decimal("2"))


def test_shrinking_is_written_as_stable_and_a_prior_must_be_older():
    assert ComparisonStatus.SHRINKING.report_status.value == "stable"
    with pytest.raises(RuleInputError):
        compare_sizes("6", "8", 0)
    assert new_nodule("5.0", 365).status is ComparisonStatus.NEW


def _lengths_on(volume, centre, long_mm, short_mm):
    """The reader's two lengths across the nodule on its axial slice."""
    dx, dy = np.array([1.0, 0, 0]), np.array([0, 1.0, 0])
    c = np.asarray(centre, float)
    return [Length(c - dx * long_mm / 2, c + dx * long_mm / 2), Length(c - dy * short_mm / 2, c + dy * short_mm / 2)]


def test_nodule_found_in_the_prior_with_the_known_growth_and_doubling_time(prior_pair, prior_volumes,  # noqa: F811
                                                                           prior_registration):  # noqa: F811
    current, prior = prior_volumes
    days = interval_days(prior_pair.prior_date, prior_pair.current_date)
    assert days == 365
    lengths = _lengths_on(current, prior_pair.nodule_current, prior_pair.d_current_mm, prior_pair.d_current_mm)
    cmp = compare_with_prior(lengths, current, prior, prior_registration, days)
    assert np.linalg.norm(cmp.prior_point - prior_pair.nodule_prior) < 2.0
    g = cmp.growth
    assert g.status is ComparisonStatus.GROWING
    assert float(g.prior_mean_mm) == pytest.approx(prior_pair.d_prior_mm, abs=0.6)
    assert float(g.change_mm) == pytest.approx(prior_pair.d_current_mm - prior_pair.d_prior_mm, abs=0.6)
    true_v = [math.pi / 6 * d ** 3 for d in (prior_pair.d_prior_mm, prior_pair.d_current_mm)]
    assert g.prior_volume_mm3 == pytest.approx(true_v[0], rel=0.1)
    assert g.current_volume_mm3 == pytest.approx(true_v[1], rel=0.1)
    true_vdt = days * math.log(2) / math.log(true_v[1] / true_v[0])
    assert g.vdt_days == pytest.approx(true_vdt, rel=0.1)
    assert g.lungrads_growth and g.jscts_growth

    # into the report: the suggested status drives both schemes' rules
    changes = report_changes(g, "ja")
    assert changes["status"] == "growing" and changes["prior_mean_mm"] == g.prior_mean_mm
    assert "体積倍加時間" in changes["note"]
    from app.report.finding import Finding
    f = Finding.from_measurement(8.0, 8.0, "1.2.3", "1.2.3.4", 0, kind="solid", **changes)
    facts = f.facts()
    assert lungrads.categorise_nodule(facts).category == "4B"  # growing solid >= 8 mm [L1]
    assert jscts.screening_judgement(facts).judgement is jscts.Judgement.REFER  # >= 6 mm


def test_nothing_at_the_registered_position_is_a_new_nodule(prior_pair, prior_volumes):  # noqa: F811
    current, prior = prior_volumes
    lengths = _lengths_on(current, prior_pair.nodule_current, 8.0, 8.0)
    # a registration pointing 30 mm away, into plain lung of the prior (the nodule is not there)
    m = np.eye(4)
    m[:3, 3] = prior_pair.nodule_prior - prior_pair.nodule_current + np.array([0, 0, -25.0])
    cmp = compare_with_prior(lengths, current, prior, Registration(Outcome.OK, m), 365)
    assert cmp.growth.status is ComparisonStatus.NEW and cmp.prior is None
    assert report_changes(cmp.growth, "en")["status"] == "new"
