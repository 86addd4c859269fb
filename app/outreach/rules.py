"""When a debtor may be sent a message: the contact rules, the same for every message.

A collector writes to people, not to addresses: nothing in the evening or at night (20:00 to
07:00 where the debtor lives), nothing on a Sunday or a Dutch public holiday, and not more
than a few messages a week, however many campaigns and reminders there are. A message asked
for outside those hours is not refused but moved to the next moment that is allowed, and the
one who asked is told when that is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from app.models.base import as_utc

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class ContactRules:
    """The window messages go out in, and how many a debtor gets in any seven days."""

    timezone: str = "Europe/Amsterdam"  # where debtors live unless we know better
    first: time = time(7, 0)  # the earliest a message goes out
    last: time = time(20, 0)  # from here on, none until the next allowed morning
    per_week: int = 3  # messages to one debtor in any seven days, every channel together
    holidays_of: str = "NL"  # the country whose public holidays are quiet days

    def quiet_day(self, day: date) -> bool:
        """Sundays and public holidays: nobody is written to."""
        return day.isoweekday() == 7 or day in _holidays(self.holidays_of, day.year)

    def allowed(self, moment: datetime) -> bool:
        local = as_utc(moment).astimezone(ZoneInfo(self.timezone))
        return not self.quiet_day(local.date()) and self.first <= local.time() < self.last

    def next_allowed(self, moment: datetime) -> datetime:
        """``moment`` itself when a message may go then, else the start of the next allowed
        hours (UTC). Local wall-clock times, so a daylight-saving change moves nothing."""
        if self.allowed(moment):
            return as_utc(moment)
        zone = ZoneInfo(self.timezone)
        local = as_utc(moment).astimezone(zone)
        day = local.date() if local.time() < self.first else local.date() + timedelta(days=1)
        while self.quiet_day(day):
            day += timedelta(days=1)
        return datetime.combine(day, self.first, tzinfo=zone).astimezone(UTC)

    def after_cap(self, moment: datetime, sent: Sequence[datetime]) -> datetime:
        """The first moment from ``moment`` on when one more message stays within
        ``per_week``, given when the debtor's earlier messages went (any order)."""
        moment = as_utc(moment)
        recent = sorted(as_utc(at) for at in sent if as_utc(at) > moment - WEEK)
        if len(recent) < self.per_week:
            return moment
        # the oldest messages have to drop out of the seven days first
        return recent[len(recent) - self.per_week] + WEEK

    def when(self, moment: datetime, sent: Sequence[datetime] = ()) -> datetime:
        """The first moment from ``moment`` on that keeps every rule: the weekly cap, then
        the window (moving into the window never brings a message back into the cap)."""
        return self.next_allowed(self.after_cap(moment, sent))


@cache
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))
