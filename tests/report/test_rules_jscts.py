"""JSCTS 6th ed. criteria, table by table (shared/reference/lung-screening.md section 2a).

JSCTS is a judgement + action, not an A-E class: A-E belongs to the chest X-ray scheme."""
from decimal import Decimal

import pytest

from app.report.rules import jscts
from app.report.rules.nodule import NoduleFacts, NoduleKind, NoduleStatus

J = jscts.Judgement


def facts(kind, mean, status="baseline", solid=None, **kw):
    return NoduleFacts(NoduleKind(kind), Decimal(str(mean)), NoduleStatus(status),
                       Decimal(str(solid)) if solid is not None else None, **kw)


@pytest.mark.parametrize("kind, mean, status, kw, expected", [
    ("solid", 5.9, "baseline", {}, J.ANNUAL),  # any type, mean < 6 mm -> CT again in 12 months
    ("ground_glass", 5.9, "baseline", {}, J.ANNUAL),
    ("solid", 6.0, "baseline", {}, J.REFER),  # mean >= 6 mm -> 要精検 (exactly 6 mm)
    ("ground_glass", 6.0, "stable", {}, J.REFER),
    ("part_solid", 6.0, "baseline", {"solid": 2.0}, J.REFER),
    ("solid", 4.0, "new", {"cancer_not_excludable": True}, J.REFER_IF_NECESSARY),  # new >= 4, not excludable
    ("solid", 3.9, "new", {"cancer_not_excludable": True}, J.ANNUAL),
    ("solid", 4.5, "new", {}, J.ANNUAL),  # new >= 4 but cancer excludable: no referral
    ("solid", 4.5, "stable", {"cancer_not_excludable": True}, J.ANNUAL),  # not new
    ("solid", 3.0, "baseline", {"strongly_suspicious": True}, J.REFER),  # strongly suspicious, any size
])
def test_screening_site_rows(kind, mean, status, kw, expected):
    solid = kw.pop("solid", None)
    assert jscts.screening_judgement(facts(kind, mean, status, solid, **kw)).judgement is expected


def test_exam_takes_most_urgent_and_follow_up():
    nj = jscts.NoduleJudgement
    e = jscts.exam_judgement([nj(J.ANNUAL, "a"), nj(J.REFER, "b"), nj(J.REFER_IF_NECESSARY, "c")])
    assert e.judgement is J.REFER and e.follow_up_months is None
    assert jscts.exam_judgement([nj(J.ANNUAL, "a")]).follow_up_months == 12
    assert jscts.exam_judgement([]).judgement is J.NO_NODULE


def test_growth_is_2_mm_or_more():
    assert jscts.is_growth(Decimal("6.0"), Decimal("8.0"))
    assert not jscts.is_growth(Decimal("6.0"), Decimal("7.9"))


def W(kind, mean, solid=None, smoker=False, **kw):
    return jscts.workup_advice(facts(kind, mean, "stable", solid), smoker=smoker, **kw)


@pytest.mark.parametrize("args, kw, definitive, months", [
    (("ground_glass", 15.0), {}, False, (3,)),  # pure GGN >= 15: TS-CT 3 mo
    (("ground_glass", 14.9), {}, False, (3, 12, 24)),  # pure GGN < 15: 3, 12, 24 mo
    (("ground_glass", 10.0), {"growth_mm": Decimal("2.0")}, True, ()),  # grown >= 2 mm
    (("ground_glass", 10.0), {"growth_mm": Decimal("1.9")}, False, (3, 12, 24)),
    (("ground_glass", 10.0), {"denser": True}, True, ()),
    (("part_solid", 14.9, 8.0), {}, True, ()),  # total < 15, solid >= 8 -> definitive
    (("part_solid", 14.9, 7.9), {}, False, (3, 6, 12, 24, 36, 48, 60)),
    (("part_solid", 15.0, 3.0), {}, True, ()),  # total >= 15 -> definitive
    (("solid", 10.0), {}, True, ()),  # solid >= 10 -> definitive
    (("solid", 9.9), {"smoker": True}, False, (3, 6, 12, 18, 24)),
    (("solid", 6.0), {"smoker": False}, False, (3, 12, 24)),
    (("solid", 8.0), {"growth_mm": Decimal("2.0")}, True, ()),
])
def test_workup_centre_rows(args, kw, definitive, months):
    a = W(*args, **kw)
    assert (a.definitive_diagnosis, a.ts_ct_months) == (definitive, months)


def test_workup_solid_below_6_has_no_row():
    assert W("solid", 5.9) is None
