"""Lung-RADS v2022, table by table, as quoted in shared/reference/lung-screening.md section 1.

Each row of the category table has at least one case; size thresholds are tested on both
sides of the boundary (x.9 below, exactly x.0 at it)."""
from decimal import Decimal

import pytest

from app.report.errors import RuleInputError
from app.report.rules import lungrads
from app.report.rules.nodule import NoduleFacts, NoduleKind, NoduleStatus

S, P, G = "solid", "part_solid", "ground_glass"


def facts(kind, mean, status, solid=None, **kw):
    return NoduleFacts(NoduleKind(kind), Decimal(str(mean)), NoduleStatus(status),
                       Decimal(str(solid)) if solid is not None else None, **kw)


def cat(*a, **kw):
    return lungrads.categorise_nodule(facts(*a, **kw)).category


# (kind, mean, status, solid, expected category)
SOLID_ROWS = [
    (S, 1.0, "baseline", None, "2"), (S, 5.9, "baseline", None, "2"),
    (S, 6.0, "baseline", None, "3"), (S, 7.9, "baseline", None, "3"),
    (S, 8.0, "baseline", None, "4A"), (S, 14.9, "baseline", None, "4A"),
    (S, 15.0, "baseline", None, "4B"), (S, 40.0, "baseline", None, "4B"),
    (S, 3.9, "new", None, "2"),
    (S, 4.0, "new", None, "3"), (S, 5.9, "new", None, "3"),
    (S, 6.0, "new", None, "4A"), (S, 7.9, "new", None, "4A"),
    (S, 8.0, "new", None, "4B"),
]
PART_SOLID_ROWS = [
    (P, 5.9, "baseline", 3.0, "2"),
    (P, 6.0, "baseline", 5.9, "3"), (P, 12.0, "baseline", 2.0, "3"),
    (P, 10.0, "baseline", 6.0, "4A"), (P, 10.0, "baseline", 7.9, "4A"),
    (P, 10.0, "baseline", 8.0, "4B"),
    (P, 5.9, "new", 4.5, "3"),
    (P, 6.0, "new", 3.9, "4A"),
    (P, 6.0, "new", 4.0, "4B"),
]
GGN_ROWS = [
    (G, 29.9, "baseline", None, "2"), (G, 10.0, "new", None, "2"),
    (G, 30.0, "baseline", None, "3"), (G, 35.0, "new", None, "3"),
    (G, 30.0, "stable", None, "2"), (G, 12.0, "stable", None, "2"),
]


@pytest.mark.parametrize("kind, mean, status, solid, expected", SOLID_ROWS + PART_SOLID_ROWS + GGN_ROWS)
def test_category_table(kind, mean, status, solid, expected):
    assert cat(kind, mean, status, solid) == expected


@pytest.mark.parametrize("mean, prior, expected", [
    (7.9, 6.0, "4A"),  # solid growing < 8 mm: +1.9 mm is growth (> 1.5)
    (8.0, 6.4, "4B"),  # solid growing >= 8 mm: +1.6 mm
])
def test_solid_growing(mean, prior, expected):
    assert cat(S, mean, "growing", prior_mean_mm=Decimal(str(prior))) == expected


@pytest.mark.parametrize("solid, expected", [(3.9, "4A"), (4.0, "4B")])
def test_part_solid_growing_solid_component(solid, expected):
    assert cat(P, 9.0, "growing", solid, prior_mean_mm=Decimal("8.0")) == expected


def test_growth_threshold_is_more_than_1_5_mm():
    assert lungrads.is_growth(Decimal("6.0"), Decimal("7.6"))
    assert not lungrads.is_growth(Decimal("6.0"), Decimal("7.5"))
    # exactly +1.5 mm is not growth: the nodule is treated as stable and stepped from its prior category
    r = lungrads.categorise_nodule(facts(S, 7.5, "growing", prior_mean_mm=Decimal("6.0"), prior_lungrads="3"))
    assert r.category == "2" and "not growth" in str(r.basis)


def test_growing_needs_prior_size():
    with pytest.raises(RuleInputError):
        cat(S, 9.0, "growing")


def test_growing_large_ggn_has_no_row_reader_decides():
    r = lungrads.categorise_nodule(facts(G, 32.0, "growing", prior_mean_mm=Decimal("28.0")))
    assert r.category is None and "reader decides" in str(r.basis)


@pytest.mark.parametrize("prior, expected", [("3", "2"), ("4A", "3"), ("2", "2")])
def test_stepped_management(prior, expected):
    assert cat(S, 7.0, "stable", prior_lungrads=prior) == expected


def test_stable_4a_does_not_jump_to_2_as_in_v1_1():
    assert cat(S, 10.0, "stable", prior_lungrads="4A") == "3"


def test_stable_without_prior_category_is_left_to_reader():
    assert cat(S, 7.0, "stable") is None


def test_stable_4b_only_steps_down_when_proven_benign():
    assert cat(S, 16.0, "stable", prior_lungrads="4B") is None
    assert cat(S, 16.0, "stable", prior_lungrads="4B", proven_benign=True) == "2"


def test_benign_calcification_or_fat_is_category_1():
    assert cat(S, 20.0, "baseline", benign_calcification_or_fat=True) == "1"


@pytest.mark.parametrize("mean, status, expected", [
    (9.9, "baseline", "2"), (9.9, "new", "2"), (10.0, "baseline", "4A"), (9.9, "growing", "4B"),
])
def test_juxtapleural_benign_features(mean, status, expected):
    kw = {"prior_mean_mm": Decimal("5.0")} if status == "growing" else {}
    assert cat(S, mean, status, juxtapleural_benign_features=True, **kw) == expected


@pytest.mark.parametrize("base_mean, expected", [(5.0, "2"), (7.0, "4X"), (10.0, "4X"), (20.0, "4X")])
def test_4x_applies_to_3_and_4_only(base_mean, expected):
    assert cat(S, base_mean, "baseline", suspicious_features=True) == expected


def test_part_solid_needs_solid_component():
    with pytest.raises(RuleInputError):
        cat(P, 8.0, "baseline")


def test_exam_level():
    c = lungrads.NoduleCategory
    assert lungrads.categorise_exam([]).category == "1"
    assert lungrads.categorise_exam([], incomplete=True).category == "0"
    assert lungrads.categorise_exam([c("2", "a"), c("4A", "b"), c("3", "c")]).category == "4A"
    assert lungrads.categorise_exam([c("4B", "a"), c("4X", "b")]).category == "4X"
    assert lungrads.categorise_exam([c("3", "a")], significant_other=True).category == "3S"
    assert lungrads.categorise_exam([c("3", "a"), c(None, "b")]).category is None


@pytest.mark.parametrize("category, months", [
    ("0", None), ("1", 12), ("2", 12), ("3", 6), ("4A", 3), ("4B", None), ("4X", None), ("2S", 12),
])
def test_management_table(category, months):
    m = lungrads.management(category)
    assert m.follow_up_months == months and m.en and m.ja
    # the reference marks 4A/4B/4X wording unverified against the ACR PDF
    assert m.verified is (category.rstrip("S") not in ("4A", "4B", "4X"))


def test_unknown_category_management():
    with pytest.raises(RuleInputError):
        lungrads.management("5")
