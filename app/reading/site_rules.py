"""Site settings for turnaround clocks and critical-result notification, from the site file.

They live in their own tables of the site file IT writes (YOMI_SITE_CONFIG, default
/etc/yomi/site.toml), next to `[centre]`, so the reader's own file never changes them:

    [turnaround]
    timezone = "Asia/Tokyo"
    opens = "09:00"                 # a working day's hours
    closes = "17:00"                # routine studies are due at this time of the next working day
    closed_days = ["2026-12-29", "2026-12-30", "2026-12-31"]   # besides Japanese public holidays
    stat_hours = 2
    due_soon_minutes = 120

    [critical]
    channels = ["webhook", "ups"]   # how the centre is told of a critical result
    webhook_url = "https://centre.example/critical"
    webhook_retries = 5

No Qt here.
"""
from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from .site_calendar import SiteCalendar
from .turnaround import TurnaroundRules

__all__ = ["SiteRulesError", "NotifyChannel", "CriticalSettings", "SiteRules", "load_site_rules", "parse_site_rules"]



class SiteRulesError(ValueError):
    """The site file's [turnaround] or [critical] table is wrong; the message names key and file."""


class NotifyChannel(str, enum.Enum):
    # An HTTP POST to the centre's URL, retried until it answers 2xx.
    WEBHOOK = "webhook"
    # The notice written on the reader's own UPS workitem of the study (the centre plugin's
    # packaging/centre/yomi_centre/critical_notice.py); needs a UPS centre.
    UPS = "ups"


@dataclass(frozen=True)
class CriticalSettings:
    channels: tuple[NotifyChannel, ...] = ()   # none: the centre learns of it from the SR only
    webhook_url: str = ""
    webhook_retries: int = 5


@dataclass(frozen=True)
class SiteRules:
    turnaround: TurnaroundRules = field(default_factory=TurnaroundRules)
    critical: CriticalSettings = field(default_factory=CriticalSettings)


def _time(value: Any, key: str, where: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise SiteRulesError(f"{where}: [turnaround] {key} must be a time like \"17:00\", not {value!r}") from None


def parse_site_rules(data: dict[str, Any], where: str) -> SiteRules:
    t = data.get("turnaround", {}) or {}
    c = data.get("critical", {}) or {}
    if not isinstance(t, dict) or not isinstance(c, dict):
        raise SiteRulesError(f"{where}: [turnaround] and [critical] must be tables")
    try:
        closed = frozenset(date.fromisoformat(str(d)) for d in t.get("closed_days", []))
    except ValueError as exc:
        raise SiteRulesError(f"{where}: [turnaround] closed_days: {exc}") from None
    try:
        calendar = SiteCalendar(timezone=str(t.get("timezone", "Asia/Tokyo")),
                                opens=_time(t.get("opens", "09:00"), "opens", where),
                                closes=_time(t.get("closes", "17:00"), "closes", where), closed_days=closed)
        rules = TurnaroundRules(calendar=calendar, stat_hours=float(t.get("stat_hours", 2)),
                                due_soon=timedelta(minutes=float(t.get("due_soon_minutes", 120))))
    except (ValueError, TypeError) as exc:
        raise SiteRulesError(f"{where}: [turnaround]: {exc}") from None
    known = [ch.value for ch in NotifyChannel]
    unknown = [x for x in c.get("channels", []) if str(x) not in known]
    if unknown:
        raise SiteRulesError(f"{where}: [critical] channels: unknown {unknown} (known: {known})")
    channels = tuple(NotifyChannel(str(x)) for x in c.get("channels", []))
    url = str(c.get("webhook_url", ""))
    if NotifyChannel.WEBHOOK in channels and not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise SiteRulesError(f"{where}: [critical] webhook_url must be https:// (loopback http for tests), "
                             f"not {url!r}")
    try:
        retries = int(c.get("webhook_retries", 5))
    except (TypeError, ValueError):
        raise SiteRulesError(f"{where}: [critical] webhook_retries must be a whole number") from None
    return SiteRules(rules, CriticalSettings(channels, url, retries))


def load_site_rules(path: Path | None = None) -> SiteRules:
    """The site's rules; defaults when the site file is absent."""
    if path is None:
        from app.config import site_config_path  # the one rule for where the site file is

        path = site_config_path()
    if not path.is_file():
        return SiteRules()
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SiteRulesError(f"{path}: cannot read the site file ({exc})") from None
    return parse_site_rules(data, str(path))
