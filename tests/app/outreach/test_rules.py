from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.outreach.rules import ContactRules

AMS = ZoneInfo("Europe/Amsterdam")
RULES = ContactRules()


def local(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=AMS)


def test_a_weekday_morning_is_allowed_as_it_is() -> None:
    moment = local(2026, 12, 2, 10, 0)
    assert RULES.next_allowed(moment) == moment.astimezone(UTC)


def test_a_sunday_send_at_ten_goes_on_monday_at_seven() -> None:
    assert RULES.next_allowed(local(2026, 12, 6, 10, 0)) == local(2026, 12, 7, 7, 0)


@pytest.mark.parametrize(
    ("asked", "goes"),
    [
        (local(2026, 12, 2, 20, 0), local(2026, 12, 3, 7, 0)),  # 20:00 is already evening
        (local(2026, 12, 2, 19, 59), local(2026, 12, 2, 19, 59)),
        (local(2026, 12, 3, 6, 59), local(2026, 12, 3, 7, 0)),  # before seven: the same day
        (local(2026, 12, 5, 23, 0), local(2026, 12, 7, 7, 0)),  # Saturday night, then Sunday
        (local(2026, 12, 24, 20, 30), local(2026, 12, 28, 7, 0)),  # Christmas, Boxing Day, Sunday
        (local(2026, 4, 27, 9, 0), local(2026, 4, 28, 7, 0)),  # King's Day
    ],
)
def test_outside_the_window_moves_to_the_next_allowed_morning(
    asked: datetime, goes: datetime
) -> None:
    assert RULES.next_allowed(asked) == goes
    assert RULES.allowed(RULES.next_allowed(asked))


def test_the_window_is_the_debtors_wall_clock_across_daylight_saving() -> None:
    # Saturday 28 March 2026 21:00 CET; the clocks go forward on Sunday: Monday 07:00 CEST
    goes = RULES.next_allowed(local(2026, 3, 28, 21, 0))
    assert goes == datetime(2026, 3, 30, 5, 0, tzinfo=UTC)
    assert goes.astimezone(AMS).hour == 7


def test_another_time_zone_is_kept_for_its_debtors() -> None:
    rules = ContactRules(timezone="Europe/Istanbul")
    # 06:30 in Amsterdam is 08:30 in Istanbul: allowed there
    assert rules.allowed(local(2026, 12, 2, 6, 30))
    assert not RULES.allowed(local(2026, 12, 2, 6, 30))


def test_the_weekly_cap_waits_until_the_oldest_message_drops_out() -> None:
    rules = ContactRules(per_week=2)
    monday = local(2026, 11, 30, 9, 0)
    sent = [monday, monday + timedelta(days=2)]
    asked = monday + timedelta(days=3)
    assert rules.after_cap(asked, sent) == (monday + timedelta(days=7)).astimezone(UTC)
    assert rules.after_cap(asked, sent[:1]) == asked.astimezone(UTC)
    # messages older than seven days do not count
    assert rules.after_cap(asked, [monday - timedelta(days=8)] * 5) == asked.astimezone(UTC)


def test_when_keeps_the_cap_and_then_the_window() -> None:
    rules = ContactRules(per_week=1)
    sent = [local(2026, 11, 28, 19, 30)]  # Saturday 19:30
    # the cap ends a week later, Saturday 5 December 19:30: allowed, so then
    assert rules.when(local(2026, 12, 1, 10, 0), sent) == local(2026, 12, 5, 19, 30)
    # a cap that ends in the last minute of the day is kept; asked after 20:00 on that
    # Saturday, the next allowed moment is Monday morning (Sunday is quiet)
    late = [local(2026, 11, 28, 19, 59, 30)]
    assert rules.when(local(2026, 12, 1, 10, 0), late) == local(2026, 12, 5, 19, 59, 30)
    assert rules.when(local(2026, 12, 5, 20, 30), late) == local(2026, 12, 7, 7, 0)
