"""Due times on the site calendar: Japanese holidays, the site's closed days, STAT, ordering."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.reading.site_calendar import SiteCalendar
from app.reading.site_rules import NotifyChannel, SiteRulesError, parse_site_rules
from app.reading.turnaround import TurnaroundRules, Urgency, due_time, turnaround, worklist_rank
from worklist.centre import Priority, WorkItem

JST = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("day, holiday", [
    (date(2026, 5, 6), True),     # 振替休日: Constitution Day (5/3) fell on a Sunday
    (date(2026, 9, 22), True),    # 国民の休日: between Respect for the Aged Day and the equinox
    (date(2026, 9, 23), True),    # 秋分の日
    (date(2026, 3, 20), True),    # 春分の日
    (date(2026, 1, 12), True),    # 成人の日, second Monday of January
    (date(2026, 2, 23), True),    # 天皇誕生日 (from 2020)
    (date(2018, 12, 24), True),   # substitute for the old Emperor's Birthday (12/23, a Sunday)
    (date(2020, 7, 24), True),    # Olympic year: Sports Day moved
    (date(2026, 5, 7), False),
    (date(2026, 9, 24), False),
    (date(2026, 12, 23), False),  # no longer a holiday since 2019
])
def test_japanese_public_holidays(day, holiday):
    assert SiteCalendar().is_public_holiday(day) is holiday


def test_next_working_day_skips_golden_week_and_weekend():
    cal = SiteCalendar()
    # Friday 2026-05-01 -> Sat, Sun(3), Mon 4, Tue 5, Wed 6 (substitute) closed -> Thu 5/7
    assert cal.next_working_day(date(2026, 5, 1)) == date(2026, 5, 7)
    # Friday 2026-09-18 -> Mon 21, Tue 22, Wed 23 holidays -> Thu 24
    assert cal.next_working_day(date(2026, 9, 18)) == date(2026, 9, 24)


def test_site_closed_days_and_hours():
    cal = SiteCalendar(closed_days=frozenset({date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)}),
                       closes=time(18, 30))
    # Monday 12/28: 29-31 closed by the site, 1/1 (Friday) a holiday, then the weekend
    assert cal.next_working_day(date(2026, 12, 28)) == date(2027, 1, 4)
    assert SiteCalendar().next_working_day(date(2026, 12, 28)) == date(2026, 12, 29)
    rules = TurnaroundRules(calendar=cal)
    due = due_time(datetime(2026, 12, 28, 10, 0, tzinfo=JST), Priority.ROUTINE, rules)
    assert due == datetime(2027, 1, 4, 18, 30, tzinfo=JST)


def test_bad_hours_are_refused():
    with pytest.raises(ValueError):
        SiteCalendar(opens=time(18, 0), closes=time(9, 0))


def test_stat_is_two_hours_round_the_clock_and_routine_next_working_day():
    rules = TurnaroundRules()
    saturday_night = datetime(2026, 5, 2, 23, 30, tzinfo=JST)
    assert due_time(saturday_night, Priority.STAT, rules) == datetime(2026, 5, 3, 1, 30, tzinfo=JST)
    assert due_time(saturday_night, Priority.ROUTINE, rules) == datetime(2026, 5, 7, 17, 0, tzinfo=JST)
    # a UTC arrival is placed on the site's day: 2026-05-07 15:30 UTC is Friday 00:30 in Tokyo
    assert due_time(datetime(2026, 5, 7, 15, 30, tzinfo=ZoneInfo("UTC")), Priority.ROUTINE, rules) \
        == datetime(2026, 5, 11, 17, 0, tzinfo=JST)


def _item(uid: str, arrived: str, priority: Priority = Priority.ROUTINE, study_date: str = "") -> WorkItem:
    return WorkItem(study_uid=uid, arrived=arrived, priority=priority, study_date=study_date)


def test_time_left_and_urgency():
    rules = TurnaroundRules(due_soon=timedelta(hours=2))
    now = datetime(2026, 5, 8, 16, 0, tzinfo=JST)  # Friday
    overdue = turnaround(_item("1.1", "2026-05-06T09:00"), now, rules)   # due Thu 5/7 17:00
    soon = turnaround(_item("1.2", "2026-05-07T09:00"), now, rules)      # due Fri 17:00: 1 h left
    later = turnaround(_item("1.3", "2026-05-08T09:00"), now, rules)     # due Mon 5/11 17:00
    unknown = turnaround(_item("1.4", ""), now, rules)
    assert overdue.urgency is Urgency.OVERDUE and overdue.left == timedelta(hours=-23)
    assert soon.urgency is Urgency.DUE_SOON and soon.left == timedelta(hours=1)
    assert later.urgency is Urgency.ON_TIME and later.due == datetime(2026, 5, 11, 17, 0, tzinfo=JST)
    assert unknown.urgency is Urgency.UNKNOWN and unknown.due is None
    # no workitem: the study date's midnight is the arrival
    by_date = turnaround(_item("1.5", "", study_date="20260507"), now, rules)
    assert by_date.arrival == datetime(2026, 5, 7, 0, 0, tzinfo=JST) and by_date.urgency is Urgency.DUE_SOON


def test_worklist_order_stat_overdue_due_soon_rest():
    rules = TurnaroundRules()
    now = datetime(2026, 5, 8, 16, 0, tzinfo=JST)
    items = [_item("1.9", "2026-05-08T09:00"), _item("1.8", "2026-05-07T09:00"),
             _item("1.7", "2026-05-06T09:00"), _item("1.6", "2026-05-08T15:00", Priority.STAT),
             _item("1.5", "", study_date="")]
    order = sorted(items, key=lambda it: worklist_rank(it, turnaround(it, now, rules)))
    assert [i.study_uid for i in order] == ["1.6", "1.7", "1.8", "1.9", "1.5"]


def test_site_rules_from_the_site_file():
    rules = parse_site_rules({"turnaround": {"closes": "18:00", "closed_days": ["2026-12-30"], "stat_hours": 1},
                              "critical": {"channels": ["webhook"], "webhook_url": "https://c.example/x"}},
                             "site.toml")
    assert rules.turnaround.calendar.closes == time(18, 0)
    assert not rules.turnaround.calendar.is_working_day(date(2026, 12, 30))
    assert rules.turnaround.stat_hours == 1
    assert rules.critical.channels == (NotifyChannel.WEBHOOK,)
    with pytest.raises(SiteRulesError, match="closes"):
        parse_site_rules({"turnaround": {"closes": "5pm"}}, "site.toml")
    with pytest.raises(SiteRulesError, match="channels"):
        parse_site_rules({"critical": {"channels": ["ups", "fax"]}}, "site.toml")
    with pytest.raises(SiteRulesError, match="webhook_url"):
        parse_site_rules({"critical": {"channels": ["webhook"], "webhook_url": "http://c.example/x"}}, "site.toml")
